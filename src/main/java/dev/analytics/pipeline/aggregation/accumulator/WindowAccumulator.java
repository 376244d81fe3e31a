package dev.analytics.pipeline.aggregation.accumulator;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.CollapsingHighestDenseStore;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The incremental, constant-size and mergeable state of one aggregation key over one window.
 *
 * <p>Takes kept (sampled) events, each with its Horvitz-Thompson weight and an optional value.
 * Gives, through {@link #fillInto(WindowAggregate)}:
 *
 * <ul>
 *   <li>the weighted (estimated) count, the kept count and the effective sampling rate;
 *   <li>over the kept values, unweighted: count, min, max (exact), mean and population/sample
 *       variance (Welford's online algorithm, merged with Chan et al.'s parallel formula);
 *   <li>the Horvitz-Thompson sum of the values (sum of weight x value);
 *   <li>percentiles p50, p75, p90, p95, p99, p99.9 from a DDSketch of the kept values.
 * </ul>
 *
 * <p><b>Percentile definition.</b> {@link #quantile(double) quantile(q)} estimates the element of
 * rank {@code floor(q * (n - 1))} (0-based) of the sorted kept values, which is the definition
 * DDSketch's {@code getValueAtQuantile} uses (the "lower" empirical quantile, no interpolation).
 * The estimate is within {@link #RELATIVE_ACCURACY} (0.75%) relative error of that element, then
 * clamped into the exact [min, max], so q = 0 and q = 1, a single value and constant data are
 * exact; an exact 0 is reported as 0.
 *
 * <p><b>Bounded size.</b> Each of the sketch's two stores (positive and negative values) holds at
 * most {@link #MAX_BINS} bins; the serialized accumulator ({@link WindowAccumulatorSerializer}) is
 * at most 8,192 bytes for any values, with up to 2^28 values per bin (over 5 * 10^11 values per
 * window). 1000 bins cover 6.5 decades of magnitude per sign at full accuracy; data spread wider
 * than that loses accuracy on its lowest values only: the positive store merges its smallest values
 * and the negative store its most negative ones, so the reported upper percentiles (p50..p99.9)
 * keep the guarantee for positive-only and negative-only data spanning up to 13 decades. Mixed-sign
 * data spanning more than 6.5 decades on the positive side may lose it for percentiles that fall on
 * small positive values.
 *
 * <p><b>Merging</b> is associative: the counts, min and max are exactly those of sequential
 * addition, the sketch bins are identical, the mean and variance equal up to rounding.
 *
 * <p>Not thread-safe. Serialized by {@link WindowAccumulatorSerializer}, found by Flink through the
 * {@link TypeInfo} annotation (a DDSketch is not a POJO, and Kryo is disabled).
 */
@TypeInfo(WindowAccumulatorTypeInfoFactory.class)
public final class WindowAccumulator {
  /**
   * Relative accuracy of the sketch. The reported percentiles must be within 1% of the exact ones;
   * 0.75% leaves margin for rounding while needing a third fewer bins than 0.5% for the same range.
   */
  public static final double RELATIVE_ACCURACY = 0.0075;

  /**
   * Bins per store. Serialized, a bin costs one varint count (at most 4 bytes below 2^28 values);
   * two stores of 1000 bins plus about 80 bytes of fixed fields stay within 8,192 bytes.
   */
  public static final int MAX_BINS = 1000;

  /** Shared by every accumulator: sketches merge only with an equal mapping. */
  static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);

  /** Largest magnitude the mapping can index; larger finite values are clamped to it. */
  private static final double MAX_SKETCH_VALUE = MAPPING.maxIndexableValue();

  private double weightedCount;
  private long keptCount;
  private long valueCount;
  private double weightedSum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double mean;
  private double m2;
  private final DDSketch sketch;

  /** An empty accumulator. */
  public WindowAccumulator() {
    this(newSketch());
  }

  private WindowAccumulator(DDSketch sketch) {
    this.sketch = sketch;
  }

  static DDSketch newSketch() {
    return DDSketch.of(MAPPING, newNegativeStore(), newPositiveStore(), 0);
  }

  /** The negative store indexes |value|: its highest indices are the most negative values. */
  static Store newNegativeStore() {
    return new CollapsingHighestDenseStore(MAX_BINS);
  }

  static Store newPositiveStore() {
    return new CollapsingLowestDenseStore(MAX_BINS);
  }

  /** Adds a kept event: it always counts; its value enters the value statistics if it has one. */
  public void add(AnalyticsEvent event) {
    if (event.hasValue) {
      add(event.value, event.weight);
    } else {
      addCountOnly(event.weight);
    }
  }

  /**
   * Adds a kept event with a value.
   *
   * @param value a finite value
   * @param weight its Horvitz-Thompson weight (1 / sampling rate), finite and positive
   * @throws IllegalArgumentException if the value is not finite or the weight not positive
   */
  public void add(double value, double weight) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite: " + value);
    }
    addCountOnly(weight);
    valueCount++;
    weightedSum += weight * value;
    min = Math.min(min, value);
    max = Math.max(max, value);
    double delta = value - mean;
    mean += delta / valueCount;
    m2 += delta * (value - mean);
    // Only magnitudes within a factor (1 + accuracy) of Double.MAX_VALUE are clamped.
    sketch.accept(Math.max(-MAX_SKETCH_VALUE, Math.min(MAX_SKETCH_VALUE, value)));
  }

  /**
   * Adds a kept event without a value: it counts, with its weight, but has no value statistics.
   *
   * @throws IllegalArgumentException if the weight is not finite and positive
   */
  public void addCountOnly(double weight) {
    if (!(weight > 0) || weight == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("weight must be finite and positive: " + weight);
    }
    weightedCount += weight;
    keptCount++;
  }

  /**
   * Merges another accumulator into this one (which is modified; the other is not).
   *
   * @return this
   */
  public WindowAccumulator merge(WindowAccumulator other) {
    weightedCount += other.weightedCount;
    keptCount += other.keptCount;
    weightedSum += other.weightedSum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    if (other.valueCount > 0) {
      if (valueCount == 0) {
        mean = other.mean;
        m2 = other.m2;
      } else {
        // Chan, Golub & LeVeque: combine the means and the sums of squared deviations of two
        // partitions without revisiting the values.
        double n1 = valueCount;
        double n2 = other.valueCount;
        double n = n1 + n2;
        double delta = other.mean - mean;
        mean += delta * (n2 / n);
        m2 += other.m2 + delta * delta * (n1 * n2 / n);
      }
      valueCount += other.valueCount;
      sketch.mergeWith(other.sketch);
    }
    return this;
  }

  /**
   * Estimates the q-quantile of the kept values (see the class comment for the definition and the
   * accuracy).
   *
   * @param q in [0, 1]
   * @return the estimate, within [min, max]; NaN when there is no value
   * @throws IllegalArgumentException if q is outside [0, 1]
   */
  public double quantile(double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
    }
    if (valueCount == 0) {
      return Double.NaN;
    }
    if (q == 0) {
      return min;
    }
    if (q == 1) {
      return max;
    }
    return Math.max(min, Math.min(max, sketch.getValueAtQuantile(q)));
  }

  /**
   * Writes every statistic into {@code out}: counts, sampling rate, HT sum, min, max, mean,
   * variances, standard deviations, percentiles and the sketch's bins ({@link SketchBins}). Value
   * statistics are NaN without values; the sample variance and deviation are NaN below two values.
   * Key, window and version are untouched.
   */
  public void fillInto(WindowAggregate out) {
    out.estimatedCount = weightedCount;
    out.keptCount = keptCount;
    out.sampleRate = weightedCount == 0 ? 1.0 : keptCount / weightedCount;
    out.valueCount = valueCount;
    out.sum = weightedSum;
    boolean hasValues = valueCount > 0;
    out.min = hasValues ? min : Double.NaN;
    out.max = hasValues ? max : Double.NaN;
    out.mean = hasValues ? mean : Double.NaN;
    out.variancePop = hasValues ? m2 / valueCount : Double.NaN;
    out.varianceSample = valueCount > 1 ? m2 / (valueCount - 1) : Double.NaN;
    out.stddevPop = Math.sqrt(out.variancePop);
    out.stddevSample = Math.sqrt(out.varianceSample);
    out.p50 = quantile(0.5);
    out.p75 = quantile(0.75);
    out.p90 = quantile(0.9);
    out.p95 = quantile(0.95);
    out.p99 = quantile(0.99);
    out.p999 = quantile(0.999);
    SketchBins.Bins bins = SketchBins.of(sketch);
    out.sketchIndex = bins.keys();
    out.sketchCount = bins.counts();
  }

  /** A deep copy. */
  public WindowAccumulator copy() {
    WindowAccumulator c = new WindowAccumulator(sketch.copy());
    c.weightedCount = weightedCount;
    c.keptCount = keptCount;
    c.valueCount = valueCount;
    c.weightedSum = weightedSum;
    c.min = min;
    c.max = max;
    c.mean = mean;
    c.m2 = m2;
    return c;
  }

  /** Sum of the weights of the kept events (Horvitz-Thompson estimate of the event count). */
  public double weightedCount() {
    return weightedCount;
  }

  /** Number of kept events. */
  public long keptCount() {
    return keptCount;
  }

  /** Number of kept events with a value. */
  public long valueCount() {
    return valueCount;
  }

  /** Sum of weight x value over the kept values (Horvitz-Thompson estimate of the sum). */
  public double weightedSum() {
    return weightedSum;
  }

  // Raw state, for the serializer (same package).

  double rawMin() {
    return min;
  }

  double rawMax() {
    return max;
  }

  double rawMean() {
    return mean;
  }

  double rawM2() {
    return m2;
  }

  DDSketch sketch() {
    return sketch;
  }

  /** Rebuilds an accumulator from serialized state; the sketch must hold valueCount values. */
  static WindowAccumulator restore(
      double weightedCount,
      long keptCount,
      long valueCount,
      double weightedSum,
      double min,
      double max,
      double mean,
      double m2,
      DDSketch sketch) {
    WindowAccumulator a = new WindowAccumulator(sketch);
    a.weightedCount = weightedCount;
    a.keptCount = keptCount;
    a.valueCount = valueCount;
    a.weightedSum = weightedSum;
    a.min = min;
    a.max = max;
    a.mean = mean;
    a.m2 = m2;
    return a;
  }

  /** Bit-exact equality of every field and of the sketch's bins (for tests and copies). */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof WindowAccumulator a)) {
      return false;
    }
    return Double.compare(weightedCount, a.weightedCount) == 0
        && keptCount == a.keptCount
        && valueCount == a.valueCount
        && Double.compare(weightedSum, a.weightedSum) == 0
        && Double.compare(min, a.min) == 0
        && Double.compare(max, a.max) == 0
        && Double.compare(mean, a.mean) == 0
        && Double.compare(m2, a.m2) == 0
        && Double.compare(sketch.getCount(), a.sketch.getCount()) == 0
        && bins(sketch.getNegativeValueStore()).equals(bins(a.sketch.getNegativeValueStore()))
        && bins(sketch.getPositiveValueStore()).equals(bins(a.sketch.getPositiveValueStore()));
  }

  @Override
  public int hashCode() {
    return Objects.hash(weightedCount, keptCount, valueCount, weightedSum, min, max, mean);
  }

  /** The non-empty bins of a store, in ascending index order. */
  static List<Bin> bins(Store store) {
    List<Bin> bins = new ArrayList<>();
    store.forEach(
        (index, count) -> {
          if (count != 0) {
            bins.add(new Bin(index, count));
          }
        });
    return bins;
  }

  @Override
  public String toString() {
    return "WindowAccumulator{kept="
        + keptCount
        + ", weighted="
        + weightedCount
        + ", values="
        + valueCount
        + (valueCount > 0 ? ", min=" + min + ", max=" + max + ", mean=" + mean : "")
        + "}";
  }
}
