package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/**
 * The job's three ClickHouse sinks, configured from the {@code clickhouse.*} options: window
 * aggregates and alerts exactly-once by default ({@code checkpoint} strategy), high-priority raw
 * events at-least-once with low latency ({@code hybrid}, 10 rows or 200 ms).
 */
public final class ClickHouseSinks {
  private ClickHouseSinks() {}

  /** Whether {@code clickhouse.url} is set. */
  public static boolean enabled(JobConfig config) {
    return !config.get(JobOptions.CLICKHOUSE_URL).isBlank();
  }

  public static ClickHouseSink<WindowAggregate> aggregates(JobConfig config) {
    return new ClickHouseSink<>(
        settings(
            config,
            JobOptions.CLICKHOUSE_AGGREGATES_TABLE,
            JobOptions.CLICKHOUSE_AGGREGATES_STRATEGY,
            JobOptions.CLICKHOUSE_AGGREGATES_MAX_ROWS,
            JobOptions.CLICKHOUSE_AGGREGATES_MAX_BYTES,
            JobOptions.CLICKHOUSE_AGGREGATES_INTERVAL),
        new WindowAggregateRowEncoder());
  }

  public static ClickHouseSink<Alert> alerts(JobConfig config) {
    return new ClickHouseSink<>(
        settings(
            config,
            JobOptions.CLICKHOUSE_ALERTS_TABLE,
            JobOptions.CLICKHOUSE_ALERTS_STRATEGY,
            JobOptions.CLICKHOUSE_ALERTS_MAX_ROWS,
            JobOptions.CLICKHOUSE_ALERTS_MAX_BYTES,
            JobOptions.CLICKHOUSE_ALERTS_INTERVAL),
        new AlertRowEncoder());
  }

  public static ClickHouseSink<AnalyticsEvent> highPriorityEvents(JobConfig config) {
    return new ClickHouseSink<>(
        settings(
            config,
            JobOptions.CLICKHOUSE_EVENTS_TABLE,
            JobOptions.CLICKHOUSE_EVENTS_STRATEGY,
            JobOptions.CLICKHOUSE_EVENTS_MAX_ROWS,
            JobOptions.CLICKHOUSE_EVENTS_MAX_BYTES,
            JobOptions.CLICKHOUSE_EVENTS_INTERVAL),
        new HighPriorityEventRowEncoder());
  }

  /** The connection of {@code clickhouse.*}. */
  public static ClickHouseConnection connection(JobConfig config) {
    return new ClickHouseConnection(
        config.get(JobOptions.CLICKHOUSE_URL),
        config.get(JobOptions.CLICKHOUSE_DATABASE),
        config.get(JobOptions.CLICKHOUSE_USER),
        config.get(JobOptions.CLICKHOUSE_PASSWORD),
        config.get(JobOptions.CLICKHOUSE_COMPRESSION) == JobOptions.ClickHouseCompression.GZIP,
        config.get(JobOptions.CLICKHOUSE_CONNECT_TIMEOUT),
        config.get(JobOptions.CLICKHOUSE_REQUEST_TIMEOUT),
        trustStore(config));
  }

  private static ClickHouseConnection.TrustStore trustStore(JobConfig config) {
    String path = config.get(JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION);
    return path == null
        ? null
        : new ClickHouseConnection.TrustStore(
            path,
            config.get(JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_TYPE),
            config.get(JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD));
  }

  /** The retry policy of {@code clickhouse.retry.*}. */
  public static RetryPolicy retryPolicy(JobConfig config) {
    return new RetryPolicy(
        config.get(JobOptions.CLICKHOUSE_RETRY_MAX_ATTEMPTS),
        config.get(JobOptions.CLICKHOUSE_RETRY_INITIAL_BACKOFF),
        config.get(JobOptions.CLICKHOUSE_RETRY_MAX_BACKOFF),
        config.get(JobOptions.CLICKHOUSE_RETRY_MULTIPLIER),
        config.get(JobOptions.CLICKHOUSE_RETRY_JITTER));
  }

  private static ClickHouseSinkSettings settings(
      JobConfig config,
      ConfigOption<String> table,
      ConfigOption<BatchStrategy> strategy,
      ConfigOption<Integer> maxRows,
      ConfigOption<Integer> maxBytes,
      ConfigOption<Duration> interval) {
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
            config.get(JobOptions.CLICKHOUSE_MAX_PARTITIONS_PER_INSERT)),
        retryPolicy(config),
        config.get(JobOptions.CLICKHOUSE_CREATE_TABLES));
  }
}
