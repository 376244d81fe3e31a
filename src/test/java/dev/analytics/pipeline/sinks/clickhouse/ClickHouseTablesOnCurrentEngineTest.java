package dev.analytics.pipeline.sinks.clickhouse;

/**
 * The 18.16 DDL ({@code sql/clickhouse/*.sql}, with the deduplication window the job adds there) on
 * the current engine: the tables a job of an earlier version created on a current server, or that
 * an analyst created from those files, keep working. See {@link TablesOnCurrentEngine}.
 */
class ClickHouseTablesOnCurrentEngineTest extends TablesOnCurrentEngine {
  @Override
  TableVariant variant() {
    return TableVariant.LEGACY;
  }
}
