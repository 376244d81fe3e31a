package dev.analytics.pipeline.detection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A realistic evaluation corpus for pattern detection: seeded, generated series of recorded metrics
 * with labelled incidents and the shapes real traffic has and {@link EvaluationSeries} lacks (heavy
 * tails, routine bursts, integer values, long flat stretches, persistent regime changes, drift,
 * daily and weekly cycles, missing stretches, one value per window).
 *
 * <p>One value every {@link #WINDOW} (5 minutes) from {@link #T0} (Wednesday 2023-11-15, midnight
 * UTC; the hours of day and days of week below are UTC), 1,000 to 22,000 windows per series, 1 to 4
 * incidents per series. A missing window (no value recorded) is NaN; a detector is fed the existing
 * windows only, with their real timestamps. Each series is what a recorded metric becomes when it
 * is replayed as one event per window carrying the value: its {@link Series#metric} is the
 * statistic that watches that value ({@code mean}, {@code p95} for latency).
 *
 * <p>Incidents ({@link Incident}, windows [start, end)) start after the first 20% of the series,
 * one in each of k equal slots of [20%, 92%) and in the first half of it, so that two incidents are
 * at least 36%/k of the series apart (the scoring window of an incident, {@link StreamingScore}, is
 * 10%/k). A persistent change (a {@link Kind#LEVEL_SHIFT}) is an incident at its start and is
 * labelled by its first 12 windows (an hour); the new level stays. What is routine for a family (a
 * burst, a cron blip, the start of noise, drift, rush hour, a gap) is never labelled.
 *
 * <p>Families, their generative models:
 *
 * <ul>
 *   <li>{@link Family#BURSTS}: social-media mention volumes, 4,000 to 16,000 windows. A base rate λ
 *       of 1.5 to 25 mentions per window (log-uniform), a daily cycle of ±20..60% peaking at 20:00,
 *       a log-rate AR(1) (φ = 0.9, innovation 0.2: stationary sd 0.46) for over-dispersion, and
 *       routine bursts: each window starts one with probability 1/50 to 1/200; a burst adds (m − 1)
 *       · λ · e^(−t/τ) with m Pareto (x_min 1.5, α 2..3, at most 6: typically 1.5x to 3x) and τ 1
 *       to 6 windows. The value is Poisson of the rate (an integer), so the marginal distribution
 *       has a heavy right tail. Incidents, much larger or sustained: {@link Kind#SPIKE} ×10..25 of
 *       the daily mean for 1..3 windows, {@link Kind#SURGE} (a story that goes viral) a jump to
 *       ×5..12 of the daily mean in one window, decaying linearly to 40% of its peak excess over
 *       24..200 windows.
 *   <li>{@link Family#UTILISATION}: CPU utilisation in integer percent, 1,000 to 8,000 windows. A
 *       level of 0.5 to 60% (log-uniform: many machines are nearly idle, where one point is a
 *       doubling), Gaussian noise of sd 0.2 to 2.5 points (below about 0.5 the rounded value stays
 *       the same for long flat stretches), for half of the series a daily cycle of ±10..30%, for a
 *       third an hourly cron blip (+2..10 points in the window at minute 0), routine single blips
 *       (+3..15 points, probability 1/200); rounded and clamped to [0, 100]. Incidents: a {@link
 *       Kind#LEVEL_SHIFT} (a new regime that persists: the level ×1.6..3 + 5 points, or from a
 *       level of 15% or more ×0.3..0.5), a {@link Kind#SPIKE} (a runaway process: 85..100% for
 *       2..12 windows).
 *   <li>{@link Family#LATENCY}: a p95 latency in ms, 2,000 to 10,000 windows. A level of 40 to 300
 *       ms, a daily cycle of ±5..20%, lognormal noise (σ 0.08..0.25), and rare short bursts: each
 *       window starts one with probability 1/150 to 1/500, ×(1.5 Pareto α 2, at most 4) for 1..3
 *       windows. Incidents: {@link Kind#SPIKE} ×6..15 for 1..4 windows, {@link Kind#SURGE} (a
 *       degradation) ×2.5..5 for 12..72 windows, {@link Kind#LEVEL_SHIFT} ×1.6..2.5 (a slower
 *       release), persisting.
 *   <li>{@link Family#SENSOR}: road-traffic sensors, 6,000 to 22,000 windows (3 to 11 weeks), half
 *       vehicle counts per window, half speeds in km/h (integers). Weekdays have rush hours (peaks
 *       at 08:00 and 17:30), weekends one broad midday peak at 60% of the weekday peak and a later
 *       start: a daily and a weekly cycle. Counts: Poisson of a peak of 60..400 vehicles times that
 *       profile (night 5%), with 5% rate noise. Speeds: free flow 60..110 km/h reduced by 30..60%
 *       in the rush hours (a fifth of that at weekends), Gaussian noise of 2..5 km/h. Gaps: 2 to 6
 *       missing stretches of 3 to 400 windows (the sensor is offline) and isolated missing windows
 *       (0.5%), never within 12 windows of an incident. Incidents start in daytime (07:00 to
 *       19:00): {@link Kind#DROP} (a closure or an accident: counts ×0.05..0.3, speeds ×0.15..0.4,
 *       for 6..48 windows), and for counts {@link Kind#SURGE} (an event: ×2..3 for 12..36 windows).
 *   <li>{@link Family#FLAT}: flat-then-noisy gauges, 3,000 to 12,000 windows, integers: a constant
 *       (0 for a third of the series, else the level ×0.8..1.2) for the first 25..50% of the series
 *       (MAD = 0 there), then lognormal noise (σ 0.1..0.3) around a level of 10 to 1,000 that
 *       drifts linearly by ±10..40% to the end of the series, and now and then (probability 1/500
 *       per window) a value held for 12..288 windows (a flat stretch again). Neither the start of
 *       the noise, nor the drift, nor a held value is an incident. Incidents, 300 windows or more
 *       after the noise starts: {@link Kind#SPIKE} ×4..8 for 1..3 windows, {@link Kind#DROP}
 *       ×0..0.2 for 3..12 windows, {@link Kind#LEVEL_SHIFT} ×1.8..2.5 or ×0.4..0.6.
 *   <li>{@link Family#DRIFT}: drifting gauges (memory, disk, queue depth), 2,000 to 12,000 windows:
 *       a level of 100 to 5,000 with a linear drift of +30..100% or −15..50% over the series, 1 to
 *       3 drift episodes (a ramp of +20..60% or −10..30% over 72..432 windows, 6 to 36 hours, that
 *       stays), a geometric random walk (sd 0.3% per window, about 5% per day), a daily cycle of
 *       ±0..15%, Gaussian noise of 2..5%. None of that is an incident. Incidents: {@link
 *       Kind#SPIKE} ×2.5..4 for 1..3 windows, {@link Kind#DROP} ×0..0.3 for 3..12 windows, {@link
 *       Kind#LEVEL_SHIFT} ×1.6..2.2 or ×0.4..0.6.
 * </ul>
 */
public final class RealisticSeries {
  private RealisticSeries() {}

  /** 2023-11-15T00:00:00Z, a Wednesday. */
  public static final long T0 = EvaluationSeries.T0;

  /** 5 minutes. */
  public static final long WINDOW = 300_000L;

  /** Windows per day and per week. */
  public static final int DAY = 288;

  public static final int WEEK = 7 * DAY;

  /** A persistent change is labelled by its first hour. */
  static final int SHIFT_LABEL = 12;

  public enum Family {
    BURSTS,
    UTILISATION,
    LATENCY,
    SENSOR,
    FLAT,
    DRIFT
  }

  public enum Kind {
    SPIKE,
    SURGE,
    DROP,
    LEVEL_SHIFT;

    /** Whether the incident starts as a sudden rise (its detection delay is reported). */
    public boolean spikeLike() {
      return this == SPIKE || this == SURGE;
    }
  }

  /** A labelled incident: windows [start, end). */
  public record Incident(Kind kind, int start, int end) {}

  /** One series: window i starts at T0 + i · windowMillis; a NaN value is a missing window. */
  public record Series(
      String name,
      Family family,
      DetectionMetric metric,
      long windowMillis,
      double[] values,
      List<Incident> incidents) {

    public long start(int window) {
      return T0 + window * windowMillis;
    }

    public boolean missing(int window) {
      return Double.isNaN(values[window]);
    }
  }

  /** {@code perFamily} series of every family, seeds firstSeed, firstSeed + 1, ... */
  public static List<Series> corpus(int perFamily, long firstSeed) {
    List<Series> series = new ArrayList<>();
    for (Family family : Family.values()) {
      for (int i = 0; i < perFamily; i++) {
        series.add(generate(family, firstSeed + i));
      }
    }
    return series;
  }

  /** The series of {@code family} for {@code seed}. */
  public static Series generate(Family family, long seed) {
    Random random = new Random(seed * 31 + family.ordinal());
    String name = family.name().toLowerCase() + "-" + seed;
    return switch (family) {
      case BURSTS -> bursts(name, random);
      case UTILISATION -> utilisation(name, random);
      case LATENCY -> latency(name, random);
      case SENSOR -> sensor(name, random);
      case FLAT -> flat(name, random);
      case DRIFT -> drift(name, random);
    };
  }

  private static Series bursts(String name, Random random) {
    int n = 4000 + random.nextInt(12_001);
    double base = Math.exp(Math.log(1.5) + random.nextDouble() * Math.log(25 / 1.5));
    double amplitude = 0.2 + random.nextDouble() * 0.4;
    double burstChance = 1 / (50 + random.nextDouble() * 150);
    double alpha = 2 + random.nextDouble();
    double[] rate = new double[n];
    double[] excess = new double[n];
    double ar = 0;
    for (int i = 0; i < n; i++) {
      ar = 0.9 * ar + 0.2 * random.nextGaussian();
      rate[i] = base * (1 + amplitude * Math.sin(2 * Math.PI * (hourOf(i) - 14) / 24));
      rate[i] *= Math.exp(ar - 0.5 * 0.46 * 0.46);
      if (random.nextDouble() < burstChance) {
        double m = Math.min(6, pareto(random, 1.5, alpha));
        double tau = 1 + random.nextDouble() * 5;
        for (int t = 0; t < 5 * tau && i + t < n; t++) {
          excess[i + t] += (m - 1) * Math.exp(-t / tau);
        }
      }
    }
    List<Incident> incidents = new ArrayList<>();
    for (int start : starts(random, n, 0, 0, incidentCount(random, n))) {
      int end;
      if (random.nextBoolean()) {
        end = start + 1 + random.nextInt(3);
        double factor = 10 + random.nextDouble() * 15;
        for (int i = start; i < end; i++) {
          excess[i] += factor - 1;
        }
        incidents.add(new Incident(Kind.SPIKE, start, end));
      } else {
        int length = 24 + random.nextInt(177);
        end = start + length;
        double peak = 5 + random.nextDouble() * 7;
        for (int i = start; i < end; i++) {
          double decay = 1 - 0.6 * (i - start) / (double) length;
          excess[i] += (peak - 1) * decay;
        }
        incidents.add(new Incident(Kind.SURGE, start, end));
      }
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      // Bursts and incidents scale with the daily mean, not with the hour's rate.
      double mean = rate[i] + base * excess[i];
      values[i] = EvaluationSeries.poisson(random, mean);
    }
    return new Series(name, Family.BURSTS, DetectionMetric.MEAN, WINDOW, values, incidents);
  }

  private static Series utilisation(String name, Random random) {
    int n = 1000 + random.nextInt(7001);
    double level = Math.exp(Math.log(0.5) + random.nextDouble() * Math.log(60 / 0.5));
    double noise = 0.2 + random.nextDouble() * 2.3;
    double amplitude = random.nextBoolean() ? 0.1 + random.nextDouble() * 0.2 : 0;
    double cron = random.nextInt(3) == 0 ? 2 + random.nextDouble() * 8 : 0;
    double[] levels = new double[n];
    double[] added = new double[n];
    for (int i = 0; i < n; i++) {
      levels[i] = level * (1 + amplitude * Math.sin(2 * Math.PI * (hourOf(i) - 10) / 24));
      if (i % 12 == 0) {
        added[i] += cron;
      }
      if (random.nextDouble() < 1 / 200.0) {
        added[i] += 3 + random.nextDouble() * 12;
      }
    }
    List<Incident> incidents = new ArrayList<>();
    double[] saturated = new double[n];
    for (int start : starts(random, n, 0, 0, incidentCount(random, n))) {
      if (random.nextBoolean()) {
        boolean down = level >= 15 && random.nextBoolean();
        double factor = down ? 0.3 + random.nextDouble() * 0.2 : 1.6 + random.nextDouble() * 1.4;
        for (int i = start; i < n; i++) {
          levels[i] = levels[i] * factor + (down ? 0 : 5);
        }
        incidents.add(new Incident(Kind.LEVEL_SHIFT, start, start + SHIFT_LABEL));
      } else {
        int end = start + 2 + random.nextInt(11);
        for (int i = start; i < end; i++) {
          saturated[i] = 85 + random.nextDouble() * 15;
        }
        incidents.add(new Incident(Kind.SPIKE, start, end));
      }
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      double x =
          saturated[i] > 0 ? saturated[i] : levels[i] + added[i] + noise * random.nextGaussian();
      values[i] = Math.round(Math.max(0, Math.min(100, x)));
    }
    return new Series(name, Family.UTILISATION, DetectionMetric.MEAN, WINDOW, values, incidents);
  }

  private static Series latency(String name, Random random) {
    int n = 2000 + random.nextInt(8001);
    double level = 40 + random.nextDouble() * 260;
    double amplitude = 0.05 + random.nextDouble() * 0.15;
    double sigma = 0.08 + random.nextDouble() * 0.17;
    double burstChance = 1 / (150 + random.nextDouble() * 350);
    double[] factor = new double[n];
    for (int i = 0; i < n; i++) {
      factor[i] = 1 + amplitude * Math.sin(2 * Math.PI * (hourOf(i) - 15) / 24);
    }
    for (int i = 0; i < n; i++) {
      if (random.nextDouble() < burstChance) {
        double m = Math.min(4, pareto(random, 1.5, 2));
        int length = 1 + random.nextInt(3);
        for (int t = 0; t < length && i + t < n; t++) {
          factor[i + t] *= m;
        }
      }
    }
    List<Incident> incidents = new ArrayList<>();
    for (int start : starts(random, n, 0, 0, incidentCount(random, n))) {
      int pick = random.nextInt(3);
      if (pick == 0) {
        int end = start + 1 + random.nextInt(4);
        multiply(factor, start, end, 6 + random.nextDouble() * 9);
        incidents.add(new Incident(Kind.SPIKE, start, end));
      } else if (pick == 1) {
        int end = start + 12 + random.nextInt(61);
        multiply(factor, start, end, 2.5 + random.nextDouble() * 2.5);
        incidents.add(new Incident(Kind.SURGE, start, end));
      } else {
        multiply(factor, start, n, 1.6 + random.nextDouble() * 0.9);
        incidents.add(new Incident(Kind.LEVEL_SHIFT, start, start + SHIFT_LABEL));
      }
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = level * factor[i] * Math.exp(sigma * random.nextGaussian());
    }
    return new Series(name, Family.LATENCY, DetectionMetric.P95, WINDOW, values, incidents);
  }

  private static Series sensor(String name, Random random) {
    int n = 6000 + random.nextInt(16_001);
    boolean counts = random.nextBoolean();
    double peak = 60 + random.nextDouble() * 340;
    double freeFlow = 60 + random.nextDouble() * 50;
    double slowdown = 0.3 + random.nextDouble() * 0.3;
    double speedNoise = 2 + random.nextDouble() * 3;
    double[] multiplier = new double[n];
    Arrays.fill(multiplier, 1);
    List<Incident> incidents = new ArrayList<>();
    for (int start : starts(random, n, 0, DAY / 2, incidentCount(random, n))) {
      while (hourOf(start) < 7 || hourOf(start) >= 19) {
        start++;
      }
      if (!counts || random.nextBoolean()) {
        int end = start + 6 + random.nextInt(counts ? 43 : 31);
        double f = counts ? 0.05 + random.nextDouble() * 0.25 : 0.15 + random.nextDouble() * 0.25;
        multiply(multiplier, start, end, f);
        incidents.add(new Incident(Kind.DROP, start, end));
      } else {
        int end = start + 12 + random.nextInt(25);
        multiply(multiplier, start, end, 2 + random.nextDouble());
        incidents.add(new Incident(Kind.SURGE, start, end));
      }
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      double hour = hourOf(i);
      boolean weekend = weekend(i);
      if (counts) {
        double profile = weekend ? weekendTraffic(hour) : weekdayTraffic(hour);
        double rate = peak * profile * Math.max(0, 1 + 0.05 * random.nextGaussian());
        values[i] = EvaluationSeries.poisson(random, rate * multiplier[i]);
      } else {
        double rush = weekdayTraffic(hour) > 0.7 ? (weekdayTraffic(hour) - 0.7) / 0.3 : 0;
        double reduction = slowdown * rush * (weekend ? 0.2 : 1);
        double speed =
            freeFlow * (1 - reduction) * multiplier[i] + speedNoise * random.nextGaussian();
        values[i] = Math.max(1, Math.round(speed));
      }
    }
    int gaps = 2 + random.nextInt(5);
    for (int g = 0; g < gaps; g++) {
      for (int attempt = 0; attempt < 20; attempt++) {
        int length = 3 + (int) Math.min(397, -80 * Math.log(1 - random.nextDouble()));
        int start = random.nextInt(n - length);
        if (clearOf(incidents, start, start + length)) {
          Arrays.fill(values, start, start + length, Double.NaN);
          break;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      if (random.nextDouble() < 0.005 && clearOf(incidents, i, i + 1)) {
        values[i] = Double.NaN;
      }
    }
    return new Series(
        name + (counts ? "-counts" : "-speeds"),
        Family.SENSOR,
        DetectionMetric.MEAN,
        WINDOW,
        values,
        incidents);
  }

  private static Series flat(String name, Random random) {
    int n = 3000 + random.nextInt(9001);
    double level = 10 + random.nextInt(991);
    // A third of the gauges read 0 until they start; the others a constant near their level.
    double constant =
        random.nextInt(3) == 0 ? 0 : Math.round(level * (0.8 + random.nextDouble() * 0.4));
    int noiseStart = (int) (n * (0.25 + random.nextDouble() * 0.25));
    double sigma = 0.1 + random.nextDouble() * 0.2;
    double drift = (random.nextBoolean() ? 1 : -1) * (0.1 + random.nextDouble() * 0.3);
    double[] levels = new double[n];
    for (int i = 0; i < n; i++) {
      levels[i] = level * (1 + drift * Math.max(0, i - noiseStart) / (double) (n - noiseStart));
    }
    List<Incident> incidents = changes(random, n, noiseStart + 300, levels, 4, 8, 0.2, 1.8, 2.5);
    double[] values = new double[n];
    int held = 0;
    for (int i = 0; i < n; i++) {
      if (i < noiseStart) {
        values[i] = constant;
      } else if (held > 0 && !within(incidents, i)) {
        values[i] = values[i - 1];
        held--;
      } else {
        values[i] = Math.round(levels[i] * Math.exp(sigma * random.nextGaussian()));
        if (random.nextDouble() < 1 / 500.0) {
          held = 12 + random.nextInt(277);
        }
      }
    }
    return new Series(name, Family.FLAT, DetectionMetric.MEAN, WINDOW, values, incidents);
  }

  private static Series drift(String name, Random random) {
    int n = 2000 + random.nextInt(10_001);
    double level = 100 + random.nextDouble() * 4900;
    double drift = (random.nextBoolean() ? 1 : -0.5) * (0.3 + random.nextDouble() * 0.7);
    double amplitude = random.nextDouble() * 0.15;
    double sd = 0.02 + random.nextDouble() * 0.03;
    double[] ramp = new double[n];
    Arrays.fill(ramp, 1);
    int episodes = 1 + random.nextInt(3);
    for (int e = 0; e < episodes; e++) {
      int start = random.nextInt(n);
      int length = 72 + random.nextInt(361);
      double change = (random.nextBoolean() ? 1 : -0.5) * (0.2 + random.nextDouble() * 0.4);
      for (int i = start; i < n; i++) {
        ramp[i] *= 1 + change * Math.min(1, (i - start) / (double) length);
      }
    }
    double[] levels = new double[n];
    double walk = 0;
    for (int i = 0; i < n; i++) {
      walk += 0.003 * random.nextGaussian();
      levels[i] =
          level
              * ramp[i]
              * (1 + drift * i / (double) n)
              * Math.exp(walk)
              * (1 + amplitude * Math.sin(2 * Math.PI * (hourOf(i) - 12) / 24));
    }
    List<Incident> incidents = changes(random, n, 0, levels, 2.5, 4, 0.3, 1.6, 2.2);
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = Math.max(0, levels[i] * (1 + sd * random.nextGaussian()));
    }
    return new Series(name, Family.DRIFT, DetectionMetric.MEAN, WINDOW, values, incidents);
  }

  /**
   * Spikes (×spikeLow..spikeHigh for 1..3 windows), drops (×0..dropHigh for 3..12 windows) and
   * persistent level shifts (×shiftLow..shiftHigh or ×0.4..0.6) of {@code levels}, from {@code
   * from}.
   */
  private static List<Incident> changes(
      Random random,
      int n,
      int from,
      double[] levels,
      double spikeLow,
      double spikeHigh,
      double dropHigh,
      double shiftLow,
      double shiftHigh) {
    List<Incident> incidents = new ArrayList<>();
    for (int start : starts(random, n, from, 0, incidentCount(random, n))) {
      int pick = random.nextInt(3);
      if (pick == 0) {
        int end = start + 1 + random.nextInt(3);
        multiply(levels, start, end, spikeLow + random.nextDouble() * (spikeHigh - spikeLow));
        incidents.add(new Incident(Kind.SPIKE, start, end));
      } else if (pick == 1) {
        int end = start + 3 + random.nextInt(10);
        multiply(levels, start, end, random.nextDouble() * dropHigh);
        incidents.add(new Incident(Kind.DROP, start, end));
      } else {
        double factor =
            random.nextBoolean()
                ? shiftLow + random.nextDouble() * (shiftHigh - shiftLow)
                : 0.4 + random.nextDouble() * 0.2;
        multiply(levels, start, n, factor);
        incidents.add(new Incident(Kind.LEVEL_SHIFT, start, start + SHIFT_LABEL));
      }
    }
    return incidents;
  }

  /** 1 to 4 incidents (1 or 2 below 3,000 windows). */
  private static int incidentCount(Random random, int n) {
    return 1 + random.nextInt(n < 3000 ? 2 : 4);
  }

  /**
   * The starts of {@code k} incidents: one in each of k equal slots of [max(20%, from), 92%), in
   * the first half of the slot less {@code margin} windows (room for a shift into daytime).
   */
  private static int[] starts(Random random, int n, int from, int margin, int k) {
    int lo = Math.max((int) (0.2 * n), from);
    int hi = (int) (0.92 * n);
    double slot = (hi - lo) / (double) k;
    int[] starts = new int[k];
    for (int j = 0; j < k; j++) {
      int room = Math.max(1, (int) (slot / 2) - margin);
      starts[j] = lo + (int) (j * slot) + random.nextInt(room);
    }
    return starts;
  }

  private static boolean within(List<Incident> incidents, int i) {
    for (Incident incident : incidents) {
      if (i >= incident.start() && i < incident.end()) {
        return true;
      }
    }
    return false;
  }

  private static boolean clearOf(List<Incident> incidents, int start, int end) {
    for (Incident incident : incidents) {
      if (start < incident.end() + 12 && end > incident.start() - 12) {
        return false;
      }
    }
    return true;
  }

  private static void multiply(double[] values, int start, int end, double factor) {
    for (int i = start; i < Math.min(values.length, end); i++) {
      values[i] *= factor;
    }
  }

  /** Pareto of minimum {@code min} and tail index {@code alpha}. */
  private static double pareto(Random random, double min, double alpha) {
    return min * Math.pow(1 - random.nextDouble(), -1 / alpha);
  }

  /** The hour of day (UTC, fractional) at the middle of window {@code i}. */
  static double hourOf(int i) {
    return ((i % DAY) + 0.5) * 24.0 / DAY;
  }

  /** Whether window {@code i} is on a Saturday or Sunday (T0 is a Wednesday). */
  static boolean weekend(int i) {
    int dayOfWeek = (i / DAY + 2) % 7; // 0 = Monday
    return dayOfWeek >= 5;
  }

  /** Weekday traffic relative to its peak: night 5%, rush hours at 08:00 and 17:30. */
  static double weekdayTraffic(double hour) {
    return Math.min(
        1,
        0.05
            + 0.5 * bump(hour, 13, 4.5)
            + 0.75 * bump(hour, 8, 1.2)
            + 0.75 * bump(hour, 17.5, 1.5));
  }

  /** Weekend traffic: one broad peak at 60% of the weekday's, around 14:00. */
  static double weekendTraffic(double hour) {
    return 0.05 + 0.55 * bump(hour, 14, 3.5);
  }

  private static double bump(double hour, double centre, double width) {
    double d = (hour - centre) / width;
    return Math.exp(-0.5 * d * d);
  }
}
