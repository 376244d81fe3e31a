package dev.analytics.pipeline.detection;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Labelled series of window metrics for evaluating pattern detection: realistic shapes with daily
 * seasonality and noise, long stretches of normal traffic, and incidents injected at known windows.
 *
 * <p>Windows are 1 minute, starting at {@link #T0} (midnight UTC), so 10,000 windows are about 7
 * days. Shapes:
 *
 * <ul>
 *   <li>{@link Shape#REQUESTS}: a request rate (the count) of 300 to 3,000 events per window, a
 *       daily cycle of ±30..60% peaking in the afternoon, Poisson noise; half of the series are
 *       sampled at rate 0.1 (the count is then kept/0.1, ten times noisier in absolute terms).
 *   <li>{@link Shape#LATENCY}: a p95 latency of 80 to 400 ms, a daily cycle of ±10..20%, lognormal
 *       noise of 7% (the sampling error of a p95 over a few hundred values).
 *   <li>{@link Shape#ERRORS}: an error count of 100 to 300 per window, a daily cycle of ±30%,
 *       bursty: Poisson around a rate that itself varies by 5% from window to window.
 * </ul>
 *
 * <p>Incidents multiply the clean level (before noise): a {@link Kind#SPIKE} ×3..6 for 1..5
 * windows; a {@link Kind#DROP} ×0..0.3 for 2..8 windows (not for latency); a {@link
 * Kind#LEVEL_SHIFT} ×2.5..3 or ×0.3..0.4 for good; a {@link Kind#VARIANCE} change for 60 windows:
 * the noise ×6 (requests: an extra 20% of rate noise); a {@link Kind#TREND}: a ramp to ×1.8..2.5
 * over 120..240 windows, which then stays. They start after 1,500 windows (past the first day, so
 * the daily profile is known), 700..900 windows apart. A pure-noise series has none.
 */
public final class EvaluationSeries {
  private EvaluationSeries() {}

  /** 2023-11-15T00:00:00Z. */
  public static final long T0 = 1_700_006_400_000L;

  public static final long WINDOW = 60_000L;

  public enum Shape {
    REQUESTS,
    LATENCY,
    ERRORS
  }

  public enum Kind {
    SPIKE,
    DROP,
    LEVEL_SHIFT,
    VARIANCE,
    TREND
  }

  /** An injected incident: windows [start, start + length), and the alert patterns it explains. */
  public record Incident(Kind kind, int start, int length, Set<String> expected) {}

  /** One labelled series: window i starts at T0 + i · WINDOW. */
  public record Series(
      String name,
      Shape shape,
      DetectionMetric metric,
      double sampleRate,
      double[] values,
      List<Incident> incidents) {}

  /** A series of {@code windows} windows with incidents (if {@code withIncidents}). */
  public static Series generate(Shape shape, long seed, int windows, boolean withIncidents) {
    Random random = new Random(seed);
    double base;
    double amplitude;
    double sampleRate = 1;
    switch (shape) {
      case REQUESTS -> {
        base = 300 + random.nextDouble() * 2700;
        amplitude = 0.3 + random.nextDouble() * 0.3;
        sampleRate = random.nextBoolean() ? 1.0 : 0.1;
      }
      case LATENCY -> {
        base = 80 + random.nextDouble() * 320;
        amplitude = 0.1 + random.nextDouble() * 0.1;
      }
      default -> {
        base = 100 + random.nextDouble() * 200;
        amplitude = 0.3;
      }
    }
    double[] level = new double[windows];
    double[] noiseScale = new double[windows];
    for (int i = 0; i < windows; i++) {
      double hours = (i % 1440) / 60.0;
      level[i] = base * (1 + amplitude * Math.sin(2 * Math.PI * (hours - 9) / 24));
      noiseScale[i] = 1;
    }
    List<Incident> incidents = new ArrayList<>();
    if (withIncidents) {
      int start = 1500 + random.nextInt(200);
      int k = random.nextInt(5);
      boolean up = random.nextBoolean();
      while (start + 400 < windows) {
        Kind kind = Kind.values()[k++ % Kind.values().length];
        if (kind == Kind.DROP && shape == Shape.LATENCY) {
          kind = Kind.SPIKE;
        }
        int length;
        Set<String> expected;
        switch (kind) {
          case SPIKE -> {
            length = 1 + random.nextInt(5);
            double factor = 3 + random.nextDouble() * 3;
            scale(level, start, length, factor);
            expected = Set.of("spike");
          }
          case DROP -> {
            length = 2 + random.nextInt(7);
            double factor = random.nextDouble() * 0.3;
            scale(level, start, length, factor);
            expected = Set.of("drop");
          }
          case LEVEL_SHIFT -> {
            length = windows - start;
            up = !up;
            double factor = up ? 2.5 + random.nextDouble() * 0.5 : 0.3 + random.nextDouble() * 0.1;
            scale(level, start, length, factor);
            expected = Set.of(up ? "spike" : "drop", "anomaly");
          }
          case VARIANCE -> {
            length = 60;
            for (int i = start; i < start + length; i++) {
              noiseScale[i] = 6;
            }
            expected = Set.of("anomaly", "spike", "drop");
          }
          default -> {
            length = 120 + random.nextInt(121);
            double factor = 1.8 + random.nextDouble() * 0.7;
            for (int i = start; i < windows; i++) {
              double progress = Math.min(1.0, (i - start + 1) / (double) length);
              level[i] *= 1 + (factor - 1) * progress;
            }
            expected = Set.of("trend");
          }
        }
        incidents.add(new Incident(kind, start, length, expected));
        // A level shift lasts for good; the next incident comes once the baseline has followed.
        start += (kind == Kind.LEVEL_SHIFT ? 0 : length) + 700 + random.nextInt(200);
      }
    }
    double[] values = new double[windows];
    for (int i = 0; i < windows; i++) {
      values[i] = noisy(shape, random, level[i], noiseScale[i], sampleRate);
    }
    DetectionMetric metric = shape == Shape.LATENCY ? DetectionMetric.P95 : DetectionMetric.COUNT;
    return new Series(
        shape.name().toLowerCase() + "-" + seed, shape, metric, sampleRate, values, incidents);
  }

  private static void scale(double[] level, int start, int length, double factor) {
    for (int i = start; i < Math.min(level.length, start + length); i++) {
      level[i] *= factor;
    }
  }

  private static double noisy(
      Shape shape, Random random, double level, double noiseScale, double sampleRate) {
    switch (shape) {
      case LATENCY:
        return level * Math.exp(0.07 * noiseScale * random.nextGaussian());
      case ERRORS:
        {
          double cv = 0.05 * noiseScale;
          double rate = level * Math.max(0, 1 + cv * random.nextGaussian());
          return poisson(random, rate);
        }
      default:
        {
          double rate = level * Math.max(0, 1 + 0.04 * (noiseScale - 1) * random.nextGaussian());
          return poisson(random, rate * sampleRate) / sampleRate;
        }
    }
  }

  /** Poisson: exact (Knuth) below 30, normal approximation (rounded, >= 0) above. */
  static double poisson(Random random, double mean) {
    if (mean <= 0) {
      return 0;
    }
    if (mean < 30) {
      double limit = Math.exp(-mean);
      double product = random.nextDouble();
      int k = 0;
      while (product > limit) {
        product *= random.nextDouble();
        k++;
      }
      return k;
    }
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
  }
}
