package dev.analytics.pipeline.functions;

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

  public DetectorState() {}

  /** A deep copy. */
  public DetectorState copy() {
    DetectorState c = new DetectorState();
    c.eventType = eventType;
    c.dimensions = new HashMap<>(dimensions);
    c.granularity = granularity;
    c.windowMillis = windowMillis;
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
    return c;
  }
}
