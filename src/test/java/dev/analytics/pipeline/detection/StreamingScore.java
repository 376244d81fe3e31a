package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.detection.DetectionEvaluation.Detection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The score of a streaming detector on labelled series, in the manner of the Numenta Anomaly
 * Benchmark (NAB, standard profile): early detection of every incident, few alerts elsewhere.
 *
 * <p><b>Windows.</b> Each labelled incident gets a scoring window of L = max(1, round(10% of the
 * series' length / its number of incidents)) windows <em>starting at the incident's first
 * window</em> (NAB centres it on the label; our labels are exact, so an alert before the incident
 * is a false one and the delay is counted from the onset). A window is cut short at the end of the
 * series and at the start of the next incident.
 *
 * <p><b>Alerts.</b> Every alert except {@code resolved}, at window index i. Alerts in the first 15%
 * of a series (the probation) are not scored. The first alert inside an incident's window earns
 * {@code TP_WEIGHT} · σ(y), where y = −(end − i) / (end − start) is −1 at the window's first window
 * and near 0 at its last, and σ(y) = 2 / (1 + e^(5y)) − 1 is NAB's scaled sigmoid (0.987 at the
 * start, falling to about 0 at the end); further alerts in the same window count for nothing. An
 * alert within an incident's labelled span but after its window also counts for nothing. Every
 * other alert is a false alert and costs {@code FP_WEIGHT} (0.11). A window without any alert costs
 * {@code FN_WEIGHT} (1).
 *
 * <p><b>Normalisation.</b> Over a set of series, raw = the sum of the above; null = the raw score
 * of never alerting (−FN_WEIGHT per window); perfect = the raw score of one alert at the start of
 * every window; normalised = 100 · (raw − null) / (perfect − null): 0 for never alerting, 100 for
 * perfect, negative when the false alerts cost more than the detections earn.
 *
 * <p>Also: false alerts per 2,000 scored windows outside incidents (existing windows after the
 * probation, outside every window and every labelled span), and the delay (alert − incident start,
 * in windows) of the detected spike-like incidents.
 */
public final class StreamingScore {
  private StreamingScore() {}

  public static final double TP_WEIGHT = 1.0;
  public static final double FP_WEIGHT = 0.11;
  public static final double FN_WEIGHT = 1.0;

  /** Share of a series (from its start) whose alerts are not scored. */
  public static final double PROBATION = 0.15;

  /** Share of a series' length given to the windows of its incidents. */
  public static final double WINDOW_SHARE = 0.10;

  /** A labelled incident as the scorer sees it: windows [start, end). */
  public record Label(int start, int end, boolean spikeLike) {}

  /**
   * The score of one series or the sum over several.
   *
   * @param raw the raw score
   * @param nullScore the raw score of never alerting
   * @param perfect the raw score of one alert at the start of every window
   * @param windows incident windows
   * @param detected incident windows with an alert
   * @param falseAlerts scored alerts outside every window and labelled span
   * @param quiet scored windows (after the probation) outside every window and labelled span
   * @param falseByPattern false alerts per pattern
   * @param spikeDelays delays of the detected spike-like incidents, in windows
   */
  public record Result(
      double raw,
      double nullScore,
      double perfect,
      int windows,
      int detected,
      int falseAlerts,
      long quiet,
      Map<String, Integer> falseByPattern,
      List<Integer> spikeDelays) {

    public static final Result EMPTY = new Result(0, 0, 0, 0, 0, 0, 0, Map.of(), List.of());

    public Result plus(Result other) {
      Map<String, Integer> patterns = new TreeMap<>(falseByPattern);
      other.falseByPattern.forEach((p, c) -> patterns.merge(p, c, Integer::sum));
      List<Integer> delays = new ArrayList<>(spikeDelays);
      delays.addAll(other.spikeDelays);
      return new Result(
          raw + other.raw,
          nullScore + other.nullScore,
          perfect + other.perfect,
          windows + other.windows,
          detected + other.detected,
          falseAlerts + other.falseAlerts,
          quiet + other.quiet,
          patterns,
          delays);
    }

    /** 100 · (raw − null) / (perfect − null); NaN without windows. */
    public double normalised() {
      return perfect == nullScore ? Double.NaN : 100 * (raw - nullScore) / (perfect - nullScore);
    }

    public int missed() {
      return windows - detected;
    }

    public double falseAlertsPer2000() {
      return quiet == 0 ? Double.NaN : 2000.0 * falseAlerts / quiet;
    }

    /** The median delay of the detected spike-like incidents; NaN if none. */
    public double medianSpikeDelay() {
      if (spikeDelays.isEmpty()) {
        return Double.NaN;
      }
      int[] d = spikeDelays.stream().mapToInt(Integer::intValue).sorted().toArray();
      int n = d.length;
      return n % 2 == 1 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2.0;
    }
  }

  /** NAB's scaled sigmoid: 2 / (1 + e^(5y)) − 1. */
  public static double sigmoid(double y) {
    return 2 / (1 + Math.exp(5 * y)) - 1;
  }

  /** The scoring windows [start, end) of {@code labels} (sorted by start) in a series. */
  public static int[][] windows(int length, List<Label> labels) {
    List<Label> sorted = sorted(labels);
    int size = (int) Math.max(1, Math.round(WINDOW_SHARE * length / Math.max(1, sorted.size())));
    int[][] windows = new int[sorted.size()][];
    for (int k = 0; k < sorted.size(); k++) {
      int start = sorted.get(k).start();
      int end = Math.min(length, start + size);
      if (k + 1 < sorted.size()) {
        end = Math.min(end, sorted.get(k + 1).start());
      }
      windows[k] = new int[] {start, Math.max(end, start + 1)};
    }
    return windows;
  }

  /** The credit of a first alert at {@code alert} in the window [start, end). */
  public static double credit(int alert, int start, int end) {
    return TP_WEIGHT * sigmoid(-(end - alert) / (double) (end - start));
  }

  /** The first window of the series whose alerts are scored. */
  public static int probationEnd(int length) {
    return (int) Math.floor(PROBATION * length);
  }

  /** The score of the alerts of one series of {@code length} windows, none missing. */
  public static Result score(int length, List<Label> labels, List<Detection> alerts) {
    return score(length, labels, alerts, null);
  }

  /**
   * The score of the alerts of one series of {@code length} windows; {@code missing} (null: none)
   * marks the windows without a value, which are not counted among the quiet windows.
   */
  public static Result score(
      int length, List<Label> labels, List<Detection> alerts, boolean[] missing) {
    List<Label> sorted = sorted(labels);
    int[][] windows = windows(length, sorted);
    int probation = probationEnd(length);
    // What each window index is: -1 outside, k in window k, -2 in a labelled span after its window.
    int[] owner = new int[length];
    Arrays.fill(owner, -1);
    for (int k = 0; k < sorted.size(); k++) {
      for (int i = Math.max(0, sorted.get(k).start());
          i < Math.min(length, sorted.get(k).end());
          i++) {
        owner[i] = -2;
      }
    }
    for (int k = 0; k < windows.length; k++) {
      for (int i = windows[k][0]; i < Math.min(length, windows[k][1]); i++) {
        owner[i] = k;
      }
    }
    int[] first = new int[windows.length];
    Arrays.fill(first, -1);
    int falseAlerts = 0;
    Map<String, Integer> falseByPattern = new TreeMap<>();
    for (Detection d : alerts) {
      int i = d.window();
      if (d.pattern().equals(PatternRules.RESOLVED) || i < probation || i >= length) {
        continue;
      }
      if (owner[i] >= 0) {
        if (first[owner[i]] < 0 || i < first[owner[i]]) {
          first[owner[i]] = i;
        }
      } else if (owner[i] == -1) {
        falseAlerts++;
        falseByPattern.merge(d.pattern(), 1, Integer::sum);
      }
    }
    double raw = -FP_WEIGHT * falseAlerts;
    double perfect = 0;
    int detected = 0;
    List<Integer> delays = new ArrayList<>();
    for (int k = 0; k < windows.length; k++) {
      perfect += credit(windows[k][0], windows[k][0], windows[k][1]);
      if (first[k] < 0) {
        raw -= FN_WEIGHT;
      } else {
        detected++;
        raw += credit(first[k], windows[k][0], windows[k][1]);
        if (sorted.get(k).spikeLike()) {
          delays.add(first[k] - sorted.get(k).start());
        }
      }
    }
    long quiet = 0;
    for (int i = probation; i < length; i++) {
      if (owner[i] == -1 && (missing == null || !missing[i])) {
        quiet++;
      }
    }
    return new Result(
        raw,
        -FN_WEIGHT * windows.length,
        perfect,
        windows.length,
        detected,
        falseAlerts,
        quiet,
        falseByPattern,
        delays);
  }

  private static List<Label> sorted(List<Label> labels) {
    List<Label> sorted = new ArrayList<>(labels);
    sorted.sort((a, b) -> Integer.compare(a.start(), b.start()));
    return sorted;
  }
}
