package dev.analytics.pipeline.model;

import java.util.Arrays;
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

  /** Kept events that carried a value; the value statistics below are over these. */
  public long valueCount;

  /** Horvitz-Thompson estimate of the sum of the values (sum of weight x value). */
  public double sum;

  /** Statistics of the kept values; NaN when valueCount is 0 (sample variance: below 2). */
  public double min = Double.NaN;

  public double max = Double.NaN;
  public double mean = Double.NaN;
  public double variancePop = Double.NaN;
  public double varianceSample = Double.NaN;
  public double stddevPop = Double.NaN;
  public double stddevSample = Double.NaN;

  /** Percentiles of the kept values from the sketch (relative error at most 1%); NaN if none. */
  public double p50 = Double.NaN;

  public double p75 = Double.NaN;
  public double p90 = Double.NaN;
  public double p95 = Double.NaN;
  public double p99 = Double.NaN;
  public double p999 = Double.NaN;

  /**
   * How unusual this window is for its key, in [0, 1] (the pattern detector's anomaly likelihood;
   * see docs/detection.md); 0 during the key's warm-up; NaN when the detector did not judge the
   * window (a rollup, detection off, a statistic's window with too few values, a re-emission of a
   * window older than the key's latest).
   */
  public double anomalyScore = Double.NaN;

  /**
   * The bins of the percentile sketch, which SQL merges over any set of rows ({@code SketchBins}):
   * one key per non-empty bin, ascending, and the number of kept values in each. Empty when there
   * is no value.
   */
  public int[] sketchIndex = new int[0];

  public double[] sketchCount = new double[0];

  public WindowAggregate() {}

  /** A copy of every field (the dimensions map copied too). */
  public WindowAggregate copy() {
    WindowAggregate c = new WindowAggregate();
    c.eventType = eventType;
    c.dimensions = dimensions == null ? null : new HashMap<>(dimensions);
    c.windowStart = windowStart;
    c.windowEnd = windowEnd;
    c.granularity = granularity;
    c.version = version;
    c.estimatedCount = estimatedCount;
    c.keptCount = keptCount;
    c.sampleRate = sampleRate;
    c.valueCount = valueCount;
    c.sum = sum;
    c.min = min;
    c.max = max;
    c.mean = mean;
    c.variancePop = variancePop;
    c.varianceSample = varianceSample;
    c.stddevPop = stddevPop;
    c.stddevSample = stddevSample;
    c.p50 = p50;
    c.p75 = p75;
    c.p90 = p90;
    c.p95 = p95;
    c.p99 = p99;
    c.p999 = p999;
    c.anomalyScore = anomalyScore;
    c.sketchIndex = sketchIndex == null ? null : sketchIndex.clone();
    c.sketchCount = sketchCount == null ? null : sketchCount.clone();
    return c;
  }

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
        && valueCount == w.valueCount
        && Double.compare(sum, w.sum) == 0
        && Double.compare(min, w.min) == 0
        && Double.compare(max, w.max) == 0
        && Double.compare(mean, w.mean) == 0
        && Double.compare(variancePop, w.variancePop) == 0
        && Double.compare(varianceSample, w.varianceSample) == 0
        && Double.compare(stddevPop, w.stddevPop) == 0
        && Double.compare(stddevSample, w.stddevSample) == 0
        && Double.compare(p50, w.p50) == 0
        && Double.compare(p75, w.p75) == 0
        && Double.compare(p90, w.p90) == 0
        && Double.compare(p95, w.p95) == 0
        && Double.compare(p99, w.p99) == 0
        && Double.compare(p999, w.p999) == 0
        && Double.compare(anomalyScore, w.anomalyScore) == 0
        && Arrays.equals(sketchIndex, w.sketchIndex)
        && Arrays.equals(sketchCount, w.sketchCount)
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
        + (valueCount > 0 ? " mean=" + mean + " p50=" + p50 + " p99=" + p99 : "")
        + "}";
  }
}
