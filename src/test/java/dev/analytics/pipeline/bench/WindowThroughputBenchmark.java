package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.AnalyticsPipeline;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.testing.TestEvents;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * What it measures: events per second through the window stage of the real pipeline (routing,
 * priority, sampling at rate 1, keyBy, 1-minute windows with the full statistics accumulator, 1 h
 * and 1 d rollups) at parallelism 1 on RocksDB with exactly-once checkpoints every 10 s, with and
 * without pre-aggregation before the shuffle. Input: generated events, 1 per millisecond of event
 * time, a hot event type taking 60% of the traffic plus 9 others, each keyed by an endpoint
 * dimension of 10 values (100 keys per window), lognormal values. Parsing and Kafka are not
 * included (see IngestBenchmark for parsing).
 *
 * <p>Run: {@code jobs/bench-windows.sh [events]} (default 5,000,000 events per run).
 */
public final class WindowThroughputBenchmark {
  private WindowThroughputBenchmark() {}

  static final long START = 1_767_225_600_000L;

  public static void main(String[] args) throws Exception {
    long events = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
    System.out.printf(
        Locale.ROOT, "%-22s %12s %10s %14s%n", "path", "events", "seconds", "events/s");
    for (int round = 0; round < 2; round++) {
      for (boolean preAggregate : new boolean[] {false, true}) {
        double seconds = run(events, preAggregate);
        System.out.printf(
            Locale.ROOT,
            "%-22s %,12d %10.2f %,14.0f%s%n",
            preAggregate ? "pre-aggregated" : "plain",
            events,
            seconds,
            events / seconds,
            round == 0 ? "   (warm-up)" : "");
      }
    }
  }

  private static double run(long events, boolean preAggregate) throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", "unused:9092");
    values.put("job.parallelism", "1");
    values.put("state.backend", "rocksdb");
    values.put("checkpoint.interval", "10 s");
    values.put("checkpoint.dir", Files.createTempDirectory("bench-checkpoints").toUri().toString());
    values.put("window.pre-aggregate", String.valueOf(preAggregate));
    values.put("aggregation.default-dimensions", "endpoint");
    JobConfig config = JobConfig.of(values);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    DataGeneratorSource<ParsedRecord> source =
        new DataGeneratorSource<>(new Events(), events, TypeInformation.of(ParsedRecord.class));
    AnalyticsPipeline.build(
            env.fromSource(
                source,
                WatermarkStrategy.<ParsedRecord>forMonotonousTimestamps()
                    .withTimestampAssigner((r, t) -> r.event.timestamp),
                "generated events"),
            config)
        .aggregates()
        .sinkTo(new DiscardingSink<>());
    long t0 = System.nanoTime();
    env.execute("window throughput " + (preAggregate ? "pre-aggregated" : "plain"));
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Event i: time START + i ms; type hot (60%) or one of 9; endpoint one of 10. */
  static final class Events implements GeneratorFunction<Long, ParsedRecord> {
    @Override
    public ParsedRecord map(Long i) {
      SplittableRandom r = new SplittableRandom(i);
      double pick = r.nextDouble();
      return ParsedRecord.of(
          TestEvents.event(pick < 0.6 ? "hot.type" : "type-" + (int) ((pick - 0.6) / 0.4 * 9))
              .id("e" + i)
              .at(START + i)
              .value(Math.exp(4 + r.nextGaussian()))
              .dim("endpoint", "/api/" + r.nextInt(10))
              .build());
    }
  }
}
