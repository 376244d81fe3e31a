package dev.analytics.pipeline.sinks.clickhouse;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The row bound of the inserts of one at-least-once writer, adapted to its traffic and to
 * ClickHouse: it moves toward the bound at which the batch fills once per target interval (about
 * one insert per second per table, as ClickHouse asks), and halves when an insert is slow (longer
 * than the target interval: ClickHouse does not keep up) or needed retries. It stays within {@code
 * [minRows, maxRows]} and starts at {@code minRows}.
 *
 * <p>Only inserts the size bound triggered say something about it: one cut by the time trigger, a
 * checkpoint, the end of input or a new partition was not full, and leaves the bound as it is. When
 * a full batch follows the previous insert after an interval {@code t}, the bound is scaled by
 * {@code target / t}, at most doubled or halved per insert, so that a sudden burst does not make
 * one huge insert and a lull does not shrink it to nothing at once.
 *
 * <p>{@link #rebatch} changes the bounds while the job runs. The writer's task thread reads the
 * bound for every row (a volatile read) and reports insert starts; its inserting thread reports
 * their ends. The clock ({@code System::nanoTime} in production) is injected for the tests.
 */
final class AdaptiveBatchSize {
  private final long targetIntervalNanos;
  private final LongSupplier nanoClock;

  private volatile int rows;
  private int minRows;
  private int maxRows;
  private long lastStart;
  private boolean started;

  /**
   * @param targetInterval the wanted time between two inserts of this writer: the table's target
   *     interval times the number of writers of the table
   */
  AdaptiveBatchSize(int minRows, int maxRows, Duration targetInterval, LongSupplier nanoClock) {
    if (targetInterval.isNegative() || targetInterval.isZero()) {
      throw new IllegalArgumentException("targetInterval must be > 0");
    }
    this.targetIntervalNanos = targetInterval.toNanos();
    this.nanoClock = nanoClock;
    bounds(minRows, maxRows);
    this.rows = minRows;
  }

  /** The current bound: an insert holds at most this many rows. */
  int rows() {
    return rows;
  }

  synchronized int minRows() {
    return minRows;
  }

  synchronized int maxRows() {
    return maxRows;
  }

  /** New bounds, effective from the next row; the current bound is moved into them. */
  synchronized void rebatch(int minRows, int maxRows) {
    bounds(minRows, maxRows);
    rows = clamp(rows);
  }

  /** An insert of the buffer starts now; {@code full} when the size bound triggered it. */
  synchronized void onInsertStarted(boolean full) {
    long now = nanoClock.getAsLong();
    if (full && started) {
      long interval = Math.max(1, now - lastStart);
      double factor = Math.max(0.5, Math.min(2.0, (double) targetIntervalNanos / interval));
      rows = clamp((long) Math.ceil(rows * factor));
    }
    lastStart = now;
    started = true;
  }

  /**
   * An insert ended after {@code latencyNanos} (its retries included); {@code retried} when some of
   * its attempts failed.
   */
  synchronized void onInsertFinished(long latencyNanos, boolean retried) {
    if (retried || latencyNanos > targetIntervalNanos) {
      rows = clamp(rows / 2);
    }
  }

  private void bounds(int minRows, int maxRows) {
    if (minRows < 1 || maxRows < minRows) {
      throw new IllegalArgumentException(
          "need 1 <= minRows <= maxRows, got " + minRows + " and " + maxRows);
    }
    this.minRows = minRows;
    this.maxRows = maxRows;
  }

  private int clamp(long value) {
    return (int) Math.max(minRows, Math.min(maxRows, value));
  }
}
