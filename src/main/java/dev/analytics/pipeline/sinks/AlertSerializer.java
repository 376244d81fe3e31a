package dev.analytics.pipeline.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.analytics.pipeline.model.Alert;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An alert as JSON (the replay's {@code alerts.jsonl} lines and the Kafka alerts topic): event
 * type, dimensions, granularity, window start and end (ISO-8601 UTC), pattern, metric, value,
 * baseline, confidence, version and message. Kafka key: {@code eventType|dims|windowStart}.
 */
public final class AlertSerializer implements KafkaRecordSerializationSchema<Alert> {
  private static final JsonFactory FACTORY = new JsonFactory();
  private final String topic;

  public AlertSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      Alert a, KafkaSinkContext context, Long timestamp) {
    byte[] key =
        (a.eventType + "|" + new TreeMap<>(a.dimensions) + "|" + a.windowStart)
            .getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(topic, key, toJson(a));
  }

  public static byte[] toJson(Alert a) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("event_type", a.eventType);
      g.writeObjectFieldStart("dimensions");
      for (Map.Entry<String, String> d : new TreeMap<>(a.dimensions).entrySet()) {
        g.writeStringField(d.getKey(), d.getValue());
      }
      g.writeEndObject();
      g.writeStringField("granularity", a.granularity);
      g.writeStringField("window_start", Instant.ofEpochMilli(a.windowStart).toString());
      g.writeStringField("window_end", Instant.ofEpochMilli(a.windowEnd).toString());
      g.writeStringField("pattern", a.pattern);
      g.writeStringField("metric", a.metric);
      writeNumber(g, "value", a.value);
      writeNumber(g, "baseline", a.baseline);
      writeNumber(g, "confidence", a.confidence);
      g.writeNumberField("version", a.version);
      if (a.message != null) {
        g.writeStringField("message", a.message);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeNumber(JsonGenerator g, String name, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumberField(name, v);
    } else {
      g.writeNullField(name);
    }
  }
}
