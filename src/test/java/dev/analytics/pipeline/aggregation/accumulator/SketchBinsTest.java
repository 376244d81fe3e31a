package dev.analytics.pipeline.aggregation.accumulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.WindowAggregate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The bins an aggregate row carries: merged by summing the counts of equal keys (what {@code
 * sumMap} and a GROUP BY over {@code unnest} do in SQL), they give exactly the percentiles of the
 * job's own merged accumulator.
 */
class SketchBinsTest {
  private static final double[] QUANTILES = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};

  @Test
  void binKeysAscendInValueOrderAndCountEveryValue() {
    WindowAccumulator a = new WindowAccumulator();
    for (double v : new double[] {-1000, -2.5, -2.5, 0, 0, 0, 1e-3, 1, 250, 250, 1e9}) {
      a.add(v, 1);
    }
    WindowAggregate out = new WindowAggregate();
    a.fillInto(out);
    assertThat(out.sketchIndex).isSorted().doesNotHaveDuplicates();
    assertThat(out.sketchIndex).contains(0);
    assertThat(java.util.Arrays.stream(out.sketchCount).sum()).isEqualTo(11);
    double previous = Double.NEGATIVE_INFINITY;
    for (int key : out.sketchIndex) {
      double value = SketchBins.value(key);
      assertThat(value).isGreaterThan(previous);
      previous = value;
    }
    assertThat(SketchBins.value(SketchBins.KEY_OFFSET))
        .isCloseTo(1, org.assertj.core.data.Offset.offset(0.01));
  }

  /**
   * The SQL computes a bin's value as {@code exp(i / 66.66541664791599) * 1.0075} (docs and sql/):
   * the same doubles as the job's mapping for every index of a finite value.
   */
  @Test
  void theConstantsOfTheSqlGiveTheMappingsValues() {
    for (int i = -47_225; i <= 47_317; i++) {
      assertThat(Math.exp(i / SQL_DIVISOR) * SQL_FACTOR)
          .as("index %d", i)
          .isEqualTo(SketchBins.value(SketchBins.KEY_OFFSET + i))
          .isEqualTo(-SketchBins.value(-SketchBins.KEY_OFFSET - i));
    }
  }

  /** 1 / ln(gamma) and 1 + a as the mapping computes them, as written in the SQL. */
  static final double SQL_DIVISOR = 66.66541664791599;

  static final double SQL_FACTOR = 1.0075;

  @Test
  void mergedRowBinsGiveThePercentilesOfTheMergedAccumulator() {
    Random random = new Random(19);
    for (int round = 0; round < 20; round++) {
      List<WindowAccumulator> windows = new ArrayList<>();
      for (int w = 0; w < 50; w++) {
        WindowAccumulator a = new WindowAccumulator();
        int n = random.nextInt(200);
        for (int i = 0; i < n; i++) {
          double v =
              round % 3 == 0
                  ? random.nextGaussian() * 50 // mixed signs
                  : round % 3 == 1 && i % 10 == 0 ? 0 : Math.exp(random.nextGaussian()) * 120;
          a.add(v, 1);
        }
        windows.add(a);
      }
      WindowAccumulator merged = new WindowAccumulator();
      TreeMap<Integer, Double> bins = new TreeMap<>();
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (WindowAccumulator a : windows) {
        merged.merge(a);
        WindowAggregate row = new WindowAggregate();
        a.fillInto(row);
        for (int i = 0; i < row.sketchIndex.length; i++) {
          bins.merge(row.sketchIndex[i], row.sketchCount[i], Double::sum);
        }
        if (row.valueCount > 0) {
          min = Math.min(min, row.min);
          max = Math.max(max, row.max);
        }
      }
      int[] keys = bins.keySet().stream().mapToInt(Integer::intValue).toArray();
      double[] counts = bins.values().stream().mapToDouble(Double::doubleValue).toArray();
      for (double q : QUANTILES) {
        assertThat(SketchBins.quantile(keys, counts, q, min, max))
            .as("round %d q %s", round, q)
            .isEqualTo(merged.quantile(q));
      }
    }
  }
}
