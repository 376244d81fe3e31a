package dev.analytics.pipeline.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.analytics.pipeline.detection.DetectionEvaluation.Detection;
import dev.analytics.pipeline.detection.RealisticSeries.Family;
import dev.analytics.pipeline.detection.RealisticSeries.Incident;
import dev.analytics.pipeline.detection.RealisticSeries.Series;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The realistic corpus has the promised shapes on ten seeds per family, is a function of the seed,
 * and its harness feeds the detector existing windows only. No target score: the detector is
 * expected to do badly on it today.
 */
class RealisticSeriesTest {
  private static final int SEEDS = 10;

  private static List<Series> family(Family family) {
    return RealisticSeries.corpus(SEEDS, 1).stream().filter(s -> s.family() == family).toList();
  }

  private static boolean inIncident(Series s, int i) {
    return s.incidents().stream().anyMatch(x -> i >= x.start() && i < x.end());
  }

  /** The existing values outside every incident. */
  private static double[] normal(Series s) {
    double[] v = s.values();
    return java.util.stream.IntStream.range(0, v.length)
        .filter(i -> !s.missing(i) && !inIncident(s, i))
        .mapToDouble(i -> v[i])
        .toArray();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double mad(double[] values) {
    double m = median(values);
    return median(Arrays.stream(values).map(x -> Math.abs(x - m)).toArray());
  }

  @Test
  void shouldBeAFunctionOfTheSeed() {
    for (Family family : Family.values()) {
      Series a = RealisticSeries.generate(family, 7);
      Series b = RealisticSeries.generate(family, 7);
      Series c = RealisticSeries.generate(family, 8);
      assertEquals(a.name(), b.name());
      assertArrayEquals(a.values(), b.values(), family.name());
      assertEquals(a.incidents(), b.incidents());
      assertFalse(Arrays.equals(a.values(), c.values()), family.name());
    }
    assertEquals(60, RealisticSeries.corpus(10, 1).size());
  }

  @Test
  void shouldLabelOneToFourIncidentsInsideTheSeriesAfterTheProbation() {
    for (Series s : RealisticSeries.corpus(SEEDS, 1)) {
      int n = s.values().length;
      assertTrue(n >= 1000 && n <= 22_000, s.name() + ": " + n);
      assertEquals(5 * 60_000L, s.windowMillis());
      assertEquals(
          s.family() == Family.LATENCY ? DetectionMetric.P95 : DetectionMetric.MEAN, s.metric());
      List<Incident> incidents = s.incidents();
      assertTrue(incidents.size() >= 1 && incidents.size() <= 4, s.name() + ": " + incidents);
      int previousEnd = 0;
      int[][] windows = StreamingScore.windows(n, RealisticEvaluation.labels(s));
      for (int k = 0; k < incidents.size(); k++) {
        Incident x = incidents.get(k);
        assertTrue(x.start() >= StreamingScore.probationEnd(n), s.name() + ": " + x);
        assertTrue(
            x.start() >= previousEnd && x.end() > x.start() && x.end() <= n, s.name() + ": " + x);
        // Incidents are far enough apart for full scoring windows.
        assertEquals(
            Math.round(0.1 * n / incidents.size()), windows[k][1] - windows[k][0], s.name());
        assertFalse(s.missing(x.start()), s.name() + ": " + x);
        previousEnd = x.end();
      }
    }
  }

  @Test
  void shouldGiveBurstsHeavyTails() {
    double[] kurtosis = new double[SEEDS];
    int k = 0;
    for (Series s : family(Family.BURSTS)) {
      double[] v = normal(s);
      double mean = Arrays.stream(v).average().orElseThrow();
      double m2 = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).average().orElseThrow();
      double m4 = Arrays.stream(v).map(x -> Math.pow(x - mean, 4)).average().orElseThrow();
      kurtosis[k] = m4 / (m2 * m2) - 3;
      // Poisson counts would have an excess kurtosis of 1 / mean, a variance of the mean.
      assertTrue(kurtosis[k] > 1, s.name() + ": excess kurtosis " + kurtosis[k]);
      assertTrue(m2 > 1.5 * mean, s.name() + ": variance " + m2 + ", mean " + mean);
      assertTrue(Arrays.stream(s.values()).allMatch(x -> x == Math.rint(x) && x >= 0), s.name());
      k++;
    }
    assertTrue(median(kurtosis) > 3, Arrays.toString(kurtosis));
  }

  @Test
  void shouldQuantiseUtilisationToIntegerPercentWithFlatStretches() {
    int flat = 0;
    for (Series s : family(Family.UTILISATION)) {
      for (double x : s.values()) {
        assertTrue(x == Math.rint(x) && x >= 0 && x <= 100, s.name() + ": " + x);
      }
      double[] v = s.values();
      int run = 1;
      int longest = 1;
      for (int i = 1; i < v.length; i++) {
        run = v[i] == v[i - 1] ? run + 1 : 1;
        longest = Math.max(longest, run);
      }
      flat += longest >= 12 ? 1 : 0;
    }
    assertTrue(flat >= 3, flat + " series with an hour or more of the same value");
  }

  @Test
  void shouldGiveSensorsGapsAndDailyAndWeeklyCycles() {
    for (Series s : family(Family.SENSOR)) {
      double[] v = s.values();
      int longestGap = 0;
      int gap = 0;
      for (int i = 0; i < v.length; i++) {
        gap = s.missing(i) ? gap + 1 : 0;
        longestGap = Math.max(longestGap, gap);
      }
      assertTrue(longestGap >= 3, s.name() + ": longest gap " + longestGap);
      for (Incident x : s.incidents()) {
        for (int i = x.start(); i < x.end(); i++) {
          assertFalse(s.missing(i), s.name() + ": a gap in " + x);
        }
      }
      double[] sums = new double[4]; // weekday day, weekday night, weekend day, weekend night
      int[] counts = new int[4];
      for (int i = 0; i < v.length; i++) {
        if (s.missing(i) || inIncident(s, i)) {
          continue;
        }
        double hour = RealisticSeries.hourOf(i);
        int cell = (RealisticSeries.weekend(i) ? 2 : 0) + (hour >= 7 && hour < 19 ? 0 : 1);
        sums[cell] += v[i];
        counts[cell]++;
      }
      double weekdayDay = sums[0] / counts[0];
      double weekendDay = sums[2] / counts[2];
      double night = sums[1] / counts[1];
      assertTrue(
          Math.abs(weekdayDay - weekendDay) >= 0.05 * Math.max(weekdayDay, weekendDay),
          s.name() + ": weekday daytime " + weekdayDay + ", weekend daytime " + weekendDay);
      if (s.name().endsWith("-counts")) {
        assertTrue(weekdayDay > 3 * night, s.name() + ": day " + weekdayDay + ", night " + night);
      }
    }
  }

  @Test
  void shouldStartFlatSeriesWithAZeroMadStretchThenNoise() {
    for (Series s : family(Family.FLAT)) {
      double[] v = s.values();
      double[] head = Arrays.copyOf(v, v.length / 4);
      assertEquals(0.0, mad(head), s.name());
      assertTrue(Arrays.stream(head).allMatch(x -> x == head[0]), s.name());
      double[] tail = Arrays.copyOfRange(v, v.length / 2, v.length);
      assertTrue(mad(tail) > 0, s.name());
    }
  }

  @Test
  void shouldFeedTheDetectorExistingWindowsOnly() {
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    for (Series s : family(Family.SENSOR).subList(0, 3)) {
      List<Detection> detector =
          RealisticEvaluation.detect(s, RealisticEvaluation.rules(s, defaults));
      List<Detection> seed = RealisticEvaluation.seed(s);
      assertNotEquals(List.of(), seed);
      for (Detection d : detector) {
        assertFalse(s.missing(d.window()), s.name() + ": " + d);
      }
      for (Detection d : seed) {
        assertFalse(s.missing(d.window()), s.name() + ": " + d);
      }
    }
  }

  @Test
  void shouldReportEveryFamily() {
    List<Series> corpus = RealisticSeries.corpus(1, 1);
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    RealisticEvaluation.Report detector =
        RealisticEvaluation.evaluate(
            corpus, s -> RealisticEvaluation.detect(s, RealisticEvaluation.rules(s, defaults)));
    RealisticEvaluation.Report seed =
        RealisticEvaluation.evaluate(corpus, RealisticEvaluation::seed);
    String report = RealisticEvaluation.markdown(corpus, detector, seed, seed, seed, seed);
    // A row in each score table (detector, seed mode, seed rules) and in the false alerts.
    for (Family family : Family.values()) {
      String row = "| " + family.name().toLowerCase() + " | ";
      assertEquals(4, report.lines().filter(l -> l.startsWith(row)).count(), report);
    }
    assertEquals(
        detector.all().windows(), corpus.stream().mapToInt(s -> s.incidents().size()).sum());
  }
}
