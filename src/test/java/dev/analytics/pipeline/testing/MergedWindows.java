package dev.analytics.pipeline.testing;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One-minute window aggregates of the last 7 days, made by the job's own {@link WindowAccumulator},
 * for the tests of the SQL that merges them: performance.response_time (log-normal, positive) and
 * sensor.delta (both signs and exact zeros), each over 3 endpoints x 2 regions. The rows hold what
 * a sink receives: some windows twice (a version 0 with part of the values, then the complete
 * version 1), windows with counts only, a few 1-hour rows and a window 8 days old, all of which the
 * queries must leave out or replace. {@link #merged} is what the job makes of the complete windows
 * that a query selects: the merge of their accumulators.
 */
public final class MergedWindows {
  public static final String RESPONSE_TIME = "performance.response_time";
  public static final String DELTA = "sensor.delta";
  private static final long MINUTE = 60_000L;
  private static final long DAY = 1_440 * MINUTE;

  /** A complete window: its key, accumulator and values. */
  private record Window(String type, Map<String, String> dims, WindowAccumulator acc, double[] v) {}

  private final List<WindowAggregate> rows = new ArrayList<>();
  private final List<Window> windows = new ArrayList<>();

  private MergedWindows() {}

  /** Windows ending at most 1 minute before {@code nowMillis}, starting 1 hour after 7 days ago. */
  public static MergedWindows generate(long nowMillis, long seed) {
    MergedWindows m = new MergedWindows();
    Random random = new Random(seed);
    long lastMinute = nowMillis - nowMillis % MINUTE - 2 * MINUTE;
    for (String type : new String[] {RESPONSE_TIME, DELTA}) {
      for (String endpoint : new String[] {"/checkout", "/search", "/home"}) {
        for (String region : new String[] {"eu", "us"}) {
          Map<String, String> dims = new TreeMap<>(Map.of("endpoint", endpoint, "region", region));
          TreeSet<Long> starts = new TreeSet<>();
          while (starts.size() < 120) {
            starts.add(
                lastMinute - random.nextInt((int) ((7 * DAY - 60 * MINUTE) / MINUTE)) * MINUTE);
          }
          for (long start : starts) {
            m.window(random, type, dims, start, "1m", random.nextInt(10) == 0);
          }
          // Left out by the queries: 8 days old, and a rollup row of the 1-minute ones.
          m.window(random, type, dims, lastMinute - 8 * DAY, "1m", false);
          m.windows.remove(m.windows.size() - 1);
          m.window(random, type, dims, lastMinute - lastMinute % (60 * MINUTE), "1h", false);
          m.windows.remove(m.windows.size() - 1);
        }
      }
    }
    return m;
  }

  private void window(
      Random random, String type, Map<String, String> dims, long start, String g, boolean late) {
    WindowAccumulator acc = new WindowAccumulator();
    int n = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(300);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] =
          type.equals(RESPONSE_TIME)
              ? Math.exp(random.nextGaussian() * 0.8) * 120
              : random.nextInt(20) == 0 ? 0 : random.nextGaussian() * 40 + 5;
    }
    WindowAccumulator first = new WindowAccumulator();
    for (int i = 0; i < n; i++) {
      acc.add(v[i], 1);
      if (i < n / 2) {
        first.add(v[i], 1);
      }
    }
    // Events without a value: counted, no value statistics.
    for (int i = random.nextInt(3); i > 0; i--) {
      acc.addCountOnly(1);
      first.addCountOnly(1);
    }
    if (acc.keptCount() == 0) {
      acc.addCountOnly(1);
      first.addCountOnly(1);
    }
    if (late) {
      rows.add(row(type, dims, start, g, 0, first));
    }
    rows.add(row(type, dims, start, g, late ? 1 : 0, acc));
    windows.add(new Window(type, dims, acc, v));
  }

  private static WindowAggregate row(
      String type,
      Map<String, String> dims,
      long start,
      String g,
      int version,
      WindowAccumulator a) {
    WindowAggregate row = new WindowAggregate();
    row.eventType = type;
    row.dimensions = new TreeMap<>(dims);
    row.granularity = g;
    row.windowStart = start;
    row.windowEnd = start + (g.equals("1h") ? 60 : 1) * MINUTE;
    row.version = version;
    a.fillInto(row);
    return row;
  }

  /** Every row, as the sinks receive them (a late version 0 before its version 1). */
  public List<WindowAggregate> rows() {
    return rows;
  }

  /** The job's merge of the complete 1-minute windows of {@code type} whose dimensions match. */
  public WindowAggregate merged(String type, Predicate<Map<String, String>> dims) {
    WindowAccumulator merged = new WindowAccumulator();
    for (Window w : windows) {
      if (w.type.equals(type) && dims.test(w.dims)) {
        merged.merge(w.acc);
      }
    }
    WindowAggregate out = new WindowAggregate();
    merged.fillInto(out);
    return out;
  }

  /** The values of those windows, sorted. */
  public double[] values(String type, Predicate<Map<String, String>> dims) {
    return windows.stream()
        .filter(w -> w.type.equals(type) && dims.test(w.dims))
        .flatMapToDouble(w -> Arrays.stream(w.v))
        .sorted()
        .toArray();
  }

  private static final double[] QUANTILES = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};

  /** Percentile tolerance against the job: the rounding of exp in the database (none seen). */
  public static final double SAME = 1e-12;

  /**
   * Asserts that statistics merged by a query equal the job's merge: the value count exactly, the
   * percentiles p50..p99.9 up to {@link #SAME} and within the sketch's 0.75% of the exact
   * percentiles of the values, the standard deviations within 1e-9.
   *
   * @return the largest relative difference from the job of a percentile and of a deviation
   */
  public static double[] assertAgrees(
      String what,
      long valueCount,
      double[] percentiles,
      double stddevPop,
      double stddevSample,
      WindowAggregate job,
      double[] values) {
    org.assertj.core.api.Assertions.assertThat(valueCount)
        .as(what + " value count")
        .isEqualTo(job.valueCount)
        .isEqualTo(values.length);
    double[] expected = {job.p50, job.p75, job.p90, job.p95, job.p99, job.p999};
    double worstPercentile = 0;
    for (int i = 0; i < QUANTILES.length; i++) {
      double d = relative(percentiles[i], expected[i]);
      worstPercentile = Math.max(worstPercentile, d);
      org.assertj.core.api.Assertions.assertThat(d)
          .as("%s p%s: SQL %s, job %s", what, QUANTILES[i] * 100, percentiles[i], expected[i])
          .isLessThanOrEqualTo(SAME);
      double exact = values[(int) Math.floor(QUANTILES[i] * (values.length - 1))];
      org.assertj.core.api.Assertions.assertThat(relative(percentiles[i], exact))
          .as("%s p%s: SQL %s, exact %s", what, QUANTILES[i] * 100, percentiles[i], exact)
          .isLessThanOrEqualTo(WindowAccumulator.RELATIVE_ACCURACY);
    }
    double worstDeviation =
        Math.max(relative(stddevPop, job.stddevPop), relative(stddevSample, job.stddevSample));
    org.assertj.core.api.Assertions.assertThat(worstDeviation)
        .as(
            "%s stddev: SQL %s / %s, job %s / %s",
            what, stddevPop, stddevSample, job.stddevPop, job.stddevSample)
        .isLessThanOrEqualTo(1e-9);
    return new double[] {worstPercentile, worstDeviation};
  }

  private static double relative(double actual, double expected) {
    if (actual == expected) {
      return 0;
    }
    return Math.abs(actual - expected) / Math.abs(expected);
  }
}
