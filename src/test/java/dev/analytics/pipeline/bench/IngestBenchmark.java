package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.EventTimeBounds;
import dev.analytics.pipeline.ingest.KafkaEventDeserializer;
import dev.analytics.pipeline.ingest.ParserSettings;
import dev.analytics.pipeline.local.TrafficGenerator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.priority.PriorityRules;
import dev.analytics.pipeline.sampling.SamplingDecision;
import dev.analytics.pipeline.sampling.SamplingRates;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What it measures: the per-record cost of the ingest path on one core — parse and validate the
 * Kafka record value (or build its dead letter), classify priority, decide sampling — over a fixed
 * set of generated records of realistic traffic (the local run's generator, 1% or 10% invalid).
 * Reported in records per second per core (one thread). Kafka and Flink's own record handling are
 * not included: this is the part of the work that is ours.
 *
 * <p>Run: {@code jobs/bench-ingest.sh}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class IngestBenchmark {
  static final int RECORDS = 100_000;

  @Param({"0.01", "0.10"})
  public double invalidFraction;

  private List<TrafficGenerator.Generated> records;
  private KafkaEventDeserializer deserializer;
  private PriorityRules priorities;
  private SamplingRates rates;

  @Setup
  public void setUp() {
    records =
        TrafficGenerator.batch(
            new TrafficGenerator.Settings(
                42, 1000, invalidFraction, TrafficGenerator.Settings.DEFAULT_START, 0.02),
            RECORDS);
    deserializer =
        new KafkaEventDeserializer(ParserSettings.DEFAULTS, EventTimeBounds.DEFAULTS, 16384);
    JobConfig defaults = JobConfig.of(Map.of());
    priorities = PriorityRules.from(defaults);
    rates = SamplingRates.from(defaults);
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void ingest(Blackhole sink) {
    for (int i = 0; i < RECORDS; i++) {
      TrafficGenerator.Generated g = records.get(i);
      // The record timestamp is the generated arrival, as in the local run and the benchmarks.
      ParsedRecord r = deserializer.parse(g.bytes(), "events", 0, i, g.eventTime());
      if (r.isEvent()) {
        AnalyticsEvent e = r.event;
        if (e.priority == null) {
          e.priority = priorities.classify(e.eventType, e.category);
        }
        sink.consume(SamplingDecision.sample(e, rates.rateFor(e.eventType)));
      } else {
        sink.consume(r.deadLetter);
      }
    }
  }
}
