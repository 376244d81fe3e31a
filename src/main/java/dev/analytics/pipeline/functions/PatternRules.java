package dev.analytics.pipeline.functions;

import dev.analytics.pipeline.model.Alert;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * The decisions of pattern detection, free of Flink: judges one window's metric against the history
 * kept in a {@link DetectorState} and updates it. {@link PatternDetector} wraps it in a keyed
 * operator; the evaluation runs it directly.
 *
 * <p><b>Takes</b> the rules of one event type ({@link DetectionSettings.Rules}) and, window by
 * window in event-time order, the metric's value (a missing window of the count is passed as 0; a
 * missing window of a statistic is passed to {@link #skip}).
 *
 * <p><b>Gives</b> per window zero, one or two {@link Alert}s: {@code spike}, {@code drop}, {@code
 * anomaly} or {@code trend} when an incident opens, {@code resolved} when it closes.
 *
 * <p>The rules, for a window of value x once the history holds {@code warmup} values:
 *
 * <ol>
 *   <li>Each kept value is carried to the current hour by the daily profile (x_i · P(t) / P(t_i), P
 *       interpolated between the 24 hour-of-day EWMA levels; P = 1 until every hour has {@code
 *       seasonal.min-days} days of observations). The baseline b is the median of the last {@code
 *       history} normal values; the spread s = 1.4826 · MAD of the last {@code max(trend.windows,
 *       history)} values (outliers among them winsorized to b ± sigma · s), at least 1% of |b| and,
 *       for the count, at least the Poisson floor sqrt(max(b, 1) / sampleRate); z = (x − b) / s.
 *   <li>Nothing is judged when b = 0, nor for the count when b · sampleRate (kept events) &lt;
 *       {@code min-baseline-count}.
 *   <li>spike: x &ge; spike-factor · b and z &ge; sigma. drop: x &le; drop-factor · b and z &le;
 *       −sigma. anomaly (neither): |z| &ge; sigma and |x − b| &ge; anomaly.min-change · |b| in
 *       {@code anomaly.windows} consecutive windows. Confidence 1 − ½ (sigma / z)², in [½, 1).
 *   <li>trend (no open incident): the least-squares line of the last {@code trend.windows} values
 *       (carried to the current hour) against the window index changes by at least trend.min-change
 *       of their mean over the span, with a slope p-value below trend.significance. Baseline: the
 *       line's value at the start of the span. Confidence 1 − ½ p / significance.
 * </ol>
 *
 * <p><b>Guarantees</b>: one alert per incident (no new alert while one is open, except that a
 * spike, drop or anomaly replaces an open trend); {@code resolved} once after {@code cooldown}
 * consecutive normal windows (a trend: after a whole {@code trend.windows} span without trend);
 * after {@code shift-windows} consecutive abnormal windows on the same side, {@code resolved} with
 * the new level as baseline, the history restarts from those windows and the profile is rescaled
 * (the baseline follows a level shift). Abnormal values never enter the history nor the profile.
 * State is constant-size. The result is a function of the inputs only.
 */
public final class PatternRules implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String SPIKE = "spike";
  public static final String DROP = "drop";
  public static final String ANOMALY = "anomaly";
  public static final String TREND = "trend";
  public static final String RESOLVED = "resolved";

  /** Gaussian consistency constant of the MAD. */
  static final double MAD_TO_SIGMA = 1.4826;

  /** The spread is at least this fraction of the baseline (a constant series is not exact). */
  static final double MIN_RELATIVE_SPREAD = 0.01;

  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;

  private final DetectionSettings.Rules rules;

  public PatternRules(DetectionSettings.Rules rules) {
    this.rules = rules;
  }

  public DetectionSettings.Rules rules() {
    return rules;
  }

  /** An empty state for a key whose windows last {@code windowMillis}. */
  public DetectorState newState(
      String eventType, Map<String, String> dimensions, String granularity, long windowMillis) {
    DetectorState s = new DetectorState();
    s.eventType = eventType;
    s.dimensions = new HashMap<>(dimensions == null ? Map.of() : dimensions);
    s.granularity = granularity;
    s.windowMillis = windowMillis;
    s.latestStart = Long.MIN_VALUE;
    s.historyValues = new double[rules.history()];
    s.historyStarts = new long[rules.history()];
    int recent = Math.max(rules.trendWindows(), rules.history());
    s.recentValues = new double[recent];
    s.recentStarts = new long[recent];
    s.runValues = new double[rules.shiftWindows()];
    s.runStarts = new long[rules.shiftWindows()];
    s.seasonalLevels = new double[24];
    s.seasonalCounts = new int[24];
    return s;
  }

  /** A statistic's missing window: nothing is judged or learnt. */
  public void skip(DetectorState s, long windowStart) {
    s.latestStart = windowStart;
    s.latestVersion = 0;
    s.latestFromAggregate = false;
  }

  /**
   * Judges the window starting at {@code windowStart} whose metric is {@code value} (finite) and
   * updates the state.
   *
   * @param sampleRate the aggregate's sampling rate (count metric: the noise floor)
   * @param version the version of the alerts
   * @return the alerts of this window, in order (at most a resolution and an alert)
   */
  public List<Alert> observe(
      DetectorState s, long windowStart, double value, double sampleRate, int version) {
    s.latestStart = windowStart;
    s.latestVersion = version;
    if (sampleRate > 0 && sampleRate <= 1) {
      s.sampleRate = sampleRate;
    }
    List<Alert> alerts = new ArrayList<>(2);
    if (s.historySize < rules.warmup()) {
      learn(s, windowStart, value);
      return alerts;
    }
    double[] profile = profile(s);
    double now = profileAt(profile, s, windowStart);
    double[] adjusted = new double[s.historySize];
    for (int i = 0; i < s.historySize; i++) {
      adjusted[i] =
          s.historyValues[i] * ratio(profile, now, profileAt(profile, s, s.historyStarts[i]));
    }
    double baseline = median(adjusted);
    double[] recent = new double[s.recentSize];
    for (int i = 0; i < s.recentSize; i++) {
      recent[i] = s.recentValues[i] * ratio(profile, now, profileAt(profile, s, s.recentStarts[i]));
    }
    double centre = median(recent);
    for (int i = 0; i < recent.length; i++) {
      recent[i] = Math.abs(recent[i] - centre);
    }
    double spread = MAD_TO_SIGMA * median(recent);
    spread = Math.max(spread, MIN_RELATIVE_SPREAD * Math.abs(baseline));
    if (rules.metric().isCount()) {
      spread = Math.max(spread, Math.sqrt(Math.max(baseline, 1.0) / s.sampleRate));
    }
    boolean judged =
        baseline != 0
            && (!rules.metric().isCount() || baseline * s.sampleRate >= rules.minBaselineCount());
    String pattern = null;
    double z = spread > 0 ? (value - baseline) / spread : 0;
    if (judged) {
      if (value >= rules.spikeFactor() * baseline && z >= rules.sigma()) {
        pattern = SPIKE;
      } else if (value <= rules.dropFactor() * baseline && z <= -rules.sigma()) {
        pattern = DROP;
      } else if (Math.abs(z) >= rules.sigma()
          && Math.abs(value - baseline) >= rules.anomalyMinChange() * Math.abs(baseline)) {
        pattern = ANOMALY;
      }
    }
    // An anomaly is confirmed by anomaly.windows consecutive outlying windows; until then the
    // window is neither learnt nor normal.
    if (ANOMALY.equals(pattern)
        && (s.incident == null || TREND.equals(s.incident))
        && ++s.outliers < rules.anomalyWindows()) {
      remember(
          s,
          s.recentValues,
          s.recentStarts,
          true,
          windowStart,
          winsorized(value, baseline, spread));
      return alerts;
    }
    s.outliers = 0;

    if (pattern != null) {
      int side = value > baseline ? 1 : -1;
      remember(
          s,
          s.recentValues,
          s.recentStarts,
          true,
          windowStart,
          winsorized(value, baseline, spread));
      if (s.incident == null || TREND.equals(s.incident)) {
        s.incident = pattern;
        s.incidentStart = windowStart;
        s.incidentSide = side;
        s.normalStreak = 0;
        s.runSize = 0;
        s.runNext = 0;
        addRun(s, windowStart, value);
        double confidence = 1 - 0.5 * square(rules.sigma() / z);
        alerts.add(
            alert(
                s,
                windowStart,
                pattern,
                value,
                baseline,
                confidence,
                version,
                message(s, pattern, value, baseline, z)));
        return alerts;
      }
      s.normalStreak = 0;
      if (side != s.incidentSide) {
        s.incidentSide = side;
        s.runSize = 0;
        s.runNext = 0;
      }
      addRun(s, windowStart, value);
      if (s.runSize >= rules.shiftWindows()) {
        alerts.add(rebaseline(s, windowStart, value, baseline, version));
      }
      return alerts;
    }

    learn(s, windowStart, value);
    if (s.incident != null && !TREND.equals(s.incident)) {
      s.normalStreak++;
      s.runSize = 0;
      s.runNext = 0;
      if (s.normalStreak >= rules.cooldown()) {
        alerts.add(resolve(s, windowStart, value, baseline, version));
      }
      return alerts;
    }
    Trend trend = trend(s, windowStart, profile, now, judged);
    if (TREND.equals(s.incident)) {
      if (trend != null) {
        s.normalStreak = 0;
      } else if (++s.normalStreak >= Math.max(rules.cooldown(), rules.trendWindows())) {
        alerts.add(resolve(s, windowStart, value, baseline, version));
      }
      return alerts;
    }
    if (trend != null) {
      s.incident = TREND;
      s.incidentStart = windowStart;
      s.incidentSide = trend.slope > 0 ? 1 : -1;
      s.normalStreak = 0;
      double confidence = 1 - 0.5 * trend.p / rules.trendSignificance();
      alerts.add(
          alert(
              s,
              windowStart,
              TREND,
              value,
              trend.start,
              confidence,
              version,
              String.format(
                  Locale.ROOT,
                  "%s of %s: %s trend, %+.0f%% over the last %d windows (from %.4g; slope %.4g"
                      + " per window, p = %.2g)",
                  rules.metric().label(),
                  keyText(s),
                  trend.slope > 0 ? "rising" : "falling",
                  100 * trend.change,
                  s.recentSize,
                  trend.start,
                  trend.slope,
                  trend.p)));
    }
    return alerts;
  }

  /** The fitted line of the recent values when it is a significant, large enough trend. */
  private record Trend(double slope, double start, double change, double p) {}

  private Trend trend(
      DetectorState s, long windowStart, double[] profile, double now, boolean judged) {
    int n = s.recentValues.length;
    if (!judged || s.recentSize < n) {
      return null;
    }
    SimpleRegression regression = new SimpleRegression();
    double sum = 0;
    double first = Long.MAX_VALUE;
    // Oldest first, so that the sums run in the same order whatever the ring position.
    for (int k = 0; k < n; k++) {
      int i = (s.recentNext + k) % n;
      double x = (double) (s.recentStarts[i] - windowStart) / s.windowMillis;
      double y = s.recentValues[i] * ratio(profile, now, profileAt(profile, s, s.recentStarts[i]));
      regression.addData(x, y);
      sum += y;
      first = Math.min(first, x);
    }
    double mean = sum / n;
    double slope = regression.getSlope();
    if (mean == 0) {
      return null;
    }
    double change = slope * -first / Math.abs(mean);
    // The change first: the p-value (a t distribution) is the expensive part.
    if (!(Math.abs(change) >= rules.trendMinChange())) {
      return null;
    }
    double p = regression.getSignificance();
    if (!(p < rules.trendSignificance())) {
      return null;
    }
    return new Trend(slope, regression.predict(first), change, p);
  }

  /** A normal value: into the history, the recent values and the profile. */
  private void learn(DetectorState s, long windowStart, double value) {
    s.historySize =
        remember(s, s.historyValues, s.historyStarts, false, windowStart, value, s.historySize);
    remember(s, s.recentValues, s.recentStarts, true, windowStart, value);
    if (!seasonalApplies(s)) {
      return;
    }
    int hour = hourOf(s, windowStart);
    int n = ++s.seasonalCounts[hour];
    double alpha = Math.max(1.0 / n, 1.0 / (rules.seasonalMemoryDays() * windowsPerHour(s)));
    s.seasonalLevels[hour] += alpha * (value - s.seasonalLevels[hour]);
  }

  private static void remember(
      DetectorState s, double[] values, long[] starts, boolean recent, long start, double value) {
    remember(s, values, starts, recent, start, value, s.recentSize);
  }

  /** Appends to a ring; returns its new size. */
  private static int remember(
      DetectorState s,
      double[] values,
      long[] starts,
      boolean recent,
      long start,
      double value,
      int size) {
    int next = recent ? s.recentNext : s.historyNext;
    values[next] = value;
    starts[next] = start;
    next = (next + 1) % values.length;
    int newSize = Math.min(size + 1, values.length);
    if (recent) {
      s.recentNext = next;
      s.recentSize = newSize;
    } else {
      s.historyNext = next;
    }
    return newSize;
  }

  private static void addRun(DetectorState s, long start, double value) {
    s.runValues[s.runNext] = value;
    s.runStarts[s.runNext] = start;
    s.runNext = (s.runNext + 1) % s.runValues.length;
    s.runSize = Math.min(s.runSize + 1, s.runValues.length);
  }

  /** The level shift is the new normal: history and recent values restart from the run. */
  private Alert rebaseline(
      DetectorState s, long windowStart, double value, double oldBaseline, int version) {
    int n = s.runValues.length;
    s.historySize = 0;
    s.historyNext = 0;
    s.recentSize = 0;
    s.recentNext = 0;
    double[] run = new double[n];
    for (int k = 0; k < n; k++) {
      int i = (s.runNext + k) % n;
      run[k] = s.runValues[i];
      s.historySize =
          remember(
              s,
              s.historyValues,
              s.historyStarts,
              false,
              s.runStarts[i],
              s.runValues[i],
              s.historySize);
      remember(s, s.recentValues, s.recentStarts, true, s.runStarts[i], s.runValues[i]);
    }
    double level = median(run);
    if (oldBaseline > 0 && level > 0) {
      // The daily shape stays; its level follows the shift.
      for (int h = 0; h < 24; h++) {
        s.seasonalLevels[h] *= level / oldBaseline;
      }
    }
    String was = s.incident;
    s.incident = null;
    s.runSize = 0;
    s.runNext = 0;
    s.normalStreak = 0;
    return alert(
        s,
        windowStart,
        RESOLVED,
        value,
        level,
        1.0,
        version,
        String.format(
            Locale.ROOT,
            "%s of %s: level shift, %d windows at about %.4g (baseline was %.4g) since the %s;"
                + " re-baselined",
            rules.metric().label(),
            keyText(s),
            n,
            level,
            oldBaseline,
            was));
  }

  private Alert resolve(
      DetectorState s, long windowStart, double value, double baseline, int version) {
    String was = s.incident;
    long since = s.incidentStart;
    s.incident = null;
    s.normalStreak = 0;
    s.runSize = 0;
    s.runNext = 0;
    return alert(
        s,
        windowStart,
        RESOLVED,
        value,
        baseline,
        1.0,
        version,
        String.format(
            Locale.ROOT,
            "%s of %s: back to normal (%.4g, baseline %.4g) for %d windows after the %s of window"
                + " %d",
            rules.metric().label(),
            keyText(s),
            value,
            baseline,
            rules.cooldown(),
            was,
            since));
  }

  private String message(DetectorState s, String pattern, double value, double baseline, double z) {
    String what =
        switch (pattern) {
          case SPIKE -> String.format(Locale.ROOT, "spike to %.4g, %.2fx", value, value / baseline);
          case DROP ->
              String.format(Locale.ROOT, "drop to %.4g, %.0f%% of", value, 100 * value / baseline);
          default ->
              String.format(
                  Locale.ROOT,
                  "anomaly: %.4g, %+.0f%% from",
                  value,
                  100 * (value - baseline) / Math.abs(baseline));
        };
    return String.format(
        Locale.ROOT,
        "%s of %s: %s the baseline %.4g (%+.1f robust sigma)",
        rules.metric().label(),
        keyText(s),
        what,
        baseline,
        z);
  }

  private Alert alert(
      DetectorState s,
      long windowStart,
      String pattern,
      double value,
      double baseline,
      double confidence,
      int version,
      String message) {
    Alert a = new Alert();
    a.eventType = s.eventType;
    a.dimensions = new HashMap<>(s.dimensions);
    a.granularity = s.granularity;
    a.windowStart = windowStart;
    a.windowEnd = windowStart + s.windowMillis;
    a.pattern = pattern;
    a.metric = rules.metric().label();
    a.value = value;
    a.baseline = baseline;
    a.confidence = Math.max(0, Math.min(1, confidence));
    a.version = version;
    a.message = message;
    return a;
  }

  private static String keyText(DetectorState s) {
    return s.dimensions.isEmpty() ? s.eventType : s.eventType + new TreeMap<>(s.dimensions);
  }

  // ---- daily profile ----

  private boolean seasonalApplies(DetectorState s) {
    return rules.seasonal() && s.windowMillis <= HOUR && HOUR % s.windowMillis == 0;
  }

  private static long windowsPerHour(DetectorState s) {
    return HOUR / s.windowMillis;
  }

  private static int hourOf(DetectorState s, long windowStart) {
    return (int) (Math.floorMod(windowStart + s.windowMillis / 2, DAY) / HOUR);
  }

  /** The profile's levels when every hour is known and all are positive, else null. */
  private double[] profile(DetectorState s) {
    if (!seasonalApplies(s)) {
      return null;
    }
    long needed = rules.seasonalMinDays() * windowsPerHour(s);
    for (int h = 0; h < 24; h++) {
      if (s.seasonalCounts[h] < needed || !(s.seasonalLevels[h] > 0)) {
        return null;
      }
    }
    return s.seasonalLevels;
  }

  /** The profile at the middle of a window, linear between hour centres; 1 without profile. */
  private static double profileAt(double[] profile, DetectorState s, long windowStart) {
    if (profile == null) {
      return 1;
    }
    double hours = Math.floorMod(windowStart + s.windowMillis / 2, DAY) / (double) HOUR - 0.5;
    double floor = Math.floor(hours);
    int lo = Math.floorMod((int) floor, 24);
    int hi = (lo + 1) % 24;
    double frac = hours - floor;
    return profile[lo] * (1 - frac) + profile[hi] * frac;
  }

  private static double ratio(double[] profile, double now, double then) {
    return profile == null ? 1 : now / then;
  }

  // ---- statistics ----

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** An outlier as it enters the recent values: clamped to the baseline ± sigma · spread. */
  private double winsorized(double value, double baseline, double spread) {
    double bound = rules.sigma() * spread;
    return Math.max(baseline - bound, Math.min(baseline + bound, value));
  }

  private static double square(double x) {
    return x * x;
  }
}
