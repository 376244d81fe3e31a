package dev.analytics.pipeline.detection;

import static org.assertj.core.api.Assertions.assertThat;

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
      assertThat(b.name()).isEqualTo(a.name());
      assertThat(b.values()).as(family.name()).containsExactly(a.values());
      assertThat(b.incidents()).isEqualTo(a.incidents());
      assertThat(Arrays.equals(a.values(), c.values())).as(family.name()).isFalse();
    }
    assertThat(RealisticSeries.corpus(10, 1).size()).isEqualTo(60);
  }

  @Test
  void shouldLabelOneToFourIncidentsInsideTheSeriesAfterTheProbation() {
    for (Series s : RealisticSeries.corpus(SEEDS, 1)) {
      int n = s.values().length;
      assertThat(n >= 1000 && n <= 22_000).as(s.name() + ": " + n).isTrue();
      assertThat(s.windowMillis()).isEqualTo(5 * 60_000L);
      assertThat(s.metric())
          .isEqualTo(s.family() == Family.LATENCY ? DetectionMetric.P95 : DetectionMetric.MEAN);
      List<Incident> incidents = s.incidents();
      assertThat(incidents.size() >= 1 && incidents.size() <= 4)
          .as(s.name() + ": " + incidents)
          .isTrue();
      int previousEnd = 0;
      int[][] windows = StreamingScore.windows(n, RealisticEvaluation.labels(s));
      for (int k = 0; k < incidents.size(); k++) {
        Incident x = incidents.get(k);
        assertThat(x.start() >= StreamingScore.probationEnd(n)).as(s.name() + ": " + x).isTrue();
        assertThat(x.start() >= previousEnd && x.end() > x.start() && x.end() <= n)
            .as(s.name() + ": " + x)
            .isTrue();
        // Incidents are far enough apart for full scoring windows.
        assertThat(windows[k][1] - windows[k][0])
            .as(s.name())
            .isEqualTo(Math.round(0.1 * n / incidents.size()));
        assertThat(s.missing(x.start())).as(s.name() + ": " + x).isFalse();
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
      assertThat(kurtosis[k] > 1).as(s.name() + ": excess kurtosis " + kurtosis[k]).isTrue();
      assertThat(m2 > 1.5 * mean).as(s.name() + ": variance " + m2 + ", mean " + mean).isTrue();
      assertThat(Arrays.stream(s.values()).allMatch(x -> x == Math.rint(x) && x >= 0))
          .as(s.name())
          .isTrue();
      k++;
    }
    assertThat(median(kurtosis) > 3).as(Arrays.toString(kurtosis)).isTrue();
  }

  @Test
  void shouldQuantiseUtilisationToIntegerPercentWithFlatStretches() {
    int flat = 0;
    for (Series s : family(Family.UTILISATION)) {
      for (double x : s.values()) {
        assertThat(x == Math.rint(x) && x >= 0 && x <= 100).as(s.name() + ": " + x).isTrue();
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
    assertThat(flat >= 3).as(flat + " series with an hour or more of the same value").isTrue();
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
      assertThat(longestGap >= 3).as(s.name() + ": longest gap " + longestGap).isTrue();
      for (Incident x : s.incidents()) {
        for (int i = x.start(); i < x.end(); i++) {
          assertThat(s.missing(i)).as(s.name() + ": a gap in " + x).isFalse();
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
      assertThat(Math.abs(weekdayDay - weekendDay) >= 0.05 * Math.max(weekdayDay, weekendDay))
          .as(s.name() + ": weekday daytime " + weekdayDay + ", weekend daytime " + weekendDay)
          .isTrue();
      if (s.name().endsWith("-counts")) {
        assertThat(weekdayDay > 3 * night)
            .as(s.name() + ": day " + weekdayDay + ", night " + night)
            .isTrue();
      }
    }
  }

  @Test
  void shouldStartFlatSeriesWithAZeroMadStretchThenNoise() {
    for (Series s : family(Family.FLAT)) {
      double[] v = s.values();
      double[] head = Arrays.copyOf(v, v.length / 4);
      assertThat(mad(head)).as(s.name()).isEqualTo(Double.valueOf(0.0));
      assertThat(Arrays.stream(head).allMatch(x -> x == head[0])).as(s.name()).isTrue();
      double[] tail = Arrays.copyOfRange(v, v.length / 2, v.length);
      assertThat(mad(tail) > 0).as(s.name()).isTrue();
    }
  }

  @Test
  void shouldFeedTheDetectorExistingWindowsOnly() {
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    for (Series s : family(Family.SENSOR).subList(0, 3)) {
      List<Detection> detector =
          RealisticEvaluation.detect(s, RealisticEvaluation.rules(s, defaults));
      List<Detection> seed = RealisticEvaluation.seed(s);
      assertThat(seed).isNotEqualTo(List.of());
      for (Detection d : detector) {
        assertThat(s.missing(d.window())).as(s.name() + ": " + d).isFalse();
      }
      for (Detection d : seed) {
        assertThat(s.missing(d.window())).as(s.name() + ": " + d).isFalse();
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
      assertThat(report.lines().filter(l -> l.startsWith(row)).count()).as(report).isEqualTo(4);
    }
    assertThat(corpus.stream().mapToInt(s -> s.incidents().size()).sum())
        .isEqualTo(detector.all().windows());
  }
}
