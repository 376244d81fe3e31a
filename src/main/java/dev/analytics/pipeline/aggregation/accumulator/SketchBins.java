package dev.analytics.pipeline.aggregation.accumulator;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.Bin;
import java.util.List;

/**
 * The bins of a {@link WindowAccumulator}'s sketch as one aggregate row stores them (columns {@code
 * sketch_index} and {@code sketch_count}), so that SQL can merge any set of rows and read their
 * percentiles (docs/clickhouse.md and docs/postgresql.md, "Percentiles over any range").
 *
 * <p><b>The sketch.</b> A DDSketch with the logarithmic mapping of relative accuracy {@code a =}
 * {@value WindowAccumulator#RELATIVE_ACCURACY}: {@code gamma = (1 + a) / (1 - a)}; a magnitude
 * {@code x} falls in bin {@code i = floor(ln(x) / ln(gamma))}, which holds the magnitudes in {@code
 * [gamma^i, gamma^(i+1))}, and the bin's representative value is {@code gamma^i * (1 + a)}, within
 * {@code a} relative error of every magnitude of the bin. Magnitudes below about 2.2e-308 (and 0)
 * are in the zero bin.
 *
 * <p><b>One key per bin</b>, ascending in value order, so that summing the counts of equal keys
 * merges sketches and a running sum over the keys in ascending order gives the ranks:
 *
 * <ul>
 *   <li>a positive bin {@code i} has key {@code KEY_OFFSET + i};
 *   <li>the zero bin has key 0;
 *   <li>the negative bin {@code i} (values {@code -x} with {@code x} in bin {@code i}) has key
 *       {@code -(KEY_OFFSET + i)}.
 * </ul>
 *
 * {@link #KEY_OFFSET} is 100,000 and every index of a finite double is within ±47,400, so positive
 * keys are in [52,600, 147,400], negative ones their opposites. Counts are the (integral) numbers
 * of kept values of the bin, as doubles.
 *
 * <p><b>Percentile</b> {@code q} of merged bins (exactly {@link WindowAccumulator#quantile}): with
 * {@code N} the sum of the counts, the first key in ascending order whose running sum of counts
 * exceeds {@code q * (N - 1)}; its value; clamped into the [min, max] of the merged rows. Merged
 * bins are those of the job's merged accumulator (the merge of a sketch adds the counts of equal
 * indexes), so SQL gives the job's rollup percentiles, up to the rounding of {@code exp}. Where a
 * merged sketch would exceed {@link WindowAccumulator#MAX_BINS} bins per sign, the job folds its
 * lowest positive (most negative) bins into the lowest (most negative) one it keeps; SQL keeps them
 * all: its percentiles are then the same wherever they fall above the folded range, and more
 * accurate (no folding) below it.
 */
public final class SketchBins {
  /** Offset of the bin keys from the sketch's indexes (see the class comment). */
  public static final int KEY_OFFSET = 100_000;

  private SketchBins() {}

  /** The keys and counts of a sketch, in ascending key order; empty when it holds no value. */
  record Bins(int[] keys, double[] counts) {}

  static Bins of(DDSketch sketch) {
    List<Bin> negative = WindowAccumulator.bins(sketch.getNegativeValueStore());
    List<Bin> positive = WindowAccumulator.bins(sketch.getPositiveValueStore());
    // The zero count is not public: what the two stores do not hold (as the serializer does).
    double zero =
        sketch.getCount()
            - sketch.getNegativeValueStore().getTotalCount()
            - sketch.getPositiveValueStore().getTotalCount();
    int n = negative.size() + positive.size() + (zero > 0 ? 1 : 0);
    int[] k = new int[n];
    double[] c = new double[n];
    int j = 0;
    // The negative bins by descending index: the most negative values first.
    for (int i = negative.size() - 1; i >= 0; i--) {
      k[j] = -(KEY_OFFSET + negative.get(i).getIndex());
      c[j++] = negative.get(i).getCount();
    }
    if (zero > 0) {
      k[j] = 0;
      c[j++] = zero;
    }
    for (Bin bin : positive) {
      k[j] = KEY_OFFSET + bin.getIndex();
      c[j++] = bin.getCount();
    }
    return new Bins(k, c);
  }

  /** The representative value of the bin of {@code key}: what a percentile falling in it is. */
  public static double value(int key) {
    if (key > 0) {
      return WindowAccumulator.MAPPING.value(key - KEY_OFFSET);
    }
    if (key < 0) {
      return -WindowAccumulator.MAPPING.value(-key - KEY_OFFSET);
    }
    return 0;
  }

  /**
   * The {@code q}-quantile of merged bins (ascending unique keys), the reference of the SQL.
   *
   * @param min the least value of the merged rows
   * @param max the greatest value of the merged rows
   * @return the percentile; NaN without bins
   */
  public static double quantile(int[] keys, double[] counts, double q, double min, double max) {
    double total = 0;
    for (double c : counts) {
      total += c;
    }
    if (total == 0) {
      return Double.NaN;
    }
    double rank = q * (total - 1);
    double running = 0;
    for (int i = 0; i < keys.length; i++) {
      if ((running += counts[i]) > rank) {
        return Math.max(min, Math.min(max, value(keys[i])));
      }
    }
    return max;
  }
}
