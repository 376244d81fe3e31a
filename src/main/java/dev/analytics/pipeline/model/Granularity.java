package dev.analytics.pipeline.model;

import java.time.Duration;

/** Short labels of window sizes: {@code 1m}, {@code 1h}, {@code 1d}, {@code 30s}, {@code 250ms}. */
public final class Granularity {
  private Granularity() {}

  public static String label(Duration size) {
    long ms = size.toMillis();
    if (ms % 86_400_000L == 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms % 3_600_000L == 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000L == 0) {
      return ms / 1000L + "s";
    }
    return ms + "ms";
  }
}
