package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Committer;

/**
 * Inserts the committables of a completed checkpoint, in order, each with its deduplication token.
 * Transient failures are retried with backoff (the task waits: backpressure); a permanent failure
 * or exhausted retries fail the job, which restores the committables from the checkpoint and
 * commits them again (the same bytes, the same token). A committable inserted twice collapses by
 * the table's ReplacingMergeTree key (and, on servers with {@code insert_deduplication_token} and a
 * deduplication window, is dropped by the server).
 */
final class ClickHouseCommitter implements Committer<ClickHouseCommittable> {
  private final ClickHouseInserter inserter;
  private final ClickHouseSinkMetrics metrics;

  ClickHouseCommitter(ClickHouseInserter inserter, ClickHouseSinkMetrics metrics) {
    this.inserter = inserter;
    this.metrics = metrics;
  }

  @Override
  public void commit(Collection<CommitRequest<ClickHouseCommittable>> requests)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    for (CommitRequest<ClickHouseCommittable> request : requests) {
      ClickHouseCommittable c = request.getCommittable();
      inserter.insert(c.table(), c.columnList(), c.rows(), c.rowCount(), c.token());
    }
    if (!requests.isEmpty()) {
      metrics.commitLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
  }

  @Override
  public void close() {}
}
