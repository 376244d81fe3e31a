package dev.analytics.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.EventTimeBounds;
import dev.analytics.pipeline.ingest.KafkaEventDeserializer;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.ingest.ParserSettings;
import dev.analytics.pipeline.local.TrafficGenerator;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.BoundedJobs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pre-aggregation before the shuffle gives the same window results as aggregating the events
 * directly: same keys, windows, granularities and counts, statistics equal within floating-point
 * rounding of a different summation order, identical percentiles.
 */
class PreAggregationITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  @Test
  void givesTheSameResultsAsThePlainPath() throws Exception {
    List<ParsedRecord> input = new ArrayList<>();
    KafkaEventDeserializer parser =
        new KafkaEventDeserializer(ParserSettings.DEFAULTS, EventTimeBounds.DEFAULTS, 1024);
    for (TrafficGenerator.Generated g :
        TrafficGenerator.batch(
            new TrafficGenerator.Settings(
                7, 200, 0.01, TrafficGenerator.Settings.DEFAULT_START, 0.05),
            120_000)) {
      input.add(parser.parse(g.bytes(), "events", 0, input.size(), g.eventTime()));
    }

    Map<String, WindowAggregate> plain = run(input, false);
    Map<String, WindowAggregate> preAggregated = run(input, true);

    assertTrue(plain.size() > 300, "a meaningful number of keys and windows: " + plain.size());
    assertEquals(plain.keySet(), preAggregated.keySet());
    for (Map.Entry<String, WindowAggregate> e : plain.entrySet()) {
      WindowAggregate a = e.getValue();
      WindowAggregate b = preAggregated.get(e.getKey());
      String id = e.getKey();
      assertEquals(a.keptCount, b.keptCount, id);
      assertEquals(a.valueCount, b.valueCount, id);
      assertEquals(a.version, b.version, id);
      close(a.estimatedCount, b.estimatedCount, id);
      close(a.sum, b.sum, id);
      assertEquals(a.min, b.min, id);
      assertEquals(a.max, b.max, id);
      close(a.mean, b.mean, id);
      close(a.stddevPop, b.stddevPop, id);
      assertEquals(a.p50, b.p50, id);
      assertEquals(a.p99, b.p99, id);
      assertEquals(a.p999, b.p999, id);
    }
  }

  private static void close(double expected, double actual, String id) {
    if (Double.isNaN(expected)) {
      assertTrue(Double.isNaN(actual), id);
      return;
    }
    assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)), id);
  }

  /** The final (highest-version) aggregate of every granularity, key and window. */
  private static Map<String, WindowAggregate> run(List<ParsedRecord> input, boolean preAggregate)
      throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", "unused:9092");
    values.put("job.parallelism", "2");
    values.put("state.backend", "hashmap");
    values.put("window.pre-aggregate", String.valueOf(preAggregate));
    values.put("aggregation.dimensions", "performance.response_time:endpoint region");
    JobConfig config = JobConfig.of(values);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    DataStream<ParsedRecord> records =
        env.fromData(input)
            .setParallelism(1)
            .assignTimestampsAndWatermarks(KafkaEventSource.watermarks(config));
    Map<String, WindowAggregate> out = new TreeMap<>();
    try (CloseableIterator<WindowAggregate> it =
        AnalyticsPipeline.build(records, config).aggregates().executeAndCollect()) {
      while (it.hasNext()) {
        WindowAggregate a = it.next();
        String id = a.granularity + "/" + a.eventType + a.dimensions + "@" + a.windowStart;
        WindowAggregate previous = out.get(id);
        if (previous == null || previous.version < a.version) {
          out.put(id, a);
        }
      }
    }
    return out;
  }
}
