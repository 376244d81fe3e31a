package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Committer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts the committables of a completed checkpoint, in order, each with its deduplication token.
 * Transient failures are retried with backoff (the task waits: backpressure); a permanent failure
 * fails the job, which restores the committables from the checkpoint and commits them again (the
 * same bytes, the same token). A committable inserted twice collapses by the table's
 * ReplacingMergeTree key (and, on servers with {@code insert_deduplication_token} and a
 * deduplication window, is dropped by the server).
 *
 * <p>With a {@link ClickHouseCircuitBreaker} (the job's committers), exhausted retries do not fail
 * the job: the committable whose insert gave up, and every one after it, is handed back to Flink
 * with {@link CommitRequest#retryLater()} (the same committable, so the same bytes and token: when
 * it is committed at last, nothing is doubled), and the breaker opens. Flink calls again at once; a
 * call that finds the breaker open waits, with one probe insert per probe interval, until
 * ClickHouse takes the first committable, then commits the rest. The task waits meanwhile: the job
 * is backpressured, checkpoints cannot complete and fail by their timeout, within {@code
 * checkpoint.tolerable-failures}. Flink retries a call at once up to {@code sink.committer.retries}
 * (10) times, so waiting in the call rather than handing back again is what keeps a long outage
 * from failing the job; the committer hands back again only if ClickHouse went away again after a
 * successful probe.
 */
final class ClickHouseCommitter implements Committer<ClickHouseCommittable> {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseCommitter.class);

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
    ClickHouseCircuitBreaker breaker = inserter.breaker();
    // Handed back before (or open since an earlier commit): wait for ClickHouse this time.
    boolean waitWhileOpen =
        breaker != null && breaker.state() != ClickHouseCircuitBreaker.State.CLOSED;
    int handedBack = 0;
    for (CommitRequest<ClickHouseCommittable> request : requests) {
      ClickHouseCommittable c = request.getCommittable();
      if (waitWhileOpen || breaker == null) {
        inserter.insert(c.table(), c.columnList(), c.rows(), c.rowCount(), c.token());
      } else if (!inserter.insertUnlessOpen(
          c.table(), c.columnList(), c.rows(), c.rowCount(), c.token())) {
        request.retryLater();
        handedBack++;
      }
    }
    if (handedBack > 0) {
      LOG.warn(
          "{} of {} committables handed back to Flink (retryLater, same token) while ClickHouse is"
              + " unreachable; the next attempt waits for it",
          handedBack,
          requests.size());
    } else if (!requests.isEmpty()) {
      metrics.commitLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
  }

  @Override
  public void close() {}
}
