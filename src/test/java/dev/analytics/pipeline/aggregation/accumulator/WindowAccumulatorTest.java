package dev.analytics.pipeline.aggregation.accumulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.TestEvents;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The window accumulator against exact references from commons-math3: exact statistics within 1e-9
 * relative, percentiles within 1% relative of the exact percentile (rank floor(q (n - 1)) of the
 * sorted values, DDSketch's definition), merging equal to sequential addition, weights, events
 * without values, and the bounded serialized size.
 */
class WindowAccumulatorTest {
  static final double[] QUANTILES = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};

  /** Each distribution, seeded: the same values on every run. */
  static Stream<Arguments> distributions() {
    return Stream.of(
        Arguments.of("uniform", sample(10_000, 1, r -> () -> 100 * r.nextDouble())),
        Arguments.of("normal", sample(10_000, 2, r -> () -> 50 + 10 * r.nextGaussian())),
        Arguments.of("lognormal", sample(10_000, 3, r -> () -> Math.exp(3 + r.nextGaussian()))),
        Arguments.of(
            "bimodal",
            sample(
                10_000,
                4,
                r ->
                    () ->
                        r.nextDouble() < 0.7
                            ? 10 + r.nextGaussian()
                            : 1000 + 50 * r.nextGaussian())),
        Arguments.of(
            "pareto alpha 1.2",
            sample(10_000, 5, r -> () -> 1.0 / Math.pow(1 - r.nextDouble(), 1 / 1.2))),
        Arguments.of("constant", sample(1_000, 6, r -> () -> 42.1)),
        Arguments.of("one value", new double[] {3.7}),
        Arguments.of("two values", new double[] {3.7, -1.25}),
        Arguments.of("three values", new double[] {1e-3, 7, 2}),
        Arguments.of("four values", new double[] {5, 5, 0, 1e5}),
        Arguments.of("five values", sample(5, 7, r -> () -> Math.exp(5 * r.nextGaussian()))),
        Arguments.of("all zeros", new double[100]),
        Arguments.of(
            "negatives only", sample(10_000, 8, r -> () -> -Math.exp(2 + r.nextGaussian()))),
        Arguments.of("mixed signs", sample(10_000, 9, r -> () -> 5 + 20 * r.nextGaussian())),
        Arguments.of(
            "mixed signs with zeros",
            sample(10_000, 10, r -> () -> r.nextDouble() < 0.2 ? 0.0 : 1 + 3 * r.nextGaussian())),
        Arguments.of(
            "12 decades 1e-6..1e6",
            sample(20_000, 11, r -> () -> Math.pow(10, -6 + 12 * r.nextDouble()))),
        Arguments.of(
            "12 decades negative",
            sample(20_000, 12, r -> () -> -Math.pow(10, -6 + 12 * r.nextDouble()))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("distributions")
  void exactStatisticsMatchCommonsMath(String name, double[] values) {
    WindowAccumulator acc = accumulate(values);
    WindowAggregate out = fill(acc);
    DescriptiveStatistics ref = new DescriptiveStatistics(values);
    SummaryStatistics summary = new SummaryStatistics();
    Arrays.stream(values).forEach(summary::addValue);
    double maxAbs = Math.max(Math.abs(ref.getMin()), Math.abs(ref.getMax()));

    assertThat(out.keptCount).isEqualTo(values.length);
    assertThat(out.valueCount).isEqualTo(values.length);
    assertThat(out.estimatedCount).isEqualTo(Double.valueOf(values.length));
    assertThat(out.sampleRate).isEqualTo(1.0);
    assertThat(out.min).isEqualTo(Double.valueOf(ref.getMin()));
    assertThat(out.max).isEqualTo(Double.valueOf(ref.getMax()));
    assertClose(ref.getSum(), out.sum, values.length * maxAbs, "sum");
    assertClose(ref.getMean(), out.mean, maxAbs, "mean");
    assertClose(summary.getMean(), out.mean, maxAbs, "mean (summary)");
    assertClose(ref.getPopulationVariance(), out.variancePop, maxAbs * maxAbs, "variancePop");
    assertClose(
        Math.sqrt(ref.getPopulationVariance()), out.stddevPop, maxAbs, "stddevPop (sqrt of var)");
    if (values.length > 1) {
      assertClose(ref.getVariance(), out.varianceSample, maxAbs * maxAbs, "varianceSample");
      assertClose(summary.getVariance(), out.varianceSample, maxAbs * maxAbs, "var (summary)");
      assertClose(ref.getStandardDeviation(), out.stddevSample, maxAbs, "stddevSample");
    } else {
      assertThat(out.varianceSample).isNaN();
      assertThat(out.stddevSample).isNaN();
      assertThat(out.variancePop).isEqualTo(Double.valueOf(0.0));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("distributions")
  void percentilesWithinOnePercentOfExact(String name, double[] values) {
    WindowAccumulator acc = accumulate(values);
    WindowAggregate out = fill(acc);
    double[] sorted = new DescriptiveStatistics(values).getSortedValues();
    double[] reported = {out.p50, out.p75, out.p90, out.p95, out.p99, out.p999};
    for (int i = 0; i < QUANTILES.length; i++) {
      double exact = exactQuantile(sorted, QUANTILES[i]);
      assertThat(reported[i])
          .as("field of q=" + QUANTILES[i])
          .isEqualTo(Double.valueOf(acc.quantile(QUANTILES[i])));
      assertWithinRelative(exact, reported[i], 0.01, name + " q=" + QUANTILES[i]);
      // The sketch's own guarantee, tighter than the requirement.
      assertWithinRelative(
          exact, reported[i], WindowAccumulator.RELATIVE_ACCURACY + 1e-12, "guarantee");
    }
    assertThat(acc.quantile(0)).isEqualTo(Double.valueOf(sorted[0]));
    assertThat(acc.quantile(1)).isEqualTo(Double.valueOf(sorted[sorted.length - 1]));
  }

  @Test
  void constantAndSingleValuesAreExact() {
    assertThat(fill(accumulate(sample(1000, 1, r -> () -> 42.1))).p999).isEqualTo(42.1);
    for (double v : new double[] {-3.3, 0, 1e-300, 7.77e250, Double.MAX_VALUE, -Double.MAX_VALUE}) {
      WindowAggregate out = fill(accumulate(new double[] {v}));
      for (double p : new double[] {out.p50, out.p75, out.p90, out.p95, out.p99, out.p999}) {
        assertThat(p).isEqualTo(Double.valueOf(v));
      }
    }
  }

  @Test
  void emptyAccumulatorHasCountsAndNoValueStatistics() {
    WindowAggregate out = fill(new WindowAccumulator());
    assertThat(out.keptCount).isEqualTo(0);
    assertThat(out.valueCount).isEqualTo(0);
    assertThat(out.estimatedCount).isEqualTo(Double.valueOf(0.0));
    assertThat(out.sampleRate).isEqualTo(1.0);
    assertThat(out.sum).isEqualTo(Double.valueOf(0.0));
    for (double v : valueStatistics(out)) {
      assertThat(v).isNaN();
    }
  }

  @Test
  void eventsWithoutValueCountButDoNotEnterValueStatistics() {
    WindowAccumulator acc = new WindowAccumulator();
    acc.add(event(10, 1.0, true));
    acc.add(event(999_999, 2.0, false)); // a stale value field must be ignored
    acc.add(event(20, 1.0, true));
    acc.add(event(-5, 4.0, false));
    WindowAggregate out = fill(acc);
    assertThat(out.keptCount).isEqualTo(4);
    assertThat(out.estimatedCount).isEqualTo(8.0);
    assertThat(out.sampleRate).isEqualTo(0.5);
    assertThat(out.valueCount).isEqualTo(2);
    assertThat(out.sum).isEqualTo(30.0);
    assertThat(out.min).isEqualTo(10.0);
    assertThat(out.max).isEqualTo(20.0);
    assertThat(out.mean).isEqualTo(15.0);
    assertThat(out.variancePop).isEqualTo(25.0);
    assertThat(out.varianceSample).isEqualTo(50.0);
    // Rank floor(0.999 * (2 - 1)) = 0: the lower of the two values.
    assertThat(out.p999).isEqualTo(10.0);

    WindowAccumulator countsOnly = new WindowAccumulator();
    countsOnly.addCountOnly(3.0);
    countsOnly.add(event(7, 2.0, false));
    WindowAggregate c = fill(countsOnly);
    assertThat(c.keptCount).isEqualTo(2);
    assertThat(c.estimatedCount).isEqualTo(5.0);
    assertThat(c.valueCount).isEqualTo(0);
    for (double v : valueStatistics(c)) {
      assertThat(v).isNaN();
    }
  }

  @Test
  void weightedCountAndSumAreSumsOfWeightsAndWeightTimesValue() {
    SplittableRandom r = new SplittableRandom(21);
    double[] rates = {1.0, 0.5, 0.1, 0.05, 0.3};
    WindowAccumulator acc = new WindowAccumulator();
    double weights = 0;
    double weighted = 0;
    long withValue = 0;
    for (int i = 0; i < 50_000; i++) {
      double w = 1 / rates[r.nextInt(rates.length)];
      if (r.nextDouble() < 0.8) {
        double v = Math.exp(r.nextGaussian());
        acc.add(v, w);
        weighted += w * v;
        withValue++;
      } else {
        acc.addCountOnly(w);
      }
      weights += w;
    }
    WindowAggregate out = fill(acc);
    assertThat(out.estimatedCount).isCloseTo(weights, within(1e-12 * weights));
    assertThat(out.sum).isCloseTo(weighted, within(1e-12 * weighted));
    assertThat(out.keptCount).isEqualTo(50_000);
    assertThat(out.valueCount).isEqualTo(withValue);
    assertThat(out.sampleRate).isCloseTo(50_000 / weights, within(1e-12));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void mergingRandomPartsEqualsSequentialAddition(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] values =
        seed == 5
            // Mixed signs over 12 decades: both stores collapse.
            ? sample(
                100_000,
                seed,
                g -> () -> (g.nextBoolean() ? 1 : -1) * Math.pow(10, -6 + 12 * g.nextDouble()))
            : sample(100_000, seed, g -> () -> Math.exp(3 + 1.5 * g.nextGaussian()));
    double[] weights = new double[values.length];
    boolean[] hasValue = new boolean[values.length];
    WindowAccumulator sequential = new WindowAccumulator();
    for (int i = 0; i < values.length; i++) {
      weights[i] = 1 + r.nextInt(10);
      hasValue[i] = r.nextDouble() < 0.9;
      add(sequential, values[i], weights[i], hasValue[i]);
    }
    // Random cut points (possibly empty parts), merged in a random order.
    int parts = 2 + r.nextInt(20);
    int[] cuts = new int[parts + 1];
    for (int i = 1; i < parts; i++) {
      cuts[i] = r.nextInt(values.length + 1);
    }
    cuts[parts] = values.length;
    Arrays.sort(cuts);
    List<WindowAccumulator> accumulators = new ArrayList<>();
    for (int p = 0; p < parts; p++) {
      WindowAccumulator part = new WindowAccumulator();
      for (int i = cuts[p]; i < cuts[p + 1]; i++) {
        add(part, values[i], weights[i], hasValue[i]);
      }
      accumulators.add(part);
    }
    Collections.shuffle(accumulators, new java.util.Random(seed));
    WindowAccumulator merged = new WindowAccumulator();
    for (WindowAccumulator part : accumulators) {
      merged.merge(part);
    }

    assertThat(merged.keptCount()).isEqualTo(sequential.keptCount());
    assertThat(merged.valueCount()).isEqualTo(sequential.valueCount());
    assertThat(merged.rawMin()).isEqualTo(Double.valueOf(sequential.rawMin()));
    assertThat(merged.rawMax()).isEqualTo(Double.valueOf(sequential.rawMax()));
    assertThat(merged.weightedCount())
        .isCloseTo(sequential.weightedCount(), within(1e-12 * merged.weightedCount()));
    assertRelative(sequential.weightedSum(), merged.weightedSum(), 1e-12, "weightedSum");
    assertRelative(sequential.rawMean(), merged.rawMean(), 1e-12, "mean");
    assertRelative(sequential.rawM2(), merged.rawM2(), 1e-12, "M2");
    assertThat(merged.sketch().getCount())
        .isEqualTo(Double.valueOf(sequential.sketch().getCount()));
    assertThat(WindowAccumulator.bins(merged.sketch().getPositiveValueStore()))
        .isEqualTo(WindowAccumulator.bins(sequential.sketch().getPositiveValueStore()));
    assertThat(WindowAccumulator.bins(merged.sketch().getNegativeValueStore()))
        .isEqualTo(WindowAccumulator.bins(sequential.sketch().getNegativeValueStore()));
    for (double q = 0; q <= 1; q += 0.001) {
      assertThat(merged.quantile(q)).as("q=" + q).isEqualTo(Double.valueOf(sequential.quantile(q)));
    }
  }

  @Test
  void mergingEmptyAccumulatorsChangesNothing() {
    WindowAccumulator a = accumulate(new double[] {1, 2, 3});
    WindowAccumulator before = a.copy();
    a.merge(new WindowAccumulator());
    assertThat(a).isEqualTo(before);
    WindowAccumulator empty = new WindowAccumulator();
    empty.merge(before);
    assertThat(empty).isEqualTo(before);
  }

  @Test
  void rejectsInvalidInputWithoutChangingState() {
    WindowAccumulator acc = accumulate(new double[] {1, 2});
    WindowAccumulator before = acc.copy();
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> acc.add(Double.NaN, 1));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> acc.add(Double.POSITIVE_INFINITY, 1));
    assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> acc.add(1, 0));
    assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> acc.add(1, -1));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> acc.add(1, Double.NaN));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> acc.addCountOnly(Double.POSITIVE_INFINITY));
    assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> acc.quantile(-0.01));
    assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> acc.quantile(1.01));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> acc.quantile(Double.NaN));
    assertThat(acc).isEqualTo(before);
  }

  @Test
  void extremeMagnitudesAreClampedIntoTheSketchAndReportedWithinMinMax() {
    // Double.MAX_VALUE is beyond what the mapping indexes: it is clamped, not rejected.
    double[] values = {Double.MAX_VALUE, Double.MAX_VALUE / 2, Double.MAX_VALUE / 4, -1e300};
    WindowAccumulator acc = accumulate(values);
    WindowAggregate out = fill(acc);
    assertThat(out.min).isEqualTo(-1e300);
    assertThat(out.max).isEqualTo(Double.MAX_VALUE);
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    for (double q : QUANTILES) {
      assertWithinRelative(exactQuantile(sorted, q), acc.quantile(q), 0.01, "q=" + q);
    }
    assertThat(acc.quantile(0.999)).isEqualTo(Double.valueOf(out.p999));
    // Below the smallest normal double, values share the zero bin; the clamp keeps them exact here.
    assertThat(fill(accumulate(new double[] {1e-310, 1e-310})).p50).isEqualTo(1e-310);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 1_000, 1_000_000})
  void serializedSizeIsBoundedForLognormalData(int n) throws Exception {
    WindowAccumulator acc = accumulate(sample(n, n, r -> () -> Math.exp(r.nextGaussian())));
    assertThat(serializedSize(acc) <= 8192).as("bytes: " + serializedSize(acc)).isTrue();
  }

  @Test
  void serializedSizeIsBoundedForTwelveDecadesOfMixedSigns() throws Exception {
    WindowAccumulator acc =
        accumulate(
            sample(
                1_000_000,
                99,
                r -> () -> (r.nextBoolean() ? 1 : -1) * Math.pow(10, -6 + 12 * r.nextDouble())));
    assertThat(WindowAccumulator.bins(acc.sketch().getPositiveValueStore()).size())
        .as("the positive store is full (collapsed)")
        .isEqualTo(WindowAccumulator.MAX_BINS);
    assertThat(WindowAccumulator.bins(acc.sketch().getNegativeValueStore()).size())
        .as("the negative store is full (collapsed)")
        .isEqualTo(WindowAccumulator.MAX_BINS);
    assertThat(serializedSize(acc) <= 8192).as("bytes: " + serializedSize(acc)).isTrue();
  }

  /**
   * The documented bound: both stores full, every bin holding 2^27 values (2.7e11 values in all),
   * built by doubling a window with one value per bin.
   */
  @Test
  void serializedSizeIsBoundedWithFullStoresAndHugeCounts() throws Exception {
    WindowAccumulator acc = new WindowAccumulator();
    int first = WindowAccumulator.MAPPING.index(1e-3);
    for (int i = first; i < first + WindowAccumulator.MAX_BINS; i++) {
      double v = WindowAccumulator.MAPPING.value(i);
      acc.add(v, 1);
      acc.add(-v, 1);
    }
    acc.add(0, 1);
    for (int doubling = 0; doubling < 27; doubling++) {
      acc.merge(acc.copy());
    }
    assertThat(acc.valueCount()).isEqualTo((2L * WindowAccumulator.MAX_BINS + 1) << 27);
    int size = serializedSize(acc);
    assertThat(size <= 8192).as("bytes: " + size).isTrue();
    assertThat(size > 8000).as("each count takes 4 bytes: " + size).isTrue();
  }

  // --- helpers

  /** The element of rank floor(q (n - 1)) of the sorted values: DDSketch's quantile definition. */
  static double exactQuantile(double[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  static double[] sample(
      int n, long seed, java.util.function.Function<SplittableRandom, DoubleSupplier> f) {
    DoubleSupplier s = f.apply(new SplittableRandom(seed));
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = s.getAsDouble();
    }
    return values;
  }

  static WindowAccumulator accumulate(double[] values) {
    WindowAccumulator acc = new WindowAccumulator();
    for (double v : values) {
      acc.add(v, 1.0);
    }
    return acc;
  }

  static WindowAggregate fill(WindowAccumulator acc) {
    WindowAggregate out = new WindowAggregate();
    acc.fillInto(out);
    return out;
  }

  static int serializedSize(WindowAccumulator acc) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(1024);
    WindowAccumulatorSerializer.INSTANCE.serialize(acc, out);
    return out.length();
  }

  private static void add(WindowAccumulator acc, double value, double weight, boolean hasValue) {
    if (hasValue) {
      acc.add(value, weight);
    } else {
      acc.addCountOnly(weight);
    }
  }

  private static AnalyticsEvent event(double value, double weight, boolean hasValue) {
    // The accumulator reads the value, its presence and the weight only.
    return TestEvents.event("t").value(value).hasValue(hasValue).weight(weight).build();
  }

  private static double[] valueStatistics(WindowAggregate a) {
    return new double[] {
      a.min,
      a.max,
      a.mean,
      a.variancePop,
      a.varianceSample,
      a.stddevPop,
      a.stddevSample,
      a.p50,
      a.p75,
      a.p90,
      a.p95,
      a.p99,
      a.p999
    };
  }

  /**
   * Within 1e-9 relative of the reference. A reference that is zero up to cancellation noise
   * (constant data: commons-math3 gives a variance of 1e-34 where Welford gives 0) is compared at
   * 1e-12 of the data's scale instead.
   */
  private static void assertClose(double expected, double actual, double scale, String what) {
    double tolerance = 1e-9 * Math.max(Math.abs(expected), 1e-12 * scale);
    assertThat(Math.abs(expected - actual) <= tolerance)
        .as(what + ": expected " + expected + " got " + actual)
        .isTrue();
  }

  private static void assertRelative(double expected, double actual, double rel, String what) {
    assertThat(Math.abs(expected - actual) <= rel * Math.abs(expected))
        .as(what + ": expected " + expected + " got " + actual)
        .isTrue();
  }

  /** |actual - exact| <= rel |exact|; an exact 0 must be reported as exactly 0. */
  static void assertWithinRelative(double exact, double actual, double rel, String what) {
    if (exact == 0) {
      assertThat(actual).as(what + ": exact 0").isCloseTo(0.0, within(0.0));
    } else {
      assertThat(Math.abs(actual - exact) <= rel * Math.abs(exact))
          .as(what + ": exact " + exact + " got " + actual)
          .isTrue();
    }
  }
}
