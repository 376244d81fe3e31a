package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.detection.EvaluationSeries.Incident;
import dev.analytics.pipeline.detection.EvaluationSeries.Kind;
import dev.analytics.pipeline.detection.EvaluationSeries.Series;
import dev.analytics.pipeline.detection.EvaluationSeries.Shape;
import dev.analytics.pipeline.model.Alert;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Evaluates pattern detection on labelled series ({@link EvaluationSeries}): precision per alert
 * pattern, recall and detection delay per injected kind, and the share of pure-noise series without
 * any alert; for the real rules ({@link PatternRules}, the decisions of {@code PatternDetector},
 * with the default settings) and, as a baseline, the plain seed rules.
 *
 * <p>Matching: an alert (not {@code resolved}) is a true positive when it falls within the
 * tolerance of an incident whose kind explains its pattern and that incident has no true positive
 * yet; anything else is a false positive. Tolerance, from the incident's first window: spike, drop
 * and level shift 3 windows; variance change its 60 windows; trend its ramp plus 30 windows. Delay
 * = alert window − incident start.
 *
 * <p>Seed rules (the original design's rules, applied to every window): over the last 10 values,
 * spike if x > 2 · mean, drop if x < 0.5 · mean, anomaly if |x − mean| > 3 · standard deviation; no
 * trend rule.
 *
 * <p>{@code main} prints the report as Markdown ({@code jobs/evaluate-detection.sh}).
 */
public final class DetectionEvaluation {
  private DetectionEvaluation() {}

  /** An alert of a series: its window index and pattern. */
  public record Detection(int window, String pattern) {}

  /** The results of one detector. */
  public static final class Report {
    final Map<Kind, int[]> incidents = new EnumMap<>(Kind.class); // {count, detected}
    final Map<Kind, List<Integer>> delays = new EnumMap<>(Kind.class);
    final Map<String, int[]> alerts = new TreeMap<>(); // pattern -> {alerts, true positives}
    final Map<Shape, int[]> noise = new EnumMap<>(Shape.class); // {series, quiet}
    long noiseAlerts;

    public double recall(Kind kind) {
      int[] c = incidents.getOrDefault(kind, new int[2]);
      return c[0] == 0 ? Double.NaN : c[1] / (double) c[0];
    }

    public double precision(String pattern) {
      int[] c = alerts.getOrDefault(pattern, new int[2]);
      return c[0] == 0 ? Double.NaN : c[1] / (double) c[0];
    }

    /** Share of pure-noise series without any alert. */
    public double quietShare() {
      int series = 0;
      int quiet = 0;
      for (int[] c : noise.values()) {
        series += c[0];
        quiet += c[1];
      }
      return quiet / (double) series;
    }
  }

  /** The real rules, with the settings of each series' metric. */
  public static List<Detection> detect(Series series, DetectionSettings.Rules defaults) {
    PatternRules rules = new PatternRules(defaults.withMetric(series.metric()));
    DetectorState state = rules.newState(series.name(), Map.of(), "1m", EvaluationSeries.WINDOW);
    List<Detection> out = new ArrayList<>();
    double[] values = series.values();
    for (int i = 0; i < values.length; i++) {
      long start = EvaluationSeries.T0 + i * EvaluationSeries.WINDOW;
      for (Alert a : rules.observe(state, start, values[i], series.sampleRate(), 0)) {
        out.add(new Detection(i, a.pattern));
      }
    }
    return out;
  }

  /** The seed rules on every window. */
  public static List<Detection> seed(Series series) {
    List<Detection> out = new ArrayList<>();
    double[] v = series.values();
    for (int i = 10; i < v.length; i++) {
      double sum = 0;
      for (int j = i - 10; j < i; j++) {
        sum += v[j];
      }
      double mean = sum / 10;
      double squares = 0;
      for (int j = i - 10; j < i; j++) {
        squares += (v[j] - mean) * (v[j] - mean);
      }
      double std = Math.sqrt(squares / 9);
      if (v[i] > 2 * mean) {
        out.add(new Detection(i, "spike"));
      } else if (v[i] < 0.5 * mean) {
        out.add(new Detection(i, "drop"));
      } else if (Math.abs(v[i] - mean) > 3 * std) {
        out.add(new Detection(i, "anomaly"));
      }
    }
    return out;
  }

  /** Runs {@code detector} over the labelled and the pure-noise series. */
  public static Report evaluate(
      List<Series> labelled, List<Series> noise, Function<Series, List<Detection>> detector) {
    Report report = new Report();
    for (Series series : labelled) {
      List<Incident> incidents = series.incidents();
      boolean[] detected = new boolean[incidents.size()];
      for (Incident incident : incidents) {
        report.incidents.computeIfAbsent(incident.kind(), k -> new int[2])[0]++;
      }
      for (Detection d : detector.apply(series)) {
        if (d.pattern().equals(PatternRules.RESOLVED)) {
          continue;
        }
        int[] counts = report.alerts.computeIfAbsent(d.pattern(), p -> new int[2]);
        counts[0]++;
        for (int i = 0; i < incidents.size(); i++) {
          Incident incident = incidents.get(i);
          if (!detected[i]
              && d.window() >= incident.start()
              && d.window() <= incident.start() + tolerance(incident)
              && incident.expected().contains(d.pattern())) {
            detected[i] = true;
            counts[1]++;
            report.incidents.get(incident.kind())[1]++;
            report
                .delays
                .computeIfAbsent(incident.kind(), k -> new ArrayList<>())
                .add(d.window() - incident.start());
            break;
          }
        }
      }
    }
    for (Series series : noise) {
      List<Detection> alerts = detector.apply(series);
      int[] counts = report.noise.computeIfAbsent(series.shape(), s -> new int[2]);
      counts[0]++;
      if (alerts.isEmpty()) {
        counts[1]++;
      }
      report.noiseAlerts += alerts.stream().filter(d -> !d.pattern().equals("resolved")).count();
    }
    return report;
  }

  static int tolerance(Incident incident) {
    return switch (incident.kind()) {
      case SPIKE, DROP, LEVEL_SHIFT -> 3;
      case VARIANCE -> incident.length();
      case TREND -> incident.length() + 30;
    };
  }

  /** {@code perShape} labelled series of each shape and {@code noisePerShape} noise series each. */
  public static List<Series> labelled(int perShape, long firstSeed) {
    List<Series> series = new ArrayList<>();
    for (Shape shape : Shape.values()) {
      for (int i = 0; i < perShape; i++) {
        series.add(EvaluationSeries.generate(shape, firstSeed + i, 10_000, true));
      }
    }
    return series;
  }

  public static List<Series> noise(int perShape, long firstSeed) {
    List<Series> series = new ArrayList<>();
    for (Shape shape : Shape.values()) {
      for (int i = 0; i < perShape; i++) {
        series.add(EvaluationSeries.generate(shape, firstSeed + i, 10_000, false));
      }
    }
    return series;
  }

  /** The report of both detectors as Markdown tables. */
  public static String markdown(Report rules, Report seed, int labelled, int noise) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%d labelled series and %d pure-noise series of 10,000 one-minute windows"
                + " (requests, p95 latency, error counts in equal parts).%n%n",
            labelled,
            noise));
    out.append(
        "| injected | incidents | recall (detector) | delay mean / max | recall (seed rules) |\n");
    out.append("| --- | ---: | ---: | ---: | ---: |\n");
    for (Kind kind : Kind.values()) {
      int[] c = rules.incidents.getOrDefault(kind, new int[2]);
      List<Integer> d = rules.delays.getOrDefault(kind, List.of());
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %s |%n",
              kind.name().toLowerCase(Locale.ROOT).replace('_', ' '),
              c[0],
              pct(rules.recall(kind)),
              d.isEmpty()
                  ? "-"
                  : String.format(
                      Locale.ROOT,
                      "%.1f / %d",
                      d.stream().mapToInt(Integer::intValue).average().orElse(0),
                      d.stream().mapToInt(Integer::intValue).max().orElse(0)),
              pct(seed.recall(kind))));
    }
    out.append(
        "\n| alert | alerts (detector) | precision (detector) | alerts (seed rules) | precision (seed rules) |\n");
    out.append("| --- | ---: | ---: | ---: | ---: |\n");
    for (String pattern : List.of("spike", "drop", "anomaly", "trend")) {
      int[] r = rules.alerts.getOrDefault(pattern, new int[2]);
      int[] s = seed.alerts.getOrDefault(pattern, new int[2]);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %s |%n",
              pattern,
              r[0],
              pct(rules.precision(pattern)),
              pattern.equals("trend") ? "-" : String.valueOf(s[0]),
              pattern.equals("trend") ? "-" : pct(seed.precision(pattern))));
    }
    out.append(
        "\n| pure noise | series | without any alert (detector) | alerts (detector) | without any alert (seed rules) | alerts (seed rules) |\n");
    out.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Shape shape : Shape.values()) {
      int[] r = rules.noise.getOrDefault(shape, new int[2]);
      int[] s = seed.noise.getOrDefault(shape, new int[2]);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | | %s | |%n",
              shape.name().toLowerCase(Locale.ROOT),
              r[0],
              pct(r[0] == 0 ? Double.NaN : r[1] / (double) r[0]),
              pct(s[0] == 0 ? Double.NaN : s[1] / (double) s[0])));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "| all | %d | %s | %d | %s | %d |%n",
            noise,
            pct(rules.quietShare()),
            rules.noiseAlerts,
            pct(seed.quietShare()),
            seed.noiseAlerts));
    return out.toString();
  }

  private static String pct(double share) {
    return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  /**
   * Prints the report. Arguments: labelled series per shape (default 20), pure-noise series per
   * shape (default 67, so 201 in all).
   */
  public static void main(String[] args) {
    int perShape = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int noisePerShape = args.length > 1 ? Integer.parseInt(args[1]) : 67;
    long started = System.nanoTime();
    List<Series> labelled = labelled(perShape, 1);
    List<Series> noise = noise(noisePerShape, 100_001);
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    Report rules = evaluate(labelled, noise, s -> detect(s, defaults));
    Report seed = evaluate(labelled, noise, DetectionEvaluation::seed);
    System.out.print(markdown(rules, seed, labelled.size(), noise.size()));
    System.out.printf(Locale.ROOT, "%n(%.1f s)%n", (System.nanoTime() - started) / 1e9);
  }
}
