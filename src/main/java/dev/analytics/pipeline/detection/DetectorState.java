package dev.analytics.pipeline.detection;

import java.util.HashMap;
import java.util.Map;

/**
 * What {@link PatternRules} remembers of one key: a Flink POJO (keyed state of {@link
 * PatternDetector}), constant-size whatever the number of windows.
 *
 * <ul>
 *   <li>the baseline history: the last {@code history} normal values with their window starts (a
 *       ring; abnormal values never enter it);
 *   <li>the recent values for the trend regression: the last {@code max(trend.windows, history)}
 *       windows (a ring; an abnormal window enters as its baseline, so that a spike does not tilt
 *       the line);
 *   <li>the run of abnormal values on one side of the baseline (a ring of {@code shift-windows}),
 *       from which the baseline restarts after a level shift;
 *   <li>the daily profile: 24 hour-of-day EWMA levels and their observation counts;
 *   <li>the open incident (pattern, side, streaks of abnormal and of normal windows);
 *   <li>the identity of the key and the bookkeeping of windows (latest window, its version, silent
 *       windows, the event-time timer).
 * </ul>
 */
public class DetectorState {
  public String eventType;
  public Map<String, String> dimensions = new HashMap<>();
  public String granularity;
  public long windowMillis;

  /**
   * The label of the metric the history is of (null in state written before it was recorded): a
   * change of the watched metric while the job runs starts the key over.
   */
  public String metric;

  /** Start of the latest window judged (or, for a statistic, passed over as missing). */
  public long latestStart;

  /** Version of the alerts of the latest window. */
  public int latestVersion;

  /** Whether the latest window was judged from an aggregate (false: a missing window, zero). */
  public boolean latestFromAggregate;

  /** Consecutive windows without any aggregate. */
  public int silentWindows;

  /** The registered event-time timer; {@code Long.MIN_VALUE} when none. */
  public long timer = Long.MIN_VALUE;

  /** Sampling rate of the latest aggregate (noise floor of a count). */
  public double sampleRate = 1.0;

  public double[] historyValues;
  public long[] historyStarts;
  public int historySize;
  public int historyNext;

  public double[] recentValues;
  public long[] recentStarts;
  public int recentSize;
  public int recentNext;

  public double[] runValues;
  public long[] runStarts;
  public int runSize;
  public int runNext;

  public double[] seasonalLevels;
  public int[] seasonalCounts;

  /** Pattern of the open incident; null when none. */
  public String incident;

  /** Window start of the open incident's alert. */
  public long incidentStart;

  /** +1 above the baseline, -1 below. */
  public int incidentSide;

  /** Consecutive outlying windows not yet confirmed as an anomaly. */
  public int outliers;

  /** Consecutive normal windows within the open incident. */
  public int normalStreak;

  // ---- likelihood mode (fields added later: absent in older savepoints, then 0/null) ----

  /** Windows learnt by the model; 0: the model starts with the next value. */
  public int modelWindows;

  /** The model works on the values themselves (a negative value was seen), not on log(x + c). */
  public boolean linearScale;

  /** c of log(x + c): 1 for an integer first value, else 1% of it. */
  public double offset;

  /** Smallest non-zero difference between consecutive values seen (0: none yet). */
  public double resolution;

  /** The previous value (a repeated value leaves the spread alone). */
  public double previousValue = Double.NaN;

  /** Deseasonalised level (robust EWMA, about an hour), on the model's scale. */
  public double level;

  /** Robust spread of the residuals (EWMA of clamped absolute residuals, about a day). */
  public double spread;

  /** Slow level (trend.windows x 4), against which the level's drift is a trend. */
  public double trendLevel;

  /** The UTC day (days since the epoch) of {@link #daySum}; {@code Long.MIN_VALUE} when none. */
  public long day = Long.MIN_VALUE;

  /** Sum and number of the learnt values (model scale) of that day. */
  public double daySum;

  public int dayCount;

  /** Mean of the previous full day's learnt values, against which the profiles are learnt. */
  public double dayMean = Double.NaN;

  /** Consecutive windows in which the level has been a trend away from the slow level. */
  public int trendStreak;

  /**
   * The smoothed prediction (level + profile, model scale) at the first learnt window of each UTC
   * hour of the day, as last completed (about a day ago for the current hour), moved by the level
   * changes reported since (a trend, a re-levelling); NaN when none. Null in older savepoints:
   * allocated empty (the trend rule then goes without it until the hours are seen again).
   */
  public double[] dayAgo;

  /** The prediction at the first learnt window of the current hour, not yet in {@link #dayAgo}. */
  public double dayAgoPending;

  /** The hour (since the epoch) of {@link #dayAgoPending} + 1; 0 when none (older savepoints). */
  public long dayAgoHour;

  /**
   * Slow deseasonalised level (about 4 hours) against which the profiles are learnt once one is in
   * use (before, against the previous day's mean).
   */
  public double profileLevel;

  /** The level before the latest re-levelling, and when that was ({@code Long.MIN_VALUE}: none). */
  public double formerLevel;

  public long releveledAt = Long.MIN_VALUE;

  /** The profile in use: 0 none, 1 daily, 2 weekly. */
  public int seasonMode;

  /** Hour-of-day effects (24) and their observation counts. */
  public double[] dailyEffects;

  public int[] dailyCounts;

  /** Weekday / weekend hour effects (48) and their observation counts. */
  public double[] weeklyEffects;

  public int[] weeklyCounts;

  /** EWMAs of the squared residual without profile, with the daily and the weekly profile. */
  public double plainError;

  public double dailyError;
  public double weeklyError;

  /** Long-run mean and variance of the surprise (-ln p) of quiet windows. */
  public double surpriseMean;

  public double surpriseVariance;
  public int surpriseWindows;

  /** The surprises of the last windows (a ring) and the next slot. */
  public double[] recentSurprises;

  public int surpriseNext;

  /** Window start of the latest alert (suppression); {@code Long.MIN_VALUE} when none. */
  public long lastAlertStart = Long.MIN_VALUE;

  /** Anomaly score of the latest observed window: the anomaly likelihood, in [0, 1]. */
  public double anomalyScore;

  /** 1 - the tail probability of the latest observed window under the model, in [0, 1]. */
  public double rawScore;

  /**
   * The anomaly scores written for the last judged aggregates' windows (a ring of their window
   * starts and scores; the next slot), for a late re-emission of one of them. Null in older
   * savepoints: allocated empty.
   */
  public long[] scoreStarts;

  public double[] scoreValues;
  public int scoreNext;

  /** Whether this key was reported as too sparse for its min-values. */
  public boolean sparseReported;

  public DetectorState() {}

  /** A deep copy. */
  public DetectorState copy() {
    DetectorState c = new DetectorState();
    c.eventType = eventType;
    c.dimensions = new HashMap<>(dimensions);
    c.granularity = granularity;
    c.windowMillis = windowMillis;
    c.metric = metric;
    c.latestStart = latestStart;
    c.latestVersion = latestVersion;
    c.latestFromAggregate = latestFromAggregate;
    c.silentWindows = silentWindows;
    c.timer = timer;
    c.sampleRate = sampleRate;
    c.historyValues = historyValues.clone();
    c.historyStarts = historyStarts.clone();
    c.historySize = historySize;
    c.historyNext = historyNext;
    c.recentValues = recentValues.clone();
    c.recentStarts = recentStarts.clone();
    c.recentSize = recentSize;
    c.recentNext = recentNext;
    c.runValues = runValues.clone();
    c.runStarts = runStarts.clone();
    c.runSize = runSize;
    c.runNext = runNext;
    c.seasonalLevels = seasonalLevels.clone();
    c.seasonalCounts = seasonalCounts.clone();
    c.incident = incident;
    c.incidentStart = incidentStart;
    c.incidentSide = incidentSide;
    c.outliers = outliers;
    c.normalStreak = normalStreak;
    c.modelWindows = modelWindows;
    c.linearScale = linearScale;
    c.offset = offset;
    c.resolution = resolution;
    c.previousValue = previousValue;
    c.level = level;
    c.spread = spread;
    c.trendLevel = trendLevel;
    c.seasonMode = seasonMode;
    c.formerLevel = formerLevel;
    c.releveledAt = releveledAt;
    c.profileLevel = profileLevel;
    c.trendStreak = trendStreak;
    c.dayAgo = dayAgo == null ? null : dayAgo.clone();
    c.dayAgoPending = dayAgoPending;
    c.dayAgoHour = dayAgoHour;
    c.day = day;
    c.daySum = daySum;
    c.dayCount = dayCount;
    c.dayMean = dayMean;
    c.dailyEffects = dailyEffects == null ? null : dailyEffects.clone();
    c.dailyCounts = dailyCounts == null ? null : dailyCounts.clone();
    c.weeklyEffects = weeklyEffects == null ? null : weeklyEffects.clone();
    c.weeklyCounts = weeklyCounts == null ? null : weeklyCounts.clone();
    c.plainError = plainError;
    c.dailyError = dailyError;
    c.weeklyError = weeklyError;
    c.surpriseMean = surpriseMean;
    c.surpriseVariance = surpriseVariance;
    c.surpriseWindows = surpriseWindows;
    c.recentSurprises = recentSurprises == null ? null : recentSurprises.clone();
    c.surpriseNext = surpriseNext;
    c.lastAlertStart = lastAlertStart;
    c.anomalyScore = anomalyScore;
    c.rawScore = rawScore;
    c.scoreStarts = scoreStarts == null ? null : scoreStarts.clone();
    c.scoreValues = scoreValues == null ? null : scoreValues.clone();
    c.scoreNext = scoreNext;
    c.sparseReported = sparseReported;
    return c;
  }
}
