package dev.analytics.pipeline.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The statistics of one aggregation key over one tumbling event-time window. A Flink POJO.
 *
 * <p>Identity: (eventType, dimensions, granularity, windowStart). A late event within the allowed
 * lateness re-emits the window with {@code version + 1}; the highest version is the result.
 */
public class WindowAggregate {
  public String eventType;
  public Map<String, String> dimensions = new HashMap<>();
  public long windowStart;
  public long windowEnd;

  /** Window size label, e.g. {@code 1m}, {@code 1h}. */
  public String granularity;

  /** 0 for the first emission of the window, +1 for each re-emission caused by late events. */
  public int version;

  /** Horvitz-Thompson estimate of the number of events (sum of the sampling weights). */
  public double estimatedCount;

  /** Events actually kept by sampling and aggregated. */
  public long keptCount;

  /** Effective sampling rate: keptCount / estimatedCount (1 when nothing was sampled out). */
  public double sampleRate;

  public WindowAggregate() {}

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof WindowAggregate w)) {
      return false;
    }
    return windowStart == w.windowStart
        && windowEnd == w.windowEnd
        && version == w.version
        && Double.compare(estimatedCount, w.estimatedCount) == 0
        && keptCount == w.keptCount
        && Double.compare(sampleRate, w.sampleRate) == 0
        && Objects.equals(eventType, w.eventType)
        && Objects.equals(dimensions, w.dimensions)
        && Objects.equals(granularity, w.granularity);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventType, dimensions, windowStart, granularity, version);
  }

  @Override
  public String toString() {
    return "WindowAggregate{"
        + eventType
        + dimensions
        + " ["
        + windowStart
        + ","
        + windowEnd
        + ") "
        + granularity
        + " v"
        + version
        + " est="
        + estimatedCount
        + " kept="
        + keptCount
        + "}";
  }
}
