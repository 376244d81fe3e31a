package dev.analytics.pipeline.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A pattern detected on the sequence of window aggregates of one key, or the resolution of one. A
 * Flink POJO.
 *
 * <p>Identity: (eventType, dimensions, granularity, windowStart, pattern, metric); a re-emission
 * for the same window (after a late window update) carries {@code version + 1}.
 */
public class Alert {
  public String eventType;
  public Map<String, String> dimensions = new HashMap<>();
  public String granularity;
  public long windowStart;
  public long windowEnd;

  /** spike, drop, anomaly, trend, or resolved (the metric is back to normal). */
  public String pattern;

  /** The watched metric: count, mean, p95, p99, ... */
  public String metric;

  /** The metric in this window. */
  public double value;

  /** What the detector expected (robust baseline of the recent windows). */
  public double baseline;

  /** In [0, 1]. */
  public double confidence;

  public int version;

  /** Human-readable explanation. */
  public String message;

  public Alert() {}

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Alert a)) {
      return false;
    }
    return windowStart == a.windowStart
        && windowEnd == a.windowEnd
        && Double.compare(value, a.value) == 0
        && Double.compare(baseline, a.baseline) == 0
        && Double.compare(confidence, a.confidence) == 0
        && version == a.version
        && Objects.equals(eventType, a.eventType)
        && Objects.equals(dimensions, a.dimensions)
        && Objects.equals(granularity, a.granularity)
        && Objects.equals(pattern, a.pattern)
        && Objects.equals(metric, a.metric)
        && Objects.equals(message, a.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventType, dimensions, windowStart, pattern, metric);
  }

  @Override
  public String toString() {
    return "Alert{"
        + pattern
        + " "
        + eventType
        + dimensions
        + " "
        + metric
        + "="
        + value
        + " baseline="
        + baseline
        + " conf="
        + confidence
        + " @"
        + windowStart
        + " v"
        + version
        + "}";
  }
}
