package dev.analytics.pipeline.sinks.clickhouse;

/**
 * When a {@link ClickHouseSink} writes its buffered rows (the original design's per-table
 * strategies).
 *
 * <p>{@link #CHECKPOINT} is the exactly-once strategy: rows are held until a checkpoint, travel in
 * the committable and are inserted when that checkpoint completes. All others are at-least-once:
 * the writer inserts when its trigger fires and at every checkpoint (so a checkpoint never
 * completes with rows still buffered); a replay after a failure inserts some rows again, which the
 * table's ReplacingMergeTree key collapses. Every at-least-once buffer is also bounded by {@code
 * max-bytes}.
 */
public enum BatchStrategy {
  /**
   * Exactly-once: one insert per {@code max-rows}/{@code max-bytes} part, when the checkpoint
   * completes.
   */
  CHECKPOINT,
  /**
   * An insert per row: lowest latency, highest cost (ClickHouse prefers 1,000+ rows per insert).
   */
  IMMEDIATE,
  /** An insert every {@code interval}. */
  TIME,
  /** An insert every {@code max-rows} rows. */
  SIZE,
  /** An insert every {@code max-rows} rows or every {@code interval}, whichever comes first. */
  HYBRID,
  /** An insert every {@code max-bytes} bytes of RowBinary. */
  BYTES;

  public boolean exactlyOnce() {
    return this == CHECKPOINT;
  }

  /** Whether the strategy flushes on a processing-time timer. */
  public boolean timed() {
    return this == TIME || this == HYBRID;
  }
}
