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
 * JSON object with every statistic (window bounds in ISO-8601 UTC; undefined statistics, NaN in the
 * aggregate, as null).
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
      g.writeNumberField("value_count", a.valueCount);
      writeStatistic(g, "sum", a.sum);
      writeStatistic(g, "min", a.min);
      writeStatistic(g, "max", a.max);
      writeStatistic(g, "mean", a.mean);
      writeStatistic(g, "variance_pop", a.variancePop);
      writeStatistic(g, "variance_sample", a.varianceSample);
      writeStatistic(g, "stddev_pop", a.stddevPop);
      writeStatistic(g, "stddev_sample", a.stddevSample);
      writeStatistic(g, "p50", a.p50);
      writeStatistic(g, "p75", a.p75);
      writeStatistic(g, "p90", a.p90);
      writeStatistic(g, "p95", a.p95);
      writeStatistic(g, "p99", a.p99);
      writeStatistic(g, "p999", a.p999);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** JSON has no NaN: an undefined statistic (no values, or one for a sample variance) is null. */
  private static void writeStatistic(JsonGenerator g, String name, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumberField(name, v);
    } else {
      g.writeNullField(name);
    }
  }
}
