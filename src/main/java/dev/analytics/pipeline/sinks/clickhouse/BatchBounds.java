package dev.analytics.pipeline.sinks.clickhouse;

/**
 * New row bounds of a table's at-least-once inserts, taking effect at once in the writer that
 * receives them ({@link RebatchableClickHouseSink}): batching decides how rows are grouped into
 * inserts, never which rows are written.
 */
public class BatchBounds {
  public int minRows;
  public int maxRows;

  public BatchBounds() {}

  public BatchBounds(int minRows, int maxRows) {
    this.minRows = minRows;
    this.maxRows = maxRows;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchBounds b && b.minRows == minRows && b.maxRows == maxRows;
  }

  @Override
  public int hashCode() {
    return 31 * minRows + maxRows;
  }

  @Override
  public String toString() {
    return "BatchBounds[" + minRows + ".." + maxRows + "]";
  }
}
