package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts RowBinary rows into one table with {@link RetryPolicy}: transient failures are retried
 * with backoff while the caller waits, which is the sink's backpressure during an outage.
 *
 * <p>Without a {@link ClickHouseCircuitBreaker}, a permanent failure, or the last transient one, is
 * thrown and fails the job, which then restarts from its last checkpoint. With one (the writers and
 * committers of the job), an insert whose retries ran out opens the breaker instead: {@link
 * #insert} then waits, sending one probe per probe interval, until ClickHouse takes the rows, and
 * {@link #insertUnlessOpen} hands the rows back to its caller. Permanent failures are thrown in
 * either case, except an unknown table or database, which opens the breaker too (a server shutting
 * down answers that).
 *
 * <p>A deduplication token is sent only to servers that know {@code insert_deduplication_token}
 * (the version is asked once, with {@code SELECT version()}).
 */
final class ClickHouseInserter {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseInserter.class);

  private final ClickHouseHttpClient client;
  private final RetryPolicy retry;
  private final RetryPolicy probe;
  private final ClickHouseSinkMetrics metrics;
  private final ClickHouseCircuitBreaker breaker;
  private Boolean tokens;

  /** Without a circuit breaker: exhausted retries are thrown. */
  ClickHouseInserter(
      ClickHouseHttpClient client, RetryPolicy retry, ClickHouseSinkMetrics metrics) {
    this(client, retry, metrics, null);
  }

  ClickHouseInserter(
      ClickHouseHttpClient client,
      RetryPolicy retry,
      ClickHouseSinkMetrics metrics,
      ClickHouseCircuitBreaker breaker) {
    this.client = client;
    this.retry = retry;
    // A half-open breaker's probe is one request: the probe interval is its backoff.
    this.probe =
        new RetryPolicy(
            1, retry.initialBackoff(), retry.maxBackoff(), retry.multiplier(), retry.jitter());
    this.metrics = metrics;
    this.breaker = breaker;
    if (breaker != null) {
      metrics.register(breaker);
    }
  }

  ClickHouseCircuitBreaker breaker() {
    return breaker;
  }

  /**
   * Inserts {@code rows} ({@code rowCount} rows) into {@code table}; returns once ClickHouse has
   * acknowledged them. With a circuit breaker this waits as long as ClickHouse is unreachable.
   *
   * @param token the deduplication token of the insert, or null
   * @throws IOException naming the table and the server's error when the insert failed permanently,
   *     or (without a breaker) {@code maxAttempts} times
   */
  void insert(String table, String columnList, byte[] rows, int rowCount, String token)
      throws IOException, InterruptedException {
    if (breaker == null) {
      attempt(table, columnList, rows, rowCount, token, retry);
      return;
    }
    while (true) {
      breaker.awaitPermission();
      if (attemptThroughBreaker(table, columnList, rows, rowCount, token)) {
        return;
      }
    }
  }

  /**
   * Inserts as {@link #insert} does, unless the breaker is open: then, and when this insert's
   * retries run out (the breaker opens), it returns false at once without the rows having been
   * acknowledged, so that the caller can hand them back (the committer's {@code retryLater}).
   */
  boolean insertUnlessOpen(String table, String columnList, byte[] rows, int rowCount, String token)
      throws IOException, InterruptedException {
    if (breaker == null) {
      attempt(table, columnList, rows, rowCount, token, retry);
      return true;
    }
    if (!breaker.tryAcquire()) {
      return false;
    }
    return attemptThroughBreaker(table, columnList, rows, rowCount, token);
  }

  /**
   * One insert with the retries the breaker allows; false when it failed and opened the breaker.
   */
  private boolean attemptThroughBreaker(
      String table, String columnList, byte[] rows, int rowCount, String token)
      throws IOException, InterruptedException {
    try {
      attempt(table, columnList, rows, rowCount, token, breaker.probing() ? probe : retry);
    } catch (ClickHouseException e) {
      if (e.isTransient() || vanishedTable(e)) {
        breaker.onFailure(e);
        return false;
      }
      throw e;
    } catch (GaveUp e) {
      breaker.onFailure(e.getCause() != null ? e.getCause() : e);
      return false;
    }
    breaker.onSuccess();
    return true;
  }

  /**
   * Unknown table or database at insert time. The sink inserts only into tables it created or
   * checked at start-up, so such an answer means a server shutting down (ClickHouse 18.16 answers
   * it for new requests while it detaches its tables after SIGTERM, for up to about 20 s here) or a
   * table dropped under the running job: the breaker waits for the one, and for the other the job
   * fails by its checkpoint tolerance and its restart's table check names the table.
   */
  private static boolean vanishedTable(ClickHouseException e) {
    return e.code() == 60 || e.code() == 81;
  }

  /** The retries of an insert ran out on transient failures. */
  private static final class GaveUp extends IOException {
    GaveUp(IOException e) {
      super(e.getMessage(), e.getCause());
    }
  }

  private void attempt(
      String table, String columnList, byte[] rows, int rowCount, String token, RetryPolicy policy)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    String what =
        "insert of " + rowCount + " rows into " + client.connection().database() + "." + table;
    try {
      policy.call(
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
      // The last of transient failures comes wrapped, with the failure as its cause; a permanent
      // one as it is.
      if (breaker != null
          && e.getCause() != null
          && !(e instanceof ClickHouseException)
          && ClickHouseErrors.isTransient(e.getCause())) {
        throw new GaveUp(e);
      }
      throw e;
    }
    metrics.rows.inc(rowCount);
    metrics.inserts.inc();
    metrics.bytes.inc(rows.length);
    metrics.insertLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }
}
