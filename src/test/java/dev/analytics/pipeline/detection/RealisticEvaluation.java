package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.detection.DetectionEvaluation.Detection;
import dev.analytics.pipeline.detection.RealisticSeries.Family;
import dev.analytics.pipeline.detection.RealisticSeries.Incident;
import dev.analytics.pipeline.detection.RealisticSeries.Series;
import dev.analytics.pipeline.model.Alert;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Evaluates pattern detection on the realistic corpus ({@link RealisticSeries}) with the streaming
 * score ({@link StreamingScore}), per family: the normalised score, false alerts per 2,000 windows
 * outside incidents, missed incidents and the median delay of spike-like incidents.
 *
 * <p>Detectors:
 *
 * <ul>
 *   <li>the detector: {@link PatternRules} with the default settings, the series' metric and {@code
 *       detection.min-values} 1, so that a window of one value is judged;
 *   <li>the seed rules ({@link DetectionEvaluation#seed}) on the existing windows;
 *   <li>the defaults as they are: {@code detection.metric} count and {@code min-values} 10, and the
 *       series' metric with {@code min-values} 10.
 * </ul>
 *
 * <p>Each series is fed as {@code PatternDetector} feeds the replay of a recorded series (one event
 * per window carrying the value): for a statistic, each existing window is observed with its value
 * when one value is at least {@code min-values}, and skipped otherwise; a missing window is
 * skipped. For the count, each existing window is a count of 1 and a missing window a count of 0.
 *
 * <p>{@code main} prints the report as Markdown ({@code jobs/evaluate-detection.sh realistic}).
 */
public final class RealisticEvaluation {
  private RealisticEvaluation() {}

  /** The detector's rules for a series: the defaults, its metric, one value per window judged. */
  public static DetectionSettings.Rules rules(Series series, DetectionSettings.Rules defaults) {
    return defaults.withMetric(series.metric()).with(Map.of("min-values", 1));
  }

  /** {@code rules} fed as {@code PatternDetector} feeds them the series (one value per window). */
  public static List<Detection> detect(Series series, DetectionSettings.Rules rules) {
    PatternRules patterns = new PatternRules(rules);
    DetectorState state = patterns.newState(series.name(), Map.of(), "5m", series.windowMillis());
    List<Detection> out = new ArrayList<>();
    double[] values = series.values();
    for (int i = 0; i < values.length; i++) {
      long start = series.start(i);
      List<Alert> alerts;
      if (rules.metric().isCount()) {
        alerts = patterns.observe(state, start, series.missing(i) ? 0 : 1, 1.0, 0);
      } else if (series.missing(i) || rules.minValues() > 1) {
        patterns.skip(state, start);
        continue;
      } else {
        alerts = patterns.observe(state, start, values[i], 1.0, 0);
      }
      for (Alert a : alerts) {
        out.add(new Detection(i, a.pattern));
      }
    }
    return out;
  }

  /** The seed rules over the existing windows (a gap is not a window of the rules' 10). */
  public static List<Detection> seed(Series series) {
    double[] values = series.values();
    int[] index = new int[values.length];
    double[] existing = new double[values.length];
    int n = 0;
    for (int i = 0; i < values.length; i++) {
      if (!series.missing(i)) {
        index[n] = i;
        existing[n++] = values[i];
      }
    }
    EvaluationSeries.Series compact =
        new EvaluationSeries.Series(
            series.name(), null, series.metric(), 1.0, Arrays.copyOf(existing, n), List.of());
    List<Detection> out = new ArrayList<>();
    for (Detection d : DetectionEvaluation.seed(compact)) {
      out.add(new Detection(index[d.window()], d.pattern()));
    }
    return out;
  }

  /** The incidents of {@code series} as the scorer sees them. */
  public static List<StreamingScore.Label> labels(Series series) {
    List<StreamingScore.Label> labels = new ArrayList<>();
    for (Incident incident : series.incidents()) {
      labels.add(
          new StreamingScore.Label(incident.start(), incident.end(), incident.kind().spikeLike()));
    }
    return labels;
  }

  /** The score of {@code alerts} on {@code series}. */
  public static StreamingScore.Result score(Series series, List<Detection> alerts) {
    boolean[] missing = new boolean[series.values().length];
    for (int i = 0; i < missing.length; i++) {
      missing[i] = series.missing(i);
    }
    return StreamingScore.score(series.values().length, labels(series), alerts, missing);
  }

  /** The results of one detector: per family, and alerts (not {@code resolved}) per family. */
  public record Report(Map<Family, StreamingScore.Result> families, Map<Family, Long> alerts) {
    public StreamingScore.Result all() {
      StreamingScore.Result all = StreamingScore.Result.EMPTY;
      for (StreamingScore.Result r : families.values()) {
        all = all.plus(r);
      }
      return all;
    }

    public long allAlerts() {
      return alerts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Runs {@code detector} over {@code corpus}. */
  public static Report evaluate(List<Series> corpus, Function<Series, List<Detection>> detector) {
    Map<Family, StreamingScore.Result> families = new EnumMap<>(Family.class);
    Map<Family, Long> alerts = new EnumMap<>(Family.class);
    for (Series series : corpus) {
      List<Detection> detections = detector.apply(series);
      families.merge(series.family(), score(series, detections), StreamingScore.Result::plus);
      long count =
          detections.stream().filter(d -> !d.pattern().equals(PatternRules.RESOLVED)).count();
      alerts.merge(series.family(), count, Long::sum);
    }
    return new Report(families, alerts);
  }

  /** The report as Markdown tables. */
  public static String markdown(
      List<Series> corpus,
      Report detector,
      Report seedMode,
      Report seed,
      Report defaults,
      Report metricDefaults) {
    long windows = 0;
    long missing = 0;
    int incidents = 0;
    // {series, windows, incidents, spike-like incidents}
    Map<Family, long[]> sizes = new EnumMap<>(Family.class);
    for (Series s : corpus) {
      long[] c = sizes.computeIfAbsent(s.family(), f -> new long[4]);
      c[0]++;
      c[1] += s.values().length;
      c[2] += s.incidents().size();
      c[3] += s.incidents().stream().filter(i -> i.kind().spikeLike()).count();
      windows += s.values().length;
      incidents += s.incidents().size();
      for (int i = 0; i < s.values().length; i++) {
        missing += s.missing(i) ? 1 : 0;
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Realistic corpus: %d series, %,d windows of 5 minutes (%,d missing), %d labelled"
                + " incidents. Streaming score (NAB standard profile): windows of 10%% of a series"
                + " shared by its incidents, starting at each; credit of the first alert 2/(1+e^5y)-1"
                + " (y = -1 at the window's start), false alert -0.11, missed window -1, first 15%%"
                + " not scored; normalised 0 = never alerting, 100 = perfect.%n",
            corpus.size(),
            windows,
            missing,
            incidents));
    table(
        out,
        "Detector: PatternRules, default settings (detection.mode likelihood), the series' metric",
        sizes,
        detector);
    table(
        out,
        "Detector, detection.mode seed (the rules before the likelihood mode), the series' metric,"
            + " detection.min-values 1",
        sizes,
        seedMode);
    table(
        out,
        "Seed rules (x > 2 mean, x < 0.5 mean, |x - mean| > 3 sd of the last 10)",
        sizes,
        seed);

    out.append("\n**Defaults as they are** (one value per window)\n\n");
    out.append("| settings | alerts | score | missed |\n| --- | ---: | ---: | ---: |\n");
    for (Object[] row :
        new Object[][] {
          {"the job's defaults (detection.metric count: one event per window)", defaults},
          {"the series' metric, min-values 10 (the former default)", metricDefaults}
        }) {
      Report r = (Report) row[1];
      StreamingScore.Result all = r.all();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f | %d of %d |%n",
              row[0],
              r.allAlerts(),
              all.normalised(),
              all.missed(),
              all.windows()));
    }

    out.append("\n**False alerts of the detector, by pattern**\n\n");
    out.append(
        "| family | spike | drop | anomaly | trend |\n| --- | ---: | ---: | ---: | ---: |\n");
    for (Family family : sizes.keySet()) {
      Map<String, Integer> p =
          detector.families().getOrDefault(family, StreamingScore.Result.EMPTY).falseByPattern();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %d | %d |%n",
              family.name().toLowerCase(Locale.ROOT),
              p.getOrDefault(PatternRules.SPIKE, 0),
              p.getOrDefault(PatternRules.DROP, 0),
              p.getOrDefault(PatternRules.ANOMALY, 0),
              p.getOrDefault(PatternRules.TREND, 0)));
    }
    return out.toString();
  }

  private static void table(
      StringBuilder out, String title, Map<Family, long[]> sizes, Report report) {
    out.append("\n**").append(title).append("**\n\n");
    out.append(
        "| family | series | windows | incidents | score | false alerts / 2,000 windows | missed"
            + " | median spike delay (detected / spike-like) | alerts |\n");
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    long[] total = new long[4];
    for (Map.Entry<Family, long[]> e : sizes.entrySet()) {
      long[] c = e.getValue();
      for (int i = 0; i < c.length; i++) {
        total[i] += c[i];
      }
      row(
          out,
          e.getKey().name().toLowerCase(Locale.ROOT),
          c,
          report.families().getOrDefault(e.getKey(), StreamingScore.Result.EMPTY),
          report.alerts().getOrDefault(e.getKey(), 0L));
    }
    row(out, "**all**", total, report.all(), report.allAlerts());
  }

  private static void row(
      StringBuilder out, String name, long[] c, StreamingScore.Result r, long alerts) {
    double delay = r.medianSpikeDelay();
    out.append(
        String.format(
            Locale.ROOT,
            "| %s | %d | %,d | %d | %.1f | %.1f | %d | %s (%d / %d) | %,d |%n",
            name,
            c[0],
            c[1],
            c[2],
            r.normalised(),
            r.falseAlertsPer2000(),
            r.missed(),
            Double.isNaN(delay) ? "-" : String.format(Locale.ROOT, "%.1f", delay),
            r.spikeDelays().size(),
            c[3],
            alerts));
  }

  /** Prints the report. Arguments: series per family (default 10), first seed (default 1). */
  public static void main(String[] args) {
    int perFamily = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    long firstSeed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    long started = System.nanoTime();
    List<Series> corpus = RealisticSeries.corpus(perFamily, firstSeed);
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    Report detector = evaluate(corpus, s -> detect(s, rules(s, defaults)));
    Report seed = evaluate(corpus, RealisticEvaluation::seed);
    Report seedMode =
        evaluate(
            corpus,
            s -> detect(s, rules(s, defaults).with(Map.of("mode", DetectionSettings.Rules.SEED))));
    Report asTheyAre = evaluate(corpus, s -> detect(s, defaults));
    Report metricDefaults =
        evaluate(
            corpus, s -> detect(s, defaults.withMetric(s.metric()).with(Map.of("min-values", 10))));
    System.out.print(markdown(corpus, detector, seedMode, seed, asTheyAre, metricDefaults));
    System.out.printf(Locale.ROOT, "%n(%.1f s)%n", (System.nanoTime() - started) / 1e9);
  }
}
