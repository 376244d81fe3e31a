package dev.analytics.pipeline.config;

import java.util.Arrays;
import java.util.List;

/**
 * The dimension list of {@code aggregation.dimensions} entries: names separated by spaces or ';'.
 */
public final class AggregationDimensions {
  private AggregationDimensions() {}

  public static List<String> split(String text) {
    return Arrays.stream(text.trim().split("[\\s;]+")).filter(s -> !s.isEmpty()).toList();
  }
}
