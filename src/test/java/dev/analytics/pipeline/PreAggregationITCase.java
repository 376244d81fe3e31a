package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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

    assertThat(plain.size() > 300)
        .as("a meaningful number of keys and windows: " + plain.size())
        .isTrue();
    assertThat(preAggregated.keySet()).isEqualTo(plain.keySet());
    for (Map.Entry<String, WindowAggregate> e : plain.entrySet()) {
      WindowAggregate a = e.getValue();
      WindowAggregate b = preAggregated.get(e.getKey());
      String id = e.getKey();
      assertThat(b.keptCount).as(id).isEqualTo(a.keptCount);
      assertThat(b.valueCount).as(id).isEqualTo(a.valueCount);
      assertThat(b.version).as(id).isEqualTo(a.version);
      close(a.estimatedCount, b.estimatedCount, id);
      close(a.sum, b.sum, id);
      assertThat(b.min).as(id).isEqualTo(Double.valueOf(a.min));
      assertThat(b.max).as(id).isEqualTo(Double.valueOf(a.max));
      close(a.mean, b.mean, id);
      close(a.stddevPop, b.stddevPop, id);
      assertThat(b.p50).as(id).isEqualTo(Double.valueOf(a.p50));
      assertThat(b.p99).as(id).isEqualTo(Double.valueOf(a.p99));
      assertThat(b.p999).as(id).isEqualTo(Double.valueOf(a.p999));
    }
  }

  private static void close(double expected, double actual, String id) {
    if (Double.isNaN(expected)) {
      assertThat(Double.isNaN(actual)).as(id).isTrue();
      return;
    }
    assertThat(actual).as(id).isCloseTo(expected, within(1e-9 * Math.max(1, Math.abs(expected))));
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
