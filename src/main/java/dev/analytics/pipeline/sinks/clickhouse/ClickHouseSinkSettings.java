package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;
import java.time.Duration;

/**
 * Everything one {@link ClickHouseSink} needs: the connection, its table, how it batches and how it
 * retries, and whether it creates its table at start-up (else it checks that it exists with the
 * expected columns), the TTL of the table it creates (zero: none), the adaptive batching of an
 * at-least-once table, and the probe interval of the circuit breaker of its writers and committers
 * (zero: no breaker, exhausted retries fail the job).
 */
public record ClickHouseSinkSettings(
    ClickHouseConnection connection,
    String table,
    BatchSettings batch,
    RetryPolicy retry,
    boolean createTables,
    Duration ttl,
    AdaptiveBatching adaptive,
    Duration probeInterval)
    implements Serializable {

  public ClickHouseSinkSettings {
    java.util.Objects.requireNonNull(ttl, "ttl");
    java.util.Objects.requireNonNull(adaptive, "adaptive");
    java.util.Objects.requireNonNull(probeInterval, "probeInterval");
  }

  /** Fixed batches, no circuit breaker. */
  public ClickHouseSinkSettings(
      ClickHouseConnection connection,
      String table,
      BatchSettings batch,
      RetryPolicy retry,
      boolean createTables,
      Duration ttl) {
    this(connection, table, batch, retry, createTables, ttl, AdaptiveBatching.OFF, Duration.ZERO);
  }

  /** Whether writers and committers have a circuit breaker. */
  public boolean breaker() {
    return probeInterval.compareTo(Duration.ZERO) > 0;
  }

  /** Without a TTL. */
  public ClickHouseSinkSettings(
      ClickHouseConnection connection,
      String table,
      BatchSettings batch,
      RetryPolicy retry,
      boolean createTables) {
    this(connection, table, batch, retry, createTables, Duration.ZERO);
  }
}
