package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;

/**
 * Everything one {@link ClickHouseSink} needs: the connection, its table, how it batches and how it
 * retries, and whether it creates its table at start-up (else it checks that it exists with the
 * expected columns).
 */
public record ClickHouseSinkSettings(
    ClickHouseConnection connection,
    String table,
    BatchSettings batch,
    RetryPolicy retry,
    boolean createTables)
    implements Serializable {}
