package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;

/**
 * Whether and how an at-least-once table with a size bound ({@code size}, {@code hybrid}) adapts
 * its rows per insert ({@link AdaptiveBatchSize}): between {@code minRows} and the table's {@code
 * max-rows}, toward {@code targetInsertsPerSecond} inserts per second for the table (all its
 * writers together).
 */
public record AdaptiveBatching(boolean enabled, int minRows, double targetInsertsPerSecond)
    implements Serializable {

  /** Fixed batches of {@code max-rows}. */
  public static final AdaptiveBatching OFF = new AdaptiveBatching(false, 1, 1.0);

  public AdaptiveBatching {
    if (minRows < 1) {
      throw new IllegalArgumentException("minRows must be >= 1");
    }
    if (!(targetInsertsPerSecond > 0 && Double.isFinite(targetInsertsPerSecond))) {
      throw new IllegalArgumentException("targetInsertsPerSecond must be a finite number > 0");
    }
  }
}
