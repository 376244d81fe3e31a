package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;
import java.time.Duration;

/**
 * The batching of one table: a {@link BatchStrategy} and its limits.
 *
 * @param maxRows rows per insert: the size trigger of {@code size}/{@code hybrid}, the cut of
 *     {@code checkpoint} parts
 * @param maxBytes RowBinary bytes per insert: the trigger of {@code bytes}, a bound of every
 *     buffer, the cut of {@code checkpoint} parts
 * @param interval the time trigger of {@code time}/{@code hybrid}: the age of the oldest buffered
 *     row
 * @param maxPartitions table partitions (days) per insert, at most: every insert and part is cut
 *     before a row of one more partition (current ClickHouse refuses an insert of more than {@code
 *     max_partitions_per_insert_block}, 100 by default)
 */
public record BatchSettings(
    BatchStrategy strategy, int maxRows, long maxBytes, Duration interval, int maxPartitions)
    implements Serializable {

  /** ClickHouse's default {@code max_partitions_per_insert_block}. */
  public static final int DEFAULT_MAX_PARTITIONS = 100;

  public BatchSettings(BatchStrategy strategy, int maxRows, long maxBytes, Duration interval) {
    this(strategy, maxRows, maxBytes, interval, DEFAULT_MAX_PARTITIONS);
  }

  /**
   * At-least-once strategies: whether a buffer of {@code rows} rows and {@code bytes} bytes must be
   * inserted now (without looking at its age).
   */
  public boolean isFull(int rows, long bytes) {
    return isFull(rows, bytes, maxRows);
  }

  /** {@link #isFull(int, long)} with a row bound of {@code rowBound} instead of {@code maxRows}. */
  public boolean isFull(int rows, long bytes, int rowBound) {
    if (rows == 0) {
      return false;
    }
    return switch (strategy) {
      case CHECKPOINT -> false;
      case IMMEDIATE -> true;
      case SIZE, HYBRID -> rows >= rowBound || bytes >= maxBytes;
      case TIME, BYTES -> bytes >= maxBytes;
    };
  }

  /** Timed strategies: whether a buffer whose oldest row is {@code ageMillis} old is due. */
  public boolean isDue(int rows, long ageMillis) {
    return rows > 0 && strategy.timed() && ageMillis >= interval.toMillis();
  }

  /**
   * {@code checkpoint}: whether a row of {@code rowBytes} bytes starts a new part after a part of
   * {@code rows} rows and {@code bytes} bytes (a part holds at least one row).
   */
  public boolean startsNewPart(int rows, long bytes, int rowBytes) {
    return rows > 0 && (rows >= maxRows || bytes + rowBytes > maxBytes);
  }
}
