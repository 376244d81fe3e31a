package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.bench.AccumulatorBenchmark.Distribution;
import dev.analytics.pipeline.bench.AccumulatorBenchmark.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Section "Accumulator accuracy": percentile error and accumulator bytes per key and window, at
 * 10^3 to 10^7 values of a lognormal and a heavy-tailed distribution, measured by {@link
 * AccumulatorBenchmark#measure} (the code of {@code jobs/bench-accumulator.sh}). Goals: p99 error
 * at most 1%, accumulator at most 8 KB.
 */
public final class AccumulatorAccuracy implements DescribedSection {
  static final double ERROR_GOAL = 0.01;
  static final int BYTES_GOAL = 8 * 1024;

  @Override
  public String title() {
    return "Accumulator accuracy";
  }

  @Override
  public String whatItMeasures() {
    return "One window accumulator (`WindowAccumulator`: exact count, sum, min, max, mean and"
        + " variance beside a DDSketch with relative accuracy "
        + WindowAccumulator.RELATIVE_ACCURACY
        + " and at most "
        + WindowAccumulator.MAX_BINS
        + " bins per store) receives 10^3 to 10^7 seeded values of a lognormal (exp(3 + N(0,1)),"
        + " latency-like) and of a heavy-tailed Pareto distribution (shape 1.2, infinite"
        + " variance). Error: relative error of the reported p50, p95, p99 and p99.9 against the"
        + " exact percentile (rank floor(q (n - 1)) of the sorted values). Bytes: the accumulator"
        + " serialized by its Flink serializer, which is what RocksDB and checkpoints store per key"
        + " and window. Goals: p99 error <= 1%, <= 8 KB. Same code as"
        + " `jobs/bench-accumulator.sh`.";
  }

  @Override
  public List<Measurement> run(BenchContext context) throws Exception {
    AccumulatorBenchmark.warmUp();
    long[] sizes =
        context.quick()
            ? new long[] {1_000, 10_000, 100_000, 1_000_000}
            : new long[] {1_000, 10_000, 100_000, 1_000_000, 10_000_000};
    List<Measurement> out = new ArrayList<>();
    double worstP99 = 0;
    int largest = 0;
    for (Distribution d : Distribution.values()) {
      for (long n : sizes) {
        Result r = AccumulatorBenchmark.measure(n, d);
        String subject = String.format(Locale.ROOT, "%s, %,d values", d.label, n);
        double p99 = r.error(0.99);
        worstP99 = Math.max(worstP99, p99);
        largest = Math.max(largest, r.bytes());
        out.add(
            new Measurement(
                title(),
                subject + ": p99 error",
                100 * p99,
                "%",
                String.format(
                    Locale.ROOT,
                    "p50 %.3f%%, p95 %.3f%%, p99.9 %.3f%%; goal <= 1%%: %s",
                    100 * r.error(0.5),
                    100 * r.error(0.95),
                    100 * r.error(0.999),
                    p99 <= ERROR_GOAL ? "met" : "MISSED")));
        out.add(
            new Measurement(
                title(),
                subject + ": accumulator bytes",
                r.bytes(),
                "bytes",
                String.format(
                    Locale.ROOT,
                    "DDSketch alone: %,d protobuf / %,d encoded; goal <= 8 KB: %s",
                    r.ddsketchSerialized(),
                    r.ddsketchEncoded(),
                    r.bytes() <= BYTES_GOAL ? "met" : "MISSED")));
      }
    }
    out.add(
        new Measurement(
            title(),
            "worst p99 error of all runs",
            100 * worstP99,
            "%",
            worstP99 <= ERROR_GOAL ? "goal <= 1% met" : "goal <= 1% MISSED"));
    out.add(
        new Measurement(
            title(),
            "largest accumulator of all runs",
            largest,
            "bytes",
            largest <= BYTES_GOAL ? "goal <= 8 KB met" : "goal <= 8 KB MISSED"));
    return out;
  }
}
