package dev.analytics.pipeline.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.analytics.pipeline.model.WindowAggregate;
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
 * A window aggregate as a Kafka record: key {@code eventType|dims|granularity|windowStart}, value a
 * JSON object with every statistic (window bounds in ISO-8601 UTC).
 */
public final class WindowAggregateSerializer
    implements KafkaRecordSerializationSchema<WindowAggregate> {
  private static final JsonFactory FACTORY = new JsonFactory();
  private final String topic;

  public WindowAggregateSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      WindowAggregate a, KafkaSinkContext context, Long timestamp) {
    Map<String, String> dims = new TreeMap<>(a.dimensions);
    byte[] key =
        (a.eventType + "|" + dims + "|" + a.granularity + "|" + a.windowStart)
            .getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(topic, key, toJson(a));
  }

  public static byte[] toJson(WindowAggregate a) {
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
      g.writeNumberField("version", a.version);
      g.writeNumberField("estimated_count", a.estimatedCount);
      g.writeNumberField("kept_count", a.keptCount);
      g.writeNumberField("sample_rate", a.sampleRate);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
