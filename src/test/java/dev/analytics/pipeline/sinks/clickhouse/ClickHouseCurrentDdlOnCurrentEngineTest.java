package dev.analytics.pipeline.sinks.clickhouse;

/**
 * The current DDL ({@code sql/clickhouse/current/*.sql}: LowCardinality, DateTime64(3, 'UTC'),
 * Map(String, String), codecs) on the current engine, loaded with our encoders' current variant;
 * the queries of {@code sql/clickhouse/current/examples.sql} and the dashboard. See {@link
 * TablesOnCurrentEngine}.
 */
class ClickHouseCurrentDdlOnCurrentEngineTest extends TablesOnCurrentEngine {
  @Override
  TableVariant variant() {
    return TableVariant.CURRENT;
  }
}
