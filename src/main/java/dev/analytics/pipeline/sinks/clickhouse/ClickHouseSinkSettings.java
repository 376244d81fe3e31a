package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;
import java.time.Duration;

/**
 * Everything one {@link ClickHouseSink} needs: the connection, its table, how it batches and how it
 * retries, and whether it creates its table at start-up (else it checks that it exists with the
 * expected columns), and the TTL of the table it creates (zero: none).
 */
public record ClickHouseSinkSettings(
    ClickHouseConnection connection,
    String table,
    BatchSettings batch,
    RetryPolicy retry,
    boolean createTables,
    Duration ttl)
    implements Serializable {

  public ClickHouseSinkSettings {
    java.util.Objects.requireNonNull(ttl, "ttl");
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
