package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/**
 * The job's three ClickHouse sinks, configured from the {@code clickhouse.*} options: window
 * aggregates and alerts exactly-once by default ({@code checkpoint} strategy), high-priority raw
 * events at-least-once with low latency ({@code hybrid}, 5,000 rows or 200 ms, adaptive between 500
 * and 5,000 rows), every writer and committer behind a circuit breaker.
 */
public final class ClickHouseSinks {
  private ClickHouseSinks() {}

  /** Whether {@code clickhouse.url} is set. */
  public static boolean enabled(JobConfig config) {
    return !config.get(ClickHouseOptions.CLICKHOUSE_URL).isBlank();
  }

  public static ClickHouseSink<WindowAggregate> aggregates(JobConfig config) {
    return new ClickHouseSink<>(
        settings(
            config,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_TABLE,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_STRATEGY,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_MAX_ROWS,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_MIN_ROWS,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_MAX_BYTES,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_INTERVAL,
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_TTL),
        new WindowAggregateRowEncoder());
  }

  public static ClickHouseSink<Alert> alerts(JobConfig config) {
    return new ClickHouseSink<>(
        settings(
            config,
            ClickHouseOptions.CLICKHOUSE_ALERTS_TABLE,
            ClickHouseOptions.CLICKHOUSE_ALERTS_STRATEGY,
            ClickHouseOptions.CLICKHOUSE_ALERTS_MAX_ROWS,
            ClickHouseOptions.CLICKHOUSE_ALERTS_MIN_ROWS,
            ClickHouseOptions.CLICKHOUSE_ALERTS_MAX_BYTES,
            ClickHouseOptions.CLICKHOUSE_ALERTS_INTERVAL,
            ClickHouseOptions.CLICKHOUSE_ALERTS_TTL),
        new AlertRowEncoder());
  }

  public static ClickHouseSink<AnalyticsEvent> highPriorityEvents(JobConfig config) {
    return new ClickHouseSink<>(
        settings(
            config,
            ClickHouseOptions.CLICKHOUSE_EVENTS_TABLE,
            ClickHouseOptions.CLICKHOUSE_EVENTS_STRATEGY,
            ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_ROWS,
            ClickHouseOptions.CLICKHOUSE_EVENTS_MIN_ROWS,
            ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_BYTES,
            ClickHouseOptions.CLICKHOUSE_EVENTS_INTERVAL,
            ClickHouseOptions.CLICKHOUSE_EVENTS_TTL),
        new HighPriorityEventRowEncoder());
  }

  /** The connection of {@code clickhouse.*}. */
  public static ClickHouseConnection connection(JobConfig config) {
    return new ClickHouseConnection(
        config.get(ClickHouseOptions.CLICKHOUSE_URL),
        config.get(ClickHouseOptions.CLICKHOUSE_DATABASE),
        config.get(ClickHouseOptions.CLICKHOUSE_USER),
        config.get(ClickHouseOptions.CLICKHOUSE_PASSWORD),
        config.get(ClickHouseOptions.CLICKHOUSE_COMPRESSION)
            == ClickHouseOptions.ClickHouseCompression.GZIP,
        config.get(ClickHouseOptions.CLICKHOUSE_CONNECT_TIMEOUT),
        config.get(ClickHouseOptions.CLICKHOUSE_REQUEST_TIMEOUT),
        trustStore(config));
  }

  private static ClickHouseConnection.TrustStore trustStore(JobConfig config) {
    String path = config.get(ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION);
    return path == null
        ? null
        : new ClickHouseConnection.TrustStore(
            path,
            config.get(ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_TYPE),
            config.get(ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD));
  }

  /** The retry policy of {@code clickhouse.retry.*}. */
  public static RetryPolicy retryPolicy(JobConfig config) {
    return new RetryPolicy(
        config.get(ClickHouseOptions.CLICKHOUSE_RETRY_MAX_ATTEMPTS),
        config.get(ClickHouseOptions.CLICKHOUSE_RETRY_INITIAL_BACKOFF),
        config.get(ClickHouseOptions.CLICKHOUSE_RETRY_MAX_BACKOFF),
        config.get(ClickHouseOptions.CLICKHOUSE_RETRY_MULTIPLIER),
        config.get(ClickHouseOptions.CLICKHOUSE_RETRY_JITTER));
  }

  private static ClickHouseSinkSettings settings(
      JobConfig config,
      ConfigOption<String> table,
      ConfigOption<BatchStrategy> strategy,
      ConfigOption<Integer> maxRows,
      ConfigOption<Integer> minRows,
      ConfigOption<Integer> maxBytes,
      ConfigOption<Duration> interval,
      ConfigOption<Duration> ttl) {
    if (!enabled(config)) {
      throw new IllegalStateException("clickhouse.url is not set");
    }
    return new ClickHouseSinkSettings(
        connection(config),
        config.get(table),
        new BatchSettings(
            config.get(strategy),
            config.get(maxRows),
            config.get(maxBytes),
            config.get(interval),
            config.get(ClickHouseOptions.CLICKHOUSE_MAX_PARTITIONS_PER_INSERT)),
        retryPolicy(config),
        config.get(ClickHouseOptions.CLICKHOUSE_CREATE_TABLES),
        config.get(ttl),
        new AdaptiveBatching(
            config.get(ClickHouseOptions.CLICKHOUSE_BATCH_ADAPTIVE),
            config.get(minRows),
            config.get(ClickHouseOptions.CLICKHOUSE_BATCH_TARGET_INSERTS_PER_SECOND)),
        config.get(ClickHouseOptions.CLICKHOUSE_BREAKER_PROBE_INTERVAL));
  }
}
