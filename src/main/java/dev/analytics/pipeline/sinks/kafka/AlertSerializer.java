package dev.analytics.pipeline.sinks.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.analytics.pipeline.model.Alert;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
      JsonFields.window(g, a.eventType, a.dimensions, a.granularity, a.windowStart, a.windowEnd);
      g.writeStringField("pattern", a.pattern);
      g.writeStringField("metric", a.metric);
      JsonFields.number(g, "value", a.value);
      JsonFields.number(g, "baseline", a.baseline);
      JsonFields.number(g, "confidence", a.confidence);
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
}
