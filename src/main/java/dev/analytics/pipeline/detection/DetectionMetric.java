package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.model.WindowAggregate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The metric of a window aggregate that pattern detection watches: {@code count} (the rate, the
 * Horvitz-Thompson estimate of the events) or a statistic of the values. Its name is the lower-case
 * constant name ({@code p95}), used in configuration and in {@code Alert.metric}.
 */
public enum DetectionMetric {
  COUNT,
  MEAN,
  MIN,
  MAX,
  SUM,
  STDDEV,
  P50,
  P75,
  P90,
  P95,
  P99,
  P999;

  /** The configuration name, e.g. {@code p95}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this is the count: a missing window counts as 0 and the Poisson noise floor holds. */
  public boolean isCount() {
    return this == COUNT;
  }

  /** The metric of {@code a}; NaN for a statistic of a window without values. */
  public double of(WindowAggregate a) {
    return switch (this) {
      case COUNT -> a.estimatedCount;
      case MEAN -> a.mean;
      case MIN -> a.min;
      case MAX -> a.max;
      case SUM -> a.sum;
      case STDDEV -> a.stddevPop;
      case P50 -> a.p50;
      case P75 -> a.p75;
      case P90 -> a.p90;
      case P95 -> a.p95;
      case P99 -> a.p99;
      case P999 -> a.p999;
    };
  }

  /** The metric named {@code label} (case-insensitive), or null. */
  public static DetectionMetric parse(String label) {
    for (DetectionMetric m : values()) {
      if (m.label().equalsIgnoreCase(label.trim())) {
        return m;
      }
    }
    return null;
  }

  /** Every label, for messages. */
  public static List<String> labels() {
    return Arrays.stream(values()).map(DetectionMetric::label).toList();
  }
}
