package dev.analytics.pipeline.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * An amount to add to one daily counter: the bucket (metric, dimension values, UTC day) and the
 * increment. A Flink POJO.
 *
 * <p>{@code dimensionValues} follow the order of {@code postgres.daily-counter-dimensions}; an
 * absent dimension is the empty string, so the bucket key has no nulls.
 */
public class DailyCounterIncrement {
  /** The event type. */
  public String metric;

  public String[] dimensionValues = new String[0];

  /** UTC day as days since 1970-01-01. */
  public long epochDay;

  public long count;

  public DailyCounterIncrement() {}

  public DailyCounterIncrement(String metric, String[] dimensionValues, long epochDay, long count) {
    this.metric = metric;
    this.dimensionValues = dimensionValues;
    this.epochDay = epochDay;
    this.count = count;
  }

  /**
   * The bucket as one string that sorts by metric, then dimensions, then day, and that no two
   * buckets share: each part has its U+0000 written as U+0000 U+0001 and ends with U+0000 U+0000,
   * which sorts before anything a part can continue with.
   */
  public String bucketKey() {
    StringBuilder key = new StringBuilder(metric.length() + 16 * dimensionValues.length + 16);
    part(key, metric);
    for (String value : dimensionValues) {
      part(key, value);
    }
    return key.append(String.format("%010d", epochDay)).toString();
  }

  private static void part(StringBuilder key, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      key.append(c);
      if (c == 0) {
        key.append('\u0001');
      }
    }
    key.append('\u0000').append('\u0000');
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DailyCounterIncrement d)) {
      return false;
    }
    return epochDay == d.epochDay
        && count == d.count
        && Objects.equals(metric, d.metric)
        && Arrays.equals(dimensionValues, d.dimensionValues);
  }

  @Override
  public int hashCode() {
    return Objects.hash(metric, Arrays.hashCode(dimensionValues), epochDay, count);
  }

  @Override
  public String toString() {
    return "DailyCounterIncrement{"
        + metric
        + Arrays.toString(dimensionValues)
        + " day="
        + epochDay
        + " +"
        + count
        + "}";
  }
}
