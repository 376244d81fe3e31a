package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.model.Alert;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Erf;
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
 * <p><b>Modes</b> ({@code detection.mode}): {@code likelihood}, the default, is described at {@link
 * #observeLikelihood}: every window gets an anomaly score ({@link Observation}; also left in {@link
 * DetectorState#anomalyScore} and {@link DetectorState#rawScore}) and alerts open at an extreme
 * anomaly likelihood. {@code seed} keeps the rules below, for comparison.
 *
 * <p>The seed rules, for a window of value x once the history holds {@code warmup} values:
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
 * State is constant-size (likelihood mode: about 2 KB serialized whatever the options; each window
 * O(1)). The result is a function of the inputs only (no clock, no randomness), so a state restored
 * from a checkpoint decides and scores as the uninterrupted one.
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
    s.metric = rules.metric().label();
    s.latestStart = Long.MIN_VALUE;
    allocateSeed(s);
    return s;
  }

  /** The rings of the seed rules: sized by the rules in seed mode, empty in likelihood mode. */
  private void allocateSeed(DetectorState s) {
    boolean seed = rules.seedMode();
    s.historySize = 0;
    s.historyNext = 0;
    s.recentSize = 0;
    s.recentNext = 0;
    s.runSize = 0;
    s.runNext = 0;
    if (!seed) {
      s.historyValues = new double[0];
      s.historyStarts = new long[0];
      s.recentValues = new double[0];
      s.recentStarts = new long[0];
      s.runValues = new double[rules.shiftWindows()];
      s.runStarts = new long[rules.shiftWindows()];
      s.seasonalLevels = new double[0];
      s.seasonalCounts = new int[0];
      return;
    }
    s.historyValues = new double[rules.history()];
    s.historyStarts = new long[rules.history()];
    int recent = Math.max(rules.trendWindows(), rules.history());
    s.recentValues = new double[recent];
    s.recentStarts = new long[recent];
    s.runValues = new double[rules.shiftWindows()];
    s.runStarts = new long[rules.shiftWindows()];
    s.seasonalLevels = new double[24];
    s.seasonalCounts = new int[24];
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
    if (!rules.seedMode()) {
      return observeLikelihood(s, windowStart, value, version);
    }
    if (s.historyValues == null
        || s.historyValues.length != rules.history()
        || s.recentValues.length != Math.max(rules.trendWindows(), rules.history())
        || s.runValues.length != rules.shiftWindows()
        || s.seasonalLevels.length != 24) {
      // A state of the other mode (or other sizes): the seed rules start over.
      allocateSeed(s);
    }
    List<Alert> alerts = new ArrayList<>(2);
    s.anomalyScore = 0;
    s.rawScore = 0;
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
      s.rawScore = 1 - Erf.erfc(Math.abs(z) / Math.sqrt(2));
      s.anomalyScore = s.rawScore;
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

  // ---- likelihood mode ----

  /** The memory of the slow level against which the profiles are learnt, in hours. */
  static final double PROFILE_HOURS = 8;

  /** Consecutive windows a trend must last before it is reported. */
  static final int TREND_PERSISTENCE = 15;

  /**
   * A trend: the prediction has also moved from the one a day before (same time of day) by this
   * many times trend.min-change (on the model's scale: log(1 + min-change) for the log scale), so
   * that a daily cycle the profile does not (yet) explain is no trend.
   */
  static final double TREND_DAY_FACTOR = 1.1;

  /** A trend: the level at least this many spreads from the slow level (and trend.min-change). */
  static final double TREND_SIGMAS = 2;

  /** The level's memory, in windows (about an hour of 5-minute windows). */
  static final int LEVEL_WINDOWS = 12;

  /** The spread's memory, in windows (a day of 5-minute windows). */
  static final int SPREAD_WINDOWS = 288;

  /** Windows of the short mean of the surprise. */
  static final int SHORT_WINDOWS = 6;

  /** The long-run memory of the surprise's mean and variance, in windows. */
  static final int LONG_WINDOWS = 2016;

  /** Degrees of freedom of the t tail of the residuals (heavier than Gaussian). */
  static final double TAIL_DF = 5;

  /** A window is outlying (may open, continue or shift an incident) below this tail probability. */
  static final double OUTLYING_P = 0.01;

  /**
   * The surprise of one window is clamped to this (p = 2e-9), so that one window weighs finitely.
   */
  static final double MAX_SURPRISE = 20;

  /** A window this improbable on its own opens an alert whatever the likelihood (z about 20). */
  static final double DIRECT_P = 1e-5;

  /** The surprise enters its long-run mean and variance clamped to this (p = 3e-4). */
  static final double STATS_SURPRISE = 8;

  /** Residuals enter the level clamped to this many spreads (a Huber M-estimate). */
  static final double LEVEL_CLAMP = 2;

  /** Residuals enter the spread and the profiles' errors clamped to this many spreads. */
  static final double SPREAD_CLAMP = 4;

  /** A profile is used when it cuts the squared residuals by this factor. */
  static final double SEASON_GAIN = 0.8;

  /** The score of one window: the tail probability under the model and the likelihood. */
  public record Observation(double anomalyScore, double rawScore, List<Alert> alerts) {}

  /**
   * {@link #observe} returning the window's scores with its alerts: {@code anomalyScore} (the
   * anomaly likelihood in likelihood mode, 0 during the warm-up) and {@code rawScore} (1 − the
   * window's two-sided tail probability under the model).
   */
  public Observation observeWindow(
      DetectorState s, long windowStart, double value, double sampleRate, int version) {
    List<Alert> alerts = observe(s, windowStart, value, sampleRate, version);
    return new Observation(s.anomalyScore, s.rawScore, alerts);
  }

  /**
   * Windows learnt before the first judgement: warmup-windows and warmup-days, whichever is more.
   */
  int warmupWindows(DetectorState s) {
    long byDay = (long) Math.ceil(rules.warmupDays() * DAY / s.windowMillis);
    return (int) Math.max(rules.warmupWindows(), Math.min(byDay, Integer.MAX_VALUE));
  }

  private static void ensureModel(DetectorState s) {
    if (s.dailyEffects == null || s.dailyEffects.length != 24) {
      s.dailyEffects = new double[24];
      s.dailyCounts = new int[24];
    }
    if (s.weeklyEffects == null || s.weeklyEffects.length != 48) {
      s.weeklyEffects = new double[48];
      s.weeklyCounts = new int[48];
    }
    if (s.dayAgo == null || s.dayAgo.length != 24) {
      s.dayAgo = new double[24];
      Arrays.fill(s.dayAgo, Double.NaN);
      s.dayAgoHour = 0;
    }
    if (s.recentSurprises == null || s.recentSurprises.length != SHORT_WINDOWS) {
      s.recentSurprises = new double[SHORT_WINDOWS];
      s.modelWindows = 0;
    }
  }

  private static double toModel(DetectorState s, double x) {
    return s.linearScale ? x : Math.log(Math.max(x + s.offset, Double.MIN_NORMAL));
  }

  private static double fromModel(DetectorState s, double y) {
    return s.linearScale ? y : Math.exp(y) - s.offset;
  }

  /** The model starts from value x. */
  private static void startModel(DetectorState s, double x) {
    s.offset = x == Math.rint(x) ? 1 : Math.max(0.01 * Math.abs(x), Double.MIN_NORMAL);
    s.level = toModel(s, x);
    s.trendLevel = s.level;
    s.profileLevel = s.level;
    s.spread = 0;
    s.plainError = 0;
    s.dailyError = 0;
    s.weeklyError = 0;
    Arrays.fill(s.dailyEffects, 0);
    Arrays.fill(s.dailyCounts, 0);
    Arrays.fill(s.weeklyEffects, 0);
    Arrays.fill(s.weeklyCounts, 0);
    s.seasonMode = 0;
    s.releveledAt = Long.MIN_VALUE;
    s.day = Long.MIN_VALUE;
    s.daySum = 0;
    s.dayCount = 0;
    s.dayMean = Double.NaN;
    s.surpriseMean = 1;
    s.surpriseVariance = 1;
    s.surpriseWindows = 0;
    Arrays.fill(s.recentSurprises, 1);
    s.surpriseNext = 0;
    Arrays.fill(s.dayAgo, Double.NaN);
    s.dayAgoHour = 0;
  }

  /**
   * Keeps the prediction y at the first learnt window of each hour, for {@link #dayAgo}: the hour
   * before is complete; hours without a learnt window (a gap, an incident) are forgotten.
   */
  private static void rememberHour(DetectorState s, long t, double y) {
    long hour = Math.floorDiv(t, HOUR) + 1;
    if (s.dayAgoHour != hour) {
      if (s.dayAgoHour > 0 && hour > s.dayAgoHour) {
        s.dayAgo[(int) Math.floorMod(s.dayAgoHour - 1, 24L)] = s.dayAgoPending;
        for (long h = s.dayAgoHour + 1; h < hour && h <= s.dayAgoHour + 24; h++) {
          s.dayAgo[(int) Math.floorMod(h - 1, 24L)] = Double.NaN;
        }
      }
      s.dayAgoPending = y;
      s.dayAgoHour = hour;
    }
  }

  /** Moves the kept predictions by delta: a level change already reported is no new trend. */
  private static void shiftDayAgo(DetectorState s, double delta) {
    for (int i = 0; i < s.dayAgo.length; i++) {
      s.dayAgo[i] += delta;
    }
    s.dayAgoPending += delta;
  }

  /** The prediction about a day before t (between the kept hours); NaN when not known. */
  private static double dayAgo(DetectorState s, long t) {
    long ofDay = Math.floorMod(t, DAY);
    int hour = (int) (ofDay / HOUR);
    double frac = (ofDay % HOUR) / (double) HOUR;
    double at = s.dayAgo[hour];
    double next = s.dayAgo[(hour + 1) % 24];
    return Double.isNaN(next) ? at : Double.isNaN(at) ? next : at + frac * (next - at);
  }

  /** The neighbouring hour centres of a window: {lo bin, hi bin} and the weight of hi. */
  private record Hours(int dayLo, int dayHi, int weekLo, int weekHi, double frac) {}

  private static Hours hours(DetectorState s, long windowStart) {
    long centre = windowStart + s.windowMillis / 2;
    double position = Math.floorMod(centre, DAY) / (double) HOUR - 0.5;
    double frac = position - Math.floor(position);
    long lo = centre - Math.round(frac * HOUR);
    long hi = lo + HOUR;
    int dayLo = (int) (Math.floorMod(lo, DAY) / HOUR);
    int dayHi = (int) (Math.floorMod(hi, DAY) / HOUR);
    return new Hours(dayLo, dayHi, weekBin(lo, dayLo), weekBin(hi, dayHi), frac);
  }

  /** Weekday hours 0..23, weekend (Saturday, Sunday, UTC) hours 24..47. */
  private static int weekBin(long time, int hour) {
    long day = Math.floorDiv(time, DAY);
    int dayOfWeek = (int) Math.floorMod(day + 3, 7); // 1970-01-01 was a Thursday; Monday = 0
    return (dayOfWeek >= 5 ? 24 : 0) + hour;
  }

  /** 0: no profile, 1: the daily profile, 2: the weekly one, as the history shows them. */
  private int season(DetectorState s) {
    if (!seasonalApplies(s)) {
      return 0;
    }
    long needed = rules.seasonalMinDays() * windowsPerHour(s);
    // Hysteresis: a profile in use stays while it does better than none.
    boolean daily = s.dailyError < (s.seasonMode >= 1 ? 1 : SEASON_GAIN) * s.plainError;
    for (int h = 0; h < 24 && daily; h++) {
      daily = s.dailyCounts[h] >= needed;
    }
    boolean weekly =
        s.weeklyError
                < (s.seasonMode == 2 ? 1 : SEASON_GAIN) * (daily ? s.dailyError : s.plainError)
            && (long) s.modelWindows * s.windowMillis >= 8 * DAY;
    for (int h = 0; h < 48 && weekly; h++) {
      weekly = s.weeklyCounts[h] >= windowsPerHour(s);
    }
    return weekly ? 2 : daily ? 1 : 0;
  }

  private static double effect(double[] effects, int lo, int hi, double frac) {
    return effects[lo] * (1 - frac) + effects[hi] * frac;
  }

  /** The spread of the residuals with its floors, on the model's scale, around prediction y. */
  private double sigma(DetectorState s, double y) {
    double expected = fromModel(s, y);
    double step = s.resolution > 0 ? s.resolution : s.linearScale ? 0 : s.offset;
    double floor;
    if (s.linearScale) {
      floor = Math.max(0.5 * step, 1e-9 * Math.max(1, Math.abs(expected)));
      if (rules.metric().isCount()) {
        floor = Math.max(floor, Math.sqrt(Math.max(expected, 1) / s.sampleRate));
      }
    } else {
      double scale = Math.exp(y); // x + c
      floor = Math.max(0.5 * step / scale, MIN_RELATIVE_SPREAD);
      if (rules.metric().isCount()) {
        floor = Math.max(floor, Math.sqrt(Math.max(expected, 1) / s.sampleRate) / scale);
      }
    }
    return Math.max(s.spread, floor);
  }

  /** Two-sided tail probability of a t variate with {@link #TAIL_DF} degrees of freedom. */
  static double tail(double z) {
    if (!Double.isFinite(z)) {
      return Double.isNaN(z) ? 1 : 0;
    }
    return Beta.regularizedBeta(TAIL_DF / (TAIL_DF + z * z), TAIL_DF / 2, 0.5);
  }

  /**
   * The likelihood mode (see {@code detection.mode}): a robust streaming model of the key on the
   * log scale (log(x + c)), a level (Huber EWMA, {@link #LEVEL_WINDOWS}), hour-of-day and weekday /
   * weekend hour profiles used only when they cut the residuals, a spread (EWMA of clamped absolute
   * residuals) floored by the values' resolution, 1% and, for the count, Poisson noise. The
   * window's tail probability p (t tail) gives the surprise −ln p; the anomaly likelihood compares
   * the mean surprise of the last {@link #SHORT_WINDOWS} windows with the long-run mean and
   * variance of the surprise of quiet windows (a Gaussian tail).
   *
   * <p>A trend (no open incident, not suppressed, once the profile has settled): for {@link
   * #TREND_PERSISTENCE} consecutive windows, the level is trend.min-change and {@link
   * #TREND_SIGMAS} spreads away from the slow level (an EWMA of 4 × trend.windows) and the
   * prediction (level with the profile in use) has moved the same way by {@link #TREND_DAY_FACTOR}
   * × trend.min-change from the prediction at the same time of day a day before (kept per hour,
   * moved by the level changes reported since: a trend, a re-levelled shift). A daily cycle the
   * profile explains badly (it was learnt across an incident) moves the level against the slow
   * level on every rise and fall, but is where it was a day before: no trend. For windows without a
   * profile (longer than an hour, or seasonal.enabled false) the day before is not asked.
   */
  private List<Alert> observeLikelihood(DetectorState s, long t, double x, int version) {
    ensureModel(s);
    List<Alert> alerts = new ArrayList<>(2);
    if (!s.linearScale && x < 0) {
      s.linearScale = true;
      s.modelWindows = 0;
    }
    if (s.modelWindows == 0) {
      startModel(s, x);
      s.previousValue = Double.NaN;
      s.resolution = 0;
    }
    boolean repeated = x == s.previousValue;
    double previousValue = s.previousValue;
    s.previousValue = x;

    double y = toModel(s, x);
    Hours h = hours(s, t);
    double daily = effect(s.dailyEffects, h.dayLo, h.dayHi, h.frac);
    double weekly = effect(s.weeklyEffects, h.weekLo, h.weekHi, h.frac);
    int season = season(s);
    double seasonal = season == 2 ? weekly : season == 1 ? daily : 0;
    if (season != s.seasonMode) {
      // Another profile: the levels move so that the prediction stays where it was.
      double before = s.seasonMode == 2 ? weekly : s.seasonMode == 1 ? daily : 0;
      s.level += before - seasonal;
      s.trendLevel += before - seasonal;
      s.profileLevel = s.level;
      s.seasonMode = season;
    }
    double predicted = s.level + seasonal;
    double sigma = sigma(s, predicted);
    double residual = y - predicted;
    double z = residual / sigma;
    double p = tail(z);
    double surprise = Math.min(-Math.log(Math.max(p, Double.MIN_NORMAL)), MAX_SURPRISE);
    s.recentSurprises[s.surpriseNext] = surprise;
    s.surpriseNext = (s.surpriseNext + 1) % SHORT_WINDOWS;
    double sum = 0;
    for (double u : s.recentSurprises) {
      sum += u;
    }
    double shortMean = sum / SHORT_WINDOWS;
    double lz =
        (shortMean - s.surpriseMean)
            / Math.sqrt(Math.max(s.surpriseVariance, 0.05) / SHORT_WINDOWS);
    double likelihoodTail = 0.5 * Erf.erfc(lz / Math.sqrt(2));

    int warmup = warmupWindows(s);
    boolean warm = s.modelWindows >= warmup;
    boolean outlying = p <= OUTLYING_P;
    int side = residual > 0 ? 1 : -1;
    double expected = fromModel(s, predicted);
    s.rawScore = 1 - p;
    s.anomalyScore = warm ? 1 - likelihoodTail : 0;
    boolean suppressed =
        s.lastAlertStart != Long.MIN_VALUE
            && (t - s.lastAlertStart) / s.windowMillis < rules.suppressionWindows();
    boolean learn = true;

    if (warm && s.incident != null && !TREND.equals(s.incident)) {
      learn = false;
      if (outlying) {
        s.normalStreak = 0;
        if (side != s.incidentSide) {
          // Outliers on both sides: the noise has grown (not a spike); the spread learns it.
          s.incidentSide = side;
          s.runSize = 0;
          s.runNext = 0;
          learn = true;
        }
        addRun(s, t, y);
        if (s.runSize >= rules.shiftWindows()) {
          alerts.add(relevel(s, t, x, expected, version));
        }
      } else {
        s.runSize = 0;
        s.runNext = 0;
        if (++s.normalStreak >= rules.cooldown()) {
          alerts.add(resolve(s, t, x, expected, version));
        }
        learn = true;
      }
    } else if (warm
        && outlying
        && !suppressed
        && (likelihoodTail <= 1 - rules.alertLikelihood() || p <= DIRECT_P)) {
      if (TREND.equals(s.incident)) {
        s.incident = null;
      }
      String pattern;
      if (side > 0) {
        pattern = x >= rules.spikeFactor() * expected && expected > 0 ? SPIKE : ANOMALY;
      } else {
        pattern = x <= rules.dropFactor() * expected ? DROP : ANOMALY;
      }
      s.incident = pattern;
      s.incidentStart = t;
      s.incidentSide = side;
      s.normalStreak = 0;
      s.runSize = 0;
      s.runNext = 0;
      addRun(s, t, y);
      s.lastAlertStart = t;
      learn = false;
      double confidence =
          1 - 0.5 * Math.log(1 - rules.alertLikelihood()) / Math.log(likelihoodTail);
      alerts.add(
          alert(
              s,
              t,
              pattern,
              x,
              expected,
              confidence,
              version,
              likelihoodMessage(s, pattern, x, expected, z, 1 - likelihoodTail)));
    } else if (warm && TREND.equals(s.incident)) {
      // The trend goes on while the level keeps moving away from where it was at the alert.
      if (trendChange(s) * s.incidentSide >= rules.trendMinChange() / 2) {
        s.trendLevel = s.level;
        s.normalStreak = 0;
      } else if (++s.normalStreak >= Math.max(rules.cooldown(), rules.trendWindows())) {
        alerts.add(resolve(s, t, x, expected, version));
      }
    }

    if (learn) {
      learnModel(s, t, h, y, z, sigma, season, repeated, warmup, surprise, outlying);
      if (warm && s.incident == null && !suppressed) {
        Alert trend = likelihoodTrend(s, t, x, sigma, version);
        if (trend != null) {
          alerts.add(trend);
        }
      }
    }
    rememberHour(s, t, prediction(s, t));
    // The resolution after the judgement: a jump out of a flat stretch is judged by the one before.
    if (Double.isFinite(previousValue) && !repeated) {
      double d = Math.abs(x - previousValue);
      s.resolution = s.resolution > 0 ? Math.min(s.resolution, d) : d;
    }
    s.modelWindows = (int) Math.min((long) s.modelWindows + 1, Integer.MAX_VALUE);
    return alerts;
  }

  private void learnModel(
      DetectorState s,
      long t,
      Hours h,
      double y,
      double z,
      double sigma,
      int season,
      boolean repeated,
      int warmup,
      double surprise,
      boolean outlying) {
    int n = s.modelWindows;
    double levelRate = Math.max(1.0 / (n + 1), 1.0 / LEVEL_WINDOWS);
    double daily = effect(s.dailyEffects, h.dayLo, h.dayHi, h.frac);
    double weekly = effect(s.weeklyEffects, h.weekLo, h.weekHi, h.frac);
    double seasonal = season == 2 ? weekly : season == 1 ? daily : 0;
    double clampL = LEVEL_CLAMP * sigma;
    double clampS = SPREAD_CLAMP * sigma;
    // The profiles are learnt against the mean of the previous day, and judged by how much of the
    // squared deviation from it they explain (a moving level would follow the cycle and hide it).
    long day = Math.floorDiv(t, DAY);
    if (day != s.day) {
      if (s.dayCount >= DAY / s.windowMillis / 2) {
        s.dayMean = s.daySum / s.dayCount;
      }
      s.day = day;
      s.daySum = 0;
      s.dayCount = 0;
    }
    s.daySum += y;
    s.dayCount++;
    double base = s.seasonMode > 0 ? y - s.profileLevel : y - s.dayMean;
    if (seasonalApplies(s) && Double.isFinite(s.dayMean)) {
      // Clamped against outliers, not against the cycle itself.
      double clampP = clampS + 2 * Math.sqrt(s.plainError);
      double errorRate = Math.max(1.0 / (n + 1), 1.0 / (2.0 * DAY / s.windowMillis));
      double r0 = Math.min(Math.abs(base), clampP);
      double r1 = Math.min(Math.abs(base - daily), clampP);
      double r2 = Math.min(Math.abs(base - weekly), clampP);
      s.plainError += errorRate * (r0 * r0 - s.plainError);
      s.dailyError += errorRate * (r1 * r1 - s.dailyError);
      s.weeklyError += errorRate * (r2 * r2 - s.weeklyError);
      double memory = rules.seasonalMemoryDays() * (double) windowsPerHour(s);
      int dayBin = h.frac < 0.5 ? h.dayLo : h.dayHi;
      double a1 = Math.max(1.0 / ++s.dailyCounts[dayBin], 1.0 / memory);
      double e1 = Math.max(-clampP, Math.min(clampP, base - daily));
      s.dailyEffects[h.dayLo] += a1 * (1 - h.frac) * e1;
      s.dailyEffects[h.dayHi] += a1 * h.frac * e1;
      int weekBin = h.frac < 0.5 ? h.weekLo : h.weekHi;
      double a2 = Math.max(1.0 / ++s.weeklyCounts[weekBin], 1.0 / memory);
      double e2 = Math.max(-clampP, Math.min(clampP, base - weekly));
      s.weeklyEffects[h.weekLo] += a2 * (1 - h.frac) * e2;
      s.weeklyEffects[h.weekHi] += a2 * h.frac * e2;
      // Effects of mean zero (a week: 5 weekdays, 2 weekend days): the level carries the mean,
      // so that a level shift does not leave a bias in the profiles.
      demean(s.dailyEffects, 0, 24, 1);
      double weekMean = 0;
      for (int b = 0; b < 48; b++) {
        weekMean += s.weeklyEffects[b] * (b < 24 ? 5 : 2);
      }
      weekMean /= 7 * 24;
      demean(s.weeklyEffects, 0, 48, 0);
      for (int b = 0; b < 48; b++) {
        s.weeklyEffects[b] -= weekMean;
      }
    }
    double deviation = y - seasonal - s.level;
    if (!repeated) {
      double spreadRate = Math.max(1.0 / (n + 1), 1.0 / SPREAD_WINDOWS);
      s.spread += spreadRate * (1.2533 * Math.min(Math.abs(deviation), clampS) - s.spread);
    }
    double levelBefore = s.level;
    s.level += levelRate * Math.max(-clampL, Math.min(clampL, deviation));
    if (TREND.equals(s.incident)) {
      shiftDayAgo(s, s.level - levelBefore);
    }
    double profileRate = Math.max(1.0 / (n + 1), s.windowMillis / (PROFILE_HOURS * HOUR));
    s.profileLevel +=
        profileRate * Math.max(-clampS, Math.min(clampS, y - seasonal - s.profileLevel));
    double trendRate = Math.max(1.0 / (n + 1), 1.0 / (4.0 * rules.trendWindows()));
    s.trendLevel += trendRate * Math.max(-clampS, Math.min(clampS, y - seasonal - s.trendLevel));
    // A repeated value (a flat stretch) teaches the surprise's distribution nothing either.
    if (n >= warmup / 2 && s.incident == null && !repeated) {
      double rate = 1.0 / Math.min(50 + s.surpriseWindows, LONG_WINDOWS);
      // Clamped: a few extreme windows (the start of noise) do not blunt the likelihood for days.
      double delta = Math.min(surprise, STATS_SURPRISE) - s.surpriseMean;
      s.surpriseMean += rate * delta;
      s.surpriseVariance = (1 - rate) * (s.surpriseVariance + rate * delta * delta);
      s.surpriseWindows = Math.min(s.surpriseWindows + 1, LONG_WINDOWS);
    }
  }

  /**
   * A trend: the level has moved from the slow level by trend.min-change and two spreads, and from
   * the day before (see {@link #observeLikelihood}), for {@link #TREND_PERSISTENCE} windows.
   */
  private Alert likelihoodTrend(DetectorState s, long t, double x, double sigma, int version) {
    if (s.modelWindows < warmupWindows(s) + rules.trendWindows()
        || (seasonalApplies(s)
            && (long) s.modelWindows * s.windowMillis < (rules.seasonalMinDays() + 1) * DAY)) {
      // Until the profile is settled, the slow level starts from the level.
      s.trendLevel = s.level;
      return null;
    }
    double gap = s.level - s.trendLevel;
    double change = trendChange(s);
    if (!(Math.abs(change) >= rules.trendMinChange())
        || Math.abs(gap) < TREND_SIGMAS * sigma
        || !changedSinceDayAgo(s, t, gap)) {
      s.trendStreak = 0;
      return null;
    }
    // A trend persists: a wandering level (a profile that fits badly for an hour) does not.
    if (++s.trendStreak < TREND_PERSISTENCE) {
      return null;
    }
    s.trendStreak = 0;
    if (s.releveledAt != Long.MIN_VALUE
        && (t - s.releveledAt) / s.windowMillis < DAY / s.windowMillis
        && Math.abs(s.level - s.formerLevel) < Math.abs(gap) / 2) {
      // Back towards the level before a re-levelled incident (a burst that decays): the end of
      // that incident, not a new trend.
      s.trendLevel = s.level;
      s.releveledAt = Long.MIN_VALUE;
      return null;
    }
    double from = fromModel(s, s.trendLevel);
    s.incident = TREND;
    s.incidentStart = t;
    s.incidentSide = gap > 0 ? 1 : -1;
    s.normalStreak = 0;
    s.lastAlertStart = t;
    shiftDayAgo(s, gap);
    s.trendLevel = s.level;
    double confidence = 1 - 0.5 * rules.trendMinChange() / Math.abs(change);
    return alert(
        s,
        t,
        TREND,
        x,
        from,
        confidence,
        version,
        String.format(
            Locale.ROOT,
            "%s of %s: %s trend, %+.0f%% from %.4g (the slow level) to %.4g",
            rules.metric().label(),
            keyText(s),
            gap > 0 ? "rising" : "falling",
            100 * change,
            from,
            fromModel(s, s.level)));
  }

  /**
   * Whether the prediction has moved, on the trend's side, by {@link #TREND_DAY_FACTOR} times
   * trend.min-change from the one a day before at the same time of day (for windows of a profile;
   * not known: no).
   */
  private boolean changedSinceDayAgo(DetectorState s, long t, double gap) {
    if (!seasonalApplies(s)) {
      return true;
    }
    double ago = dayAgo(s, t);
    if (Double.isNaN(ago)) {
      return false;
    }
    double needed =
        s.linearScale ? rules.trendMinChange() * Math.abs(ago) : Math.log1p(rules.trendMinChange());
    return (prediction(s, t) - ago) * Math.signum(gap) >= TREND_DAY_FACTOR * needed;
  }

  /** The level with the profile in use at t, on the model's scale. */
  private static double prediction(DetectorState s, long t) {
    Hours h = hours(s, t);
    return s.level
        + (s.seasonMode == 2
            ? effect(s.weeklyEffects, h.weekLo, h.weekHi, h.frac)
            : s.seasonMode == 1 ? effect(s.dailyEffects, h.dayLo, h.dayHi, h.frac) : 0);
  }

  /** Subtracts the mean of values[from, to) when {@code apply} is 1. */
  private static void demean(double[] values, int from, int to, int apply) {
    if (apply == 0) {
      return;
    }
    double mean = 0;
    for (int i = from; i < to; i++) {
      mean += values[i];
    }
    mean /= to - from;
    for (int i = from; i < to; i++) {
      values[i] -= mean;
    }
  }

  /** The relative change from the slow level to the level. */
  private static double trendChange(DetectorState s) {
    if (s.linearScale) {
      return s.trendLevel == 0 ? 0 : (s.level - s.trendLevel) / Math.abs(s.trendLevel);
    }
    double from = fromModel(s, s.trendLevel);
    return from > 0 ? (fromModel(s, s.level) - from) / from : 0;
  }

  /** The run of outlying windows is the new normal: the level restarts from it. */
  private Alert relevel(DetectorState s, long t, double x, double oldExpected, int version) {
    int n = s.runValues.length;
    double[] run = new double[n];
    for (int k = 0; k < n; k++) {
      run[k] = s.runValues[(s.runNext + k) % n];
    }
    double newLevel = median(run);
    s.formerLevel = s.level;
    s.releveledAt = t;
    Hours h = hours(s, t);
    int season = season(s);
    double seasonal =
        season == 2
            ? effect(s.weeklyEffects, h.weekLo, h.weekHi, h.frac)
            : season == 1 ? effect(s.dailyEffects, h.dayLo, h.dayHi, h.frac) : 0;
    s.level = newLevel - seasonal;
    shiftDayAgo(s, s.level - s.formerLevel);
    s.trendLevel = s.level;
    s.profileLevel = s.level;
    Arrays.fill(s.recentSurprises, s.surpriseMean);
    String was = s.incident;
    s.incident = null;
    s.runSize = 0;
    s.runNext = 0;
    s.normalStreak = 0;
    double level = fromModel(s, newLevel);
    return alert(
        s,
        t,
        RESOLVED,
        x,
        level,
        1.0,
        version,
        String.format(
            Locale.ROOT,
            "%s of %s: level shift, %d windows at about %.4g (expected %.4g) since the %s;"
                + " re-levelled",
            rules.metric().label(),
            keyText(s),
            n,
            level,
            oldExpected,
            was));
  }

  private String likelihoodMessage(
      DetectorState s, String pattern, double value, double expected, double z, double likelihood) {
    String what =
        switch (pattern) {
          case SPIKE -> String.format(Locale.ROOT, "spike to %.4g, %.2fx", value, value / expected);
          case DROP ->
              String.format(Locale.ROOT, "drop to %.4g, %.0f%% of", value, 100 * value / expected);
          default ->
              String.format(
                  Locale.ROOT,
                  "anomaly: %.4g, %+.0f%% from",
                  value,
                  expected == 0 ? 0 : 100 * (value - expected) / Math.abs(expected));
        };
    return String.format(
        Locale.ROOT,
        "%s of %s: %s the expected %.4g (anomaly likelihood %.6f, %+.1f robust sigma)",
        rules.metric().label(),
        keyText(s),
        what,
        expected,
        likelihood,
        z);
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
