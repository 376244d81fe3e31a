package dev.analytics.pipeline.sinks.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.analytics.pipeline.model.WindowAggregate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A window aggregate as a Kafka record: key {@code eventType|dims|granularity|windowStart}, value a
 * JSON object with every statistic (window bounds in ISO-8601 UTC; undefined statistics, NaN in the
 * aggregate, as null) and the sketch's bins as two arrays, {@code sketch_index} and {@code
 * sketch_count} (see {@code SketchBins}), from which a consumer merges percentiles over windows.
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
      JsonFields.window(g, a.eventType, a.dimensions, a.granularity, a.windowStart, a.windowEnd);
      g.writeNumberField("version", a.version);
      g.writeNumberField("estimated_count", a.estimatedCount);
      g.writeNumberField("kept_count", a.keptCount);
      g.writeNumberField("sample_rate", a.sampleRate);
      g.writeNumberField("value_count", a.valueCount);
      JsonFields.number(g, "sum", a.sum);
      JsonFields.number(g, "min", a.min);
      JsonFields.number(g, "max", a.max);
      JsonFields.number(g, "mean", a.mean);
      JsonFields.number(g, "variance_pop", a.variancePop);
      JsonFields.number(g, "variance_sample", a.varianceSample);
      JsonFields.number(g, "stddev_pop", a.stddevPop);
      JsonFields.number(g, "stddev_sample", a.stddevSample);
      JsonFields.number(g, "p50", a.p50);
      JsonFields.number(g, "p75", a.p75);
      JsonFields.number(g, "p90", a.p90);
      JsonFields.number(g, "p95", a.p95);
      JsonFields.number(g, "p99", a.p99);
      JsonFields.number(g, "p999", a.p999);
      JsonFields.number(g, "anomaly_score", a.anomalyScore);
      g.writeFieldName("sketch_index");
      g.writeArray(a.sketchIndex == null ? new int[0] : a.sketchIndex, 0, lengthOf(a.sketchIndex));
      g.writeFieldName("sketch_count");
      g.writeArray(
          a.sketchCount == null ? new double[0] : a.sketchCount, 0, lengthOf(a.sketchCount));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static int lengthOf(int[] a) {
    return a == null ? 0 : a.length;
  }

  private static int lengthOf(double[] a) {
    return a == null ? 0 : a.length;
  }

  /** JSON has no NaN: an undefined statistic (no values, or one for a sample variance) is null. */
}
