package dev.analytics.pipeline.bench;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingHighestDenseStore;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulatorSerializer;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * What it measures: the window accumulator ({@link WindowAccumulator}) on lognormal values (exp(3 +
 * N(0, 1)), latency-like) of 1, 10^3, 10^6, 10^7 and 10^8 values in one window, one thread:
 *
 * <ul>
 *   <li>bytes: the serialized accumulator (what RocksDB and checkpoints store per key and window),
 *       and for comparison the sketch alone through DDSketch's own {@code serialize()} (protobuf)
 *       and {@code encode()} (its compact format, without the mapping);
 *   <li>max error: the largest relative error of the reported p50, p75, p90, p95, p99, p99.9
 *       against the exact percentile (rank floor(q (n - 1)) of the sorted values). Up to 10^7
 *       values the exact percentiles come from a sorted array; for 10^8 (800 MB as doubles) from a
 *       second pass over the same seeded stream that counts the values below a window around each
 *       estimate and sorts only the values inside it (checked against the sorted array at 10^7);
 *   <li>add() throughput: values per second through {@code add(value, weight)}, timed over
 *       pre-generated chunks of 10^7 values after a warm-up (generation not included); not shown
 *       below 10^6 values, where it is mostly timer noise.
 * </ul>
 *
 * A last row gives the bytes of the worst case for size: mixed signs over 12 decades (both stores
 * full and collapsed), where the percentile guarantee is not claimed.
 *
 * <p>Run: {@code jobs/bench-accumulator.sh [sizes...]} (default 1 1000 1000000 10000000 100000000).
 */
public final class AccumulatorBenchmark {
  static final double[] QUANTILES = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
  private static final int CHUNK = 10_000_000;
  private static final long SEED = 42;

  private AccumulatorBenchmark() {}

  public static void main(String[] args) throws IOException {
    long[] sizes =
        args.length == 0
            ? new long[] {1, 1_000, 1_000_000, 10_000_000, 100_000_000}
            : Arrays.stream(args).mapToLong(Long::parseLong).toArray();
    warmUp();
    System.out.printf(
        "accuracy %.4f, %d bins per store%n",
        WindowAccumulator.RELATIVE_ACCURACY, WindowAccumulator.MAX_BINS);
    System.out.println(
        "| values | bytes | DDSketch serialize() / encode() bytes | max rel. error p50..p99.9 |"
            + " exact by | add() values/s |");
    System.out.println("| ---: | ---: | ---: | ---: | --- | ---: |");
    for (long n : sizes) {
      run(n);
    }
    worstCaseSize(10_000_000);
  }

  /** Value distributions of one window. */
  enum Distribution {
    /** exp(3 + N(0, 1)): latency-like. */
    LOGNORMAL("lognormal"),
    /** Pareto, shape 1.2, minimum 1: heavy-tailed (infinite variance), 1e-4 tail past 2,000. */
    PARETO("Pareto 1.2");

    final String label;

    Distribution(String label) {
      this.label = label;
    }

    void fill(SplittableRandom random, double[] buffer, int len) {
      for (int i = 0; i < len; i++) {
        buffer[i] =
            this == LOGNORMAL
                ? Math.exp(3 + random.nextGaussian())
                : Math.pow(1.0 - random.nextDouble(), -1.0 / 1.2);
      }
    }
  }

  /**
   * What one window of {@code n} values gives.
   *
   * @param errors relative error of each of {@link #QUANTILES} against the exact percentile
   * @param bytes the serialized accumulator
   * @param ddsketchSerialized DDSketch's own protobuf {@code serialize()} of the same sketch
   * @param ddsketchEncoded DDSketch's compact {@code encode()} of the same sketch
   * @param addPerSecond values/s through {@code add(value, weight)}
   */
  record Result(
      long n,
      Distribution distribution,
      double[] errors,
      int bytes,
      int ddsketchSerialized,
      int ddsketchEncoded,
      String exactBy,
      double addPerSecond) {
    double maxError() {
      return Arrays.stream(errors).max().orElse(0);
    }

    /** The relative error at quantile {@code q} (one of {@link #QUANTILES}). */
    double error(double q) {
      for (int i = 0; i < QUANTILES.length; i++) {
        if (QUANTILES[i] == q) {
          return errors[i];
        }
      }
      throw new IllegalArgumentException("not measured: " + q);
    }
  }

  private static void run(long n) throws IOException {
    Result r = measure(n, Distribution.LOGNORMAL);
    String throughput = n < 1_000_000 ? "-" : String.format(Locale.ROOT, "%,.0f", r.addPerSecond());
    System.out.printf(
        Locale.ROOT,
        "| %,d | %,d | %,d / %,d | %.5f%% | %s | %s |%n",
        n,
        r.bytes(),
        r.ddsketchSerialized(),
        r.ddsketchEncoded(),
        100 * r.maxError(),
        r.exactBy(),
        throughput);
  }

  /** Adds {@code n} seeded values of {@code distribution} to one accumulator and checks it. */
  static Result measure(long n, Distribution distribution) throws IOException {
    WindowAccumulator acc = new WindowAccumulator();
    DDSketch reference = newReferenceSketch();
    SplittableRandom random = new SplittableRandom(SEED);
    double[] buffer = new double[(int) Math.min(n, CHUNK)];
    long nanos = 0;
    for (long done = 0; done < n; done += buffer.length) {
      int len = (int) Math.min(buffer.length, n - done);
      distribution.fill(random, buffer, len);
      long start = System.nanoTime();
      for (int i = 0; i < len; i++) {
        acc.add(buffer[i], 1.0);
      }
      nanos += System.nanoTime() - start;
      for (int i = 0; i < len; i++) {
        reference.accept(buffer[i]);
      }
    }
    double[] estimates = new double[QUANTILES.length];
    for (int i = 0; i < QUANTILES.length; i++) {
      estimates[i] = acc.quantile(QUANTILES[i]);
    }
    double[] exact;
    String exactBy;
    if (n <= CHUNK) {
      double[] sorted = Arrays.copyOf(buffer, (int) n);
      Arrays.sort(sorted);
      exact = new double[QUANTILES.length];
      for (int i = 0; i < QUANTILES.length; i++) {
        exact[i] = sorted[(int) Math.floor(QUANTILES[i] * (n - 1))];
      }
      exactBy = "sorted array";
      if (n == CHUNK) {
        double[] twoPass = exactBySecondPass(n, estimates, distribution);
        if (!Arrays.equals(exact, twoPass)) {
          throw new IllegalStateException(
              "second pass " + Arrays.toString(twoPass) + " != sorted " + Arrays.toString(exact));
        }
        exactBy = "sorted array = second pass";
      }
    } else {
      exact = exactBySecondPass(n, estimates, distribution);
      exactBy = "second pass";
    }
    double[] errors = new double[QUANTILES.length];
    for (int i = 0; i < QUANTILES.length; i++) {
      errors[i] = Math.abs(estimates[i] - exact[i]) / Math.abs(exact[i]);
    }
    return new Result(
        n,
        distribution,
        errors,
        serializedSize(acc),
        reference.serialize().remaining(),
        encodedSize(reference),
        exactBy,
        n / (nanos / 1e9));
  }

  /**
   * Exact percentiles without holding the values: regenerate the stream, count the values below [v
   * / (1 + 2a), v / (1 - 2a)] around each estimate v (the exact value lies in [v / (1 + a), v / (1
   * - a)] by the sketch's guarantee) and sort the values inside.
   */
  private static double[] exactBySecondPass(long n, double[] estimates, Distribution distribution) {
    double a = WindowAccumulator.RELATIVE_ACCURACY;
    int q = estimates.length;
    double[] low = new double[q];
    double[] high = new double[q];
    long[] below = new long[q];
    double[][] inside = new double[q][1024];
    int[] insideCount = new int[q];
    for (int i = 0; i < q; i++) {
      low[i] = estimates[i] / (1 + 2 * a);
      high[i] = estimates[i] / (1 - 2 * a);
    }
    SplittableRandom random = new SplittableRandom(SEED);
    double[] buffer = new double[(int) Math.min(n, CHUNK)];
    for (long done = 0; done < n; done += buffer.length) {
      int len = (int) Math.min(buffer.length, n - done);
      distribution.fill(random, buffer, len);
      for (int j = 0; j < len; j++) {
        double v = buffer[j];
        for (int i = 0; i < q; i++) {
          if (v < low[i]) {
            below[i]++;
          } else if (v <= high[i]) {
            if (insideCount[i] == inside[i].length) {
              inside[i] = Arrays.copyOf(inside[i], inside[i].length * 2);
            }
            inside[i][insideCount[i]++] = v;
          }
        }
      }
    }
    double[] exact = new double[q];
    for (int i = 0; i < q; i++) {
      long rank = (long) Math.floor(QUANTILES[i] * (n - 1));
      long offset = rank - below[i];
      if (offset < 0 || offset >= insideCount[i]) {
        throw new IllegalStateException("q=" + QUANTILES[i] + ": the exact value is off window");
      }
      double[] window = Arrays.copyOf(inside[i], insideCount[i]);
      Arrays.sort(window);
      exact[i] = window[(int) offset];
    }
    return exact;
  }

  private static void worstCaseSize(long n) throws IOException {
    WindowAccumulator acc = new WindowAccumulator();
    DDSketch reference = newReferenceSketch();
    SplittableRandom random = new SplittableRandom(SEED);
    for (long i = 0; i < n; i++) {
      double v = (random.nextBoolean() ? 1 : -1) * Math.pow(10, -6 + 12 * random.nextDouble());
      acc.add(v, 1.0);
      reference.accept(v);
    }
    System.out.printf(
        Locale.ROOT,
        "| %,d mixed signs, 12 decades | %,d | %,d / %,d | (collapsed, not claimed) | - | - |%n",
        n,
        serializedSize(acc),
        reference.serialize().remaining(),
        encodedSize(reference));
  }

  static void warmUp() {
    SplittableRandom random = new SplittableRandom(1);
    double[] buffer = new double[1_000_000];
    for (int round = 0; round < 20; round++) {
      Distribution.LOGNORMAL.fill(random, buffer, buffer.length);
      WindowAccumulator acc = new WindowAccumulator();
      for (double v : buffer) {
        acc.add(v, 1.0);
      }
      if (acc.quantile(0.5) <= 0) {
        throw new IllegalStateException("lognormal values are positive");
      }
    }
  }

  /** The accumulator's sketch configuration, to measure DDSketch's own encoding of it. */
  private static DDSketch newReferenceSketch() {
    return new DDSketch(
        new LogarithmicMapping(WindowAccumulator.RELATIVE_ACCURACY),
        () -> new CollapsingHighestDenseStore(WindowAccumulator.MAX_BINS),
        () -> new CollapsingLowestDenseStore(WindowAccumulator.MAX_BINS));
  }

  /** DDSketch's compact encoding (the one {@code DDSketch.decode} reads), without the mapping. */
  private static int encodedSize(DDSketch sketch) throws IOException {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    sketch.encode(out, true);
    return out.numWrittenBytes();
  }

  private static int serializedSize(WindowAccumulator acc) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(8192);
    WindowAccumulatorSerializer.INSTANCE.serialize(acc, out);
    return out.length();
  }
}
