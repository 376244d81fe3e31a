package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.replay.FileReplay;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients whose clocks are an hour, a day or 70 years ahead or behind, in every partition of a real
 * Kafka topic, among 20 minutes of steady traffic whose records reach Kafka 150 ms after their
 * event time: not one normal event is late or lost, every skewed one is a dead letter with its
 * reason, and no alert is raised. Ahead: {@code timestamp_in_future}; 70 years behind: {@code
 * timestamp_out_of_range}; an hour or a day behind: {@code timestamp_too_old} where {@code
 * events.max-past-age} is set (a function of the record), else {@code late} once the watermark has
 * passed their window. The same records as a file through the replay give the same answer, twice
 * byte for byte, with the late ones keyed by their line.
 */
class SkewedClockITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-06-01T00:00:00Z").toEpochMilli();
  private static final String[] TYPES = {"checkout.completed", "search.query", "page.view"};
  private static final int PARTITIONS = 3;

  /** Events per partition: one every 100 ms for 20 minutes. */
  private static final int PER_PARTITION = 12_000;

  private static final long ARRIVAL_DELAY = 150;
  private static final long YEARS_70 = Duration.ofDays(70 * 365 + 17).toMillis();

  /** How far each skewed client's clock is off, and the reason its events must get. */
  private static final Map<Long, String> SKEWS =
      Map.of(
          Duration.ofHours(1).toMillis(),
          "timestamp_in_future",
          Duration.ofDays(1).toMillis(),
          "timestamp_in_future",
          YEARS_70,
          "timestamp_in_future",
          -Duration.ofHours(1).toMillis(),
          "behind",
          -Duration.ofDays(1).toMillis(),
          "behind",
          -YEARS_70,
          "timestamp_out_of_range");

  private static EmbeddedKafka kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  /** The input: records in the order they reach Kafka, and what must come out. */
  private record Traffic(
      List<Input> records, Map<String, Map<Long, Long>> counts, Map<String, Integer> reasons) {}

  /** The traffic, with {@code behind} the reason of the clocks that are an hour or a day behind. */
  private static Traffic traffic(String behind) {
    List<Input> records = new ArrayList<>();
    Map<String, Map<Long, Long>> counts = new TreeMap<>();
    Map<String, Integer> reasons = new TreeMap<>();
    List<Long> skews = new ArrayList<>(SKEWS.keySet());
    skews.sort(Comparator.naturalOrder());
    for (int i = 0; i < PER_PARTITION; i++) {
      for (int p = 0; p < PARTITIONS; p++) {
        long ts = START + i * 100L + p * 7L;
        long arrival = ts + ARRIVAL_DELAY;
        String type = TYPES[(i + p) % TYPES.length];
        records.add(new Input(p, event("e-" + p + "-" + i, type, ts), arrival));
        counts.computeIfAbsent(type, t -> new TreeMap<>()).merge(ts - ts % 60_000, 1L, Long::sum);
        // At minutes 5, 10 and 15 every skewed client sends one event to every partition.
        if (i > 0 && i % 3_000 == 0) {
          for (long skew : skews) {
            String id = "skewed-" + p + "-" + i + "-" + skew;
            records.add(new Input(p, event(id, type, ts + skew), arrival));
            String reason = SKEWS.get(skew);
            reasons.merge(reason.equals("behind") ? behind : reason, 1, Integer::sum);
          }
        }
      }
    }
    return new Traffic(records, counts, reasons);
  }

  @Test
  void skewedClocksAreDeadLettersAndMoveNoWatermark() throws Exception {
    String name = "skew";
    String events = name + "-events";
    kafka.createTopics(PARTITIONS, events);
    kafka.createTopics(2, name + "-dead-letters", name + "-aggregates", name + "-alerts");
    Traffic traffic = traffic("timestamp_too_old");
    KafkaTopics.produce(kafka.bootstrapServers(), events, traffic.records());

    Map<String, String> values = baseConfig(name);
    // Judged by the record alone: the backlog is read faster than the periodic watermark follows,
    // so whether an event a day behind finds its window closed would depend on timing.
    values.put("events.max-past-age", "30 min");
    IngestPipelineITCase.run(name, JobConfig.of(values), UnaryOperator.identity());

    List<String> aggregates = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-aggregates")) {
      aggregates.add(new String(r.value(), StandardCharsets.UTF_8));
    }
    assertThat(minuteCounts(aggregates)).as("1-minute counts").isEqualTo(traffic.counts());

    Map<String, Integer> reasons = new TreeMap<>();
    Set<String> keys = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-dead-letters")) {
      JsonNode d = JSON.readTree(r.value());
      String reason = d.get("reason").asText();
      reasons.merge(reason, 1, Integer::sum);
      assertThat(d.get("source_partition").asInt() >= 0).as(d.toString()).isTrue();
      assertThat(d.get("source_offset").asLong() >= 0).as(d.toString()).isTrue();
      assertThat(d.get("received_at").asLong() > START).as(d.toString()).isTrue();
      assertThat(keys.add(new String(r.key(), StandardCharsets.UTF_8)))
          .as("one key per record")
          .isTrue();
    }
    assertThat(reasons).as("dead-letter reasons").isEqualTo(traffic.reasons());

    List<ConsumerRecord<byte[], byte[]>> alerts =
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-alerts");
    assertThat(alerts.stream().map(a -> new String(a.value())).toList())
        .as("alerts")
        .isEqualTo(List.of());
  }

  @Test
  void theReplayOfTheSameRecordsGivesTheSameAnswerEveryTime() throws Exception {
    Traffic traffic = traffic("late");
    Path file = tmp.resolve("skewed.ndjson");
    List<String> lines = new ArrayList<>();
    for (Input in : traffic.records()) {
      lines.add(new String(in.value(), StandardCharsets.UTF_8));
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
    Map<String, String> values = new HashMap<>();
    values.put("state.backend", "hashmap");
    // Checkpoints flush the pre-aggregation's partials, so floating-point sums merged at
    // checkpoint times that depend on the wall clock differed in their last bits (mean
    // 457.00000000000006 in one replay, 457.0 in the next): a replay takes none.
    values.put("checkpoint.interval", "100 ms");
    JobConfig config = JobConfig.of(values);

    FileReplay.run(config, file, tmp.resolve("first"));
    FileReplay.run(config, file, tmp.resolve("second"));
    for (String output : List.of("aggregates.jsonl", "alerts.jsonl", "dead-letters.jsonl")) {
      assertThat(Files.readAllLines(tmp.resolve("second").resolve(output)))
          .as(output + " is a function of the file")
          .isEqualTo(Files.readAllLines(tmp.resolve("first").resolve(output)));
    }

    Path out = tmp.resolve("first");
    assertThat(minuteCounts(Files.readAllLines(out.resolve("aggregates.jsonl"))))
        .isEqualTo(traffic.counts());
    Map<String, Integer> reasons = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("dead-letters.jsonl"))) {
      JsonNode d = JSON.readTree(line);
      reasons.merge(d.get("reason").asText(), 1, Integer::sum);
      // Every dead letter names its line, late ones too; the raw bytes are the event.
      String raw = lines.get(d.get("source_offset").asInt() - 1);
      JsonNode event = JSON.readTree(Base64.getDecoder().decode(d.get("raw_base64").asText()));
      assertThat(event.get("event_id"))
          .as(d.toString())
          .isEqualTo(JSON.readTree(raw).get("event_id"));
    }
    assertThat(reasons).as("dead-letter reasons").isEqualTo(traffic.reasons());
    assertThat(Files.readAllLines(out.resolve("alerts.jsonl"))).as("alerts").isEqualTo(List.of());
  }

  /** The highest version of each 1-minute aggregate: type to window start to estimated count. */
  private static Map<String, Map<Long, Long>> minuteCounts(List<String> aggregates)
      throws Exception {
    Map<String, Map<Long, Long>> counts = new TreeMap<>();
    Map<String, Integer> versions = new HashMap<>();
    for (String json : aggregates) {
      JsonNode a = JSON.readTree(json);
      if (!a.get("granularity").asText().equals("1m")) {
        continue;
      }
      String type = a.get("event_type").asText();
      long start = Instant.parse(a.get("window_start").asText()).toEpochMilli();
      int version = a.get("version").asInt();
      String id = type + "@" + start;
      if (versions.getOrDefault(id, -1) < version) {
        versions.put(id, version);
        counts
            .computeIfAbsent(type, t -> new TreeMap<>())
            .put(start, Math.round(a.get("estimated_count").asDouble()));
      }
    }
    return counts;
  }

  private Map<String, String> baseConfig(String name) {
    Map<String, String> values =
        BoundedJobs.config(kafka.bootstrapServers(), name, tmp.resolve("checkpoints"));
    values.put("output.aggregates-topic", name + "-aggregates");
    values.put("output.alerts-topic", name + "-alerts");
    return values;
  }

  private static byte[] event(String id, String type, long ts) {
    return ("{\"event_id\":\""
            + id
            + "\",\"event_type\":\""
            + type
            + "\",\"timestamp\":"
            + ts
            + ",\"value\":"
            + (ts % 1000)
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
