package dev.analytics.pipeline.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.aggregation.AggregationSettings;
import dev.analytics.pipeline.aggregation.LateEventToDeadLetter;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.EventTimeBounds;
import dev.analytics.pipeline.ingest.KafkaEventDeserializer;
import dev.analytics.pipeline.ingest.ParserSettings;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.EventJson;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.sinks.kafka.DeadLetterSerializer;
import dev.analytics.pipeline.testing.TestEvents;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A dead letter never holds more than {@code dead-letter.max-raw-bytes} of its record, on every
 * path into the dead-letter output (record too large, invalid UTF-8, malformed JSON, a validation
 * error, a late event), for records of 5 MB, just over the record limit and just under it; the full
 * size is recorded, the kept bytes are the record's prefix, and the JSON written to Kafka stays
 * bounded.
 */
class DeadLetterBoundsTest {
  private static final int MAX_RECORD = 1024 * 1024;
  private static final int MAX_RAW = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JobConfig config =
      JobConfig.of(
          Map.of(
              "events.max-record-bytes", String.valueOf(MAX_RECORD),
              "dead-letter.max-raw-bytes", String.valueOf(MAX_RAW)));
  private final KafkaEventDeserializer deserializer =
      new KafkaEventDeserializer(
          ParserSettings.from(config), EventTimeBounds.from(config), MAX_RAW);

  private static byte[] padded(String head, int size, char fill, String tail) {
    byte[] bytes = new byte[size];
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] t = tail.getBytes(StandardCharsets.UTF_8);
    Arrays.fill(bytes, (byte) fill);
    System.arraycopy(h, 0, bytes, 0, h.length);
    System.arraycopy(t, 0, bytes, size - t.length, t.length);
    return bytes;
  }

  @Test
  void everyParserPathKeepsAtMostTheConfiguredBytes() throws Exception {
    String valid = "{\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":1767225600000,";
    List<Object[]> cases =
        List.of(
            new Object[] {
              "record_too_large", padded(valid + "\"p\":\"", 5 * 1024 * 1024, 'x', "\"}")
            },
            new Object[] {
              "record_too_large", padded(valid + "\"p\":\"", MAX_RECORD + 1, 'x', "\"}")
            },
            new Object[] {"malformed_json", padded(valid + "\"p\":\"", MAX_RECORD, 'x', "")},
            new Object[] {
              "invalid_utf8", padded(valid + "\"p\":\"\u00e9", MAX_RECORD, 'x', "\u00ff\"}")
            },
            new Object[] {
              "invalid_event_type",
              padded(
                  "{\"event_id\":\"e\",\"event_type\":\"'; DROP TABLE t; --\",\"timestamp\":1767225600000,\"properties\":{\"p\":\"",
                  MAX_RECORD,
                  'x',
                  "\"}}")
            });
    for (Object[] c : cases) {
      byte[] record = (byte[]) c[1];
      if (c[0].equals("invalid_utf8")) {
        record[record.length - 3] = (byte) 0xff; // a byte that is never UTF-8
      }
      ParsedRecord parsed = deserializer.parse(record, "events", 3, 42, 1767225600000L);
      assertThat(parsed.isEvent()).as("%s is an event", c[0]).isFalse();
      assertBounded(parsed.deadLetter, (String) c[0], record);
    }
  }

  @Test
  void aLateEventWithHugePropertiesKeepsAtMostTheConfiguredBytes() throws Exception {
    AnalyticsEvent e =
        TestEvents.event("api.error")
            .id("late")
            .at(1767225600000L)
            .properties("{\"p\":\"" + "y".repeat(5 * 1024 * 1024) + "\"}")
            .build();
    byte[] full = EventJson.write(e);
    try (OneInputStreamOperatorTestHarness<AnalyticsEvent, DeadLetter> harness =
        new OneInputStreamOperatorTestHarness<>(
            new StreamMap<>(
                new LateEventToDeadLetter("events", AggregationSettings.from(config), MAX_RAW)))) {
      harness.open();
      harness.processElement(e, e.timestamp);
      List<DeadLetter> out = harness.extractOutputValues();
      assertThat(out).hasSize(1);
      assertBounded(out.get(0), "late", full);
    }
  }

  private static void assertBounded(DeadLetter d, String reason, byte[] record) throws Exception {
    assertThat(d.reason.toString().toLowerCase()).as(reason).isEqualTo(reason);
    assertThat(d.raw).as(reason).hasSize(MAX_RAW);
    assertThat(d.raw).as(reason).isEqualTo(Arrays.copyOf(record, MAX_RAW));
    assertThat(d.rawSize).as(reason).isEqualTo(record.length);
    assertThat(d.truncated()).as(reason).isTrue();
    byte[] json = DeadLetterSerializer.toJson(d);
    assertThat(json.length).as("%s: JSON size", reason).isLessThan(MAX_RAW * 4 / 3 + 2048);
    JsonNode node = JSON.readTree(json);
    assertThat(node.get("raw_size").asInt()).isEqualTo(record.length);
    assertThat(node.get("raw_truncated").asBoolean()).isTrue();
    assertThat(Base64.getDecoder().decode(node.get("raw_base64").asText()))
        .isEqualTo(Arrays.copyOf(record, MAX_RAW));
  }
}
