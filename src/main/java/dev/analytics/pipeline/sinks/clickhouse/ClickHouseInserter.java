package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts RowBinary rows into one table with {@link RetryPolicy}: transient failures are retried
 * with backoff while the caller (the task thread) waits, which is the sink's backpressure during an
 * outage; a permanent failure, or the last transient one, is thrown and fails the job, which then
 * restarts from its last checkpoint.
 *
 * <p>A deduplication token is sent only to servers that know {@code insert_deduplication_token}
 * (the version is asked once, with {@code SELECT version()}).
 */
final class ClickHouseInserter {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseInserter.class);

  private final ClickHouseHttpClient client;
  private final RetryPolicy retry;
  private final ClickHouseSinkMetrics metrics;
  private Boolean tokens;

  ClickHouseInserter(
      ClickHouseHttpClient client, RetryPolicy retry, ClickHouseSinkMetrics metrics) {
    this.client = client;
    this.retry = retry;
    this.metrics = metrics;
  }

  /**
   * Inserts {@code rows} ({@code rowCount} rows) into {@code table}; returns once ClickHouse has
   * acknowledged them.
   *
   * @param token the deduplication token of the insert, or null
   * @throws IOException naming the table and the server's error when the insert failed permanently
   *     or {@code maxAttempts} times
   */
  void insert(String table, String columnList, byte[] rows, int rowCount, String token)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    String what =
        "insert of " + rowCount + " rows into " + client.connection().database() + "." + table;
    try {
      retry.call(
          what,
          () -> {
            if (tokens == null) {
              tokens = client.supportsDeduplicationToken();
            }
            client.insert(table, columnList, rows, tokens ? token : null);
            return null;
          },
          (attempt, backoff, error) -> {
            metrics.failures.inc();
            metrics.retries.inc();
            LOG.warn(
                "{} failed (attempt {}), retrying in {} ms: {}",
                what,
                attempt,
                backoff.toMillis(),
                error.toString());
          });
    } catch (IOException e) {
      metrics.failures.inc();
      throw e;
    }
    metrics.rows.inc(rowCount);
    metrics.inserts.inc();
    metrics.bytes.inc(rows.length);
    metrics.insertLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }
}
