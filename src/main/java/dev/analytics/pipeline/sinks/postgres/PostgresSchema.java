package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.config.ConfigException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The tables of the PostgreSQL sinks: their DDL (the files in {@code sql/postgres/} are this DDL
 * for the default names, checked by a test), and the start-up step that creates them ({@code
 * postgres.create-tables: true}) or checks that they exist with every column and the unique key the
 * upserts need.
 *
 * <p>Errors are {@link ConfigException}s naming the table's key ({@code postgres.table.*}) and the
 * table, e.g. {@code Configuration error at 'postgres.table.aggregates': table
 * analytics_window_aggregate does not exist ...}.
 */
public final class PostgresSchema {
  private PostgresSchema() {}

  /** One table: its configuration key, name, DDL, columns and conflict key. */
  record Table(
      String optionKey, String name, String file, List<String> columns, List<String> key) {}

  /**
   * The tables the settings need: aggregates and alerts always, daily counters if enabled, the
   * commit records in exactly-once mode.
   */
  static List<Table> tables(PostgresSettings s) {
    List<Table> tables = new ArrayList<>();
    tables.add(
        new Table(
            PostgresOptions.POSTGRES_TABLE_AGGREGATES.key(),
            s.aggregatesTable(),
            "sql/postgres/001_window_aggregates.sql",
            PostgresStatements.AGGREGATE_COLUMNS,
            PostgresStatements.AGGREGATE_KEY));
    tables.add(
        new Table(
            PostgresOptions.POSTGRES_TABLE_ALERTS.key(),
            s.alertsTable(),
            "sql/postgres/002_alerts.sql",
            PostgresStatements.ALERT_COLUMNS,
            PostgresStatements.ALERT_KEY));
    if (s.dailyCounters()) {
      tables.add(
          new Table(
              PostgresOptions.POSTGRES_TABLE_DAILY_COUNTERS.key(),
              s.dailyCountersTable(),
              "sql/postgres/003_daily_counters.sql",
              PostgresStatements.dailyCounterColumns(s.dailyCounterDimensions()),
              PostgresStatements.dailyCounterKey(s.dailyCounterDimensions())));
    }
    if (s.exactlyOnce()) {
      tables.add(
          new Table(
              PostgresOptions.POSTGRES_TABLE_COMMITS.key(),
              s.commitsTable(),
              "sql/postgres/004_sink_commits.sql",
              List.of("gid", "prepared_at"),
              List.of("gid")));
    }
    return tables;
  }

  /** DDL of the window aggregates table. */
  public static List<String> aggregatesDdl(String table) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (\n"
            + "  event_type      text             NOT NULL,\n"
            + "  dimensions      jsonb            NOT NULL,\n"
            + "  granularity     text             NOT NULL,\n"
            + "  window_start    timestamptz      NOT NULL,\n"
            + "  window_end      timestamptz      NOT NULL,\n"
            + "  version         integer          NOT NULL,\n"
            + "  estimated_count double precision NOT NULL,\n"
            + "  kept_count      bigint           NOT NULL,\n"
            + "  sample_rate     double precision NOT NULL,\n"
            + "  value_count     bigint           NOT NULL,\n"
            + "  sum             double precision NOT NULL,\n"
            + "  min             double precision,\n"
            + "  max             double precision,\n"
            + "  mean            double precision,\n"
            + "  variance_pop    double precision,\n"
            + "  variance_sample double precision,\n"
            + "  stddev_pop      double precision,\n"
            + "  stddev_sample   double precision,\n"
            + "  p50             double precision,\n"
            + "  p75             double precision,\n"
            + "  p90             double precision,\n"
            + "  p95             double precision,\n"
            + "  p99             double precision,\n"
            + "  p999            double precision,\n"
            + "  anomaly_score   double precision,\n"
            + "  sketch_index    integer[],\n"
            + "  sketch_count    double precision[],\n"
            + "  PRIMARY KEY (event_type, dimensions, granularity, window_start)\n"
            + ")",
        "CREATE INDEX IF NOT EXISTS "
            + localName(table)
            + "_window_start_idx ON "
            + table
            + " (window_start)",
        // Tables of versions before the anomaly score (PostgreSQL 9.6 and later).
        "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS anomaly_score double precision",
        // Tables of versions before the sketch's bins.
        "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS sketch_index integer[]",
        "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS sketch_count double precision[]");
  }

  /** DDL of the alerts table. */
  public static List<String> alertsDdl(String table) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (\n"
            + "  event_type   text             NOT NULL,\n"
            + "  dimensions   jsonb            NOT NULL,\n"
            + "  granularity  text             NOT NULL,\n"
            + "  window_start timestamptz      NOT NULL,\n"
            + "  pattern      text             NOT NULL,\n"
            + "  metric       text             NOT NULL,\n"
            + "  window_end   timestamptz      NOT NULL,\n"
            + "  value        double precision,\n"
            + "  baseline     double precision,\n"
            + "  confidence   double precision,\n"
            + "  version      integer          NOT NULL,\n"
            + "  message      text,\n"
            + "  PRIMARY KEY (event_type, dimensions, granularity, window_start, pattern, metric)\n"
            + ")",
        "CREATE INDEX IF NOT EXISTS "
            + localName(table)
            + "_window_start_idx ON "
            + table
            + " (window_start)");
  }

  /** DDL of the commit records of the exactly-once sinks. */
  public static List<String> commitsDdl(String table) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (\n"
            + "  gid         text        NOT NULL,\n"
            + "  prepared_at timestamptz NOT NULL DEFAULT now(),\n"
            + "  PRIMARY KEY (gid)\n"
            + ")",
        "CREATE INDEX IF NOT EXISTS "
            + localName(table)
            + "_prepared_at_idx ON "
            + table
            + " (prepared_at)");
  }

  /** DDL of the daily counters table with the given dimension columns. */
  public static List<String> dailyCountersDdl(String table, List<String> dimensions) {
    StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS " + table + " (\n");
    ddl.append("  metric text NOT NULL,\n");
    for (String d : dimensions) {
      ddl.append("  ").append(d).append(" text NOT NULL DEFAULT '',\n");
    }
    ddl.append("  day date NOT NULL,\n");
    ddl.append("  count bigint NOT NULL,\n");
    ddl.append("  PRIMARY KEY (")
        .append(String.join(", ", PostgresStatements.dailyCounterKey(dimensions)))
        .append(")\n)");
    return List.of(
        ddl.toString(),
        "CREATE INDEX IF NOT EXISTS " + localName(table) + "_day_idx ON " + table + " (day)");
  }

  static List<String> ddl(Table table, PostgresSettings s) {
    if (table.optionKey().equals(PostgresOptions.POSTGRES_TABLE_AGGREGATES.key())) {
      return aggregatesDdl(table.name());
    }
    if (table.optionKey().equals(PostgresOptions.POSTGRES_TABLE_ALERTS.key())) {
      return alertsDdl(table.name());
    }
    if (table.optionKey().equals(PostgresOptions.POSTGRES_TABLE_COMMITS.key())) {
      return commitsDdl(table.name());
    }
    return dailyCountersDdl(table.name(), s.dailyCounterDimensions());
  }

  /**
   * Creates the tables ({@code create-tables}) or checks them; run once at start-up, before the job
   * is submitted.
   *
   * @throws ConfigException naming the key and the table (or the URL when PostgreSQL cannot be
   *     reached)
   */
  public static void prepare(PostgresSettings s) {
    try (Connection c = connect(s)) {
      refuseReservedWords(c, s);
      for (Table table : tables(s)) {
        if (s.createTables()) {
          try (Statement st = c.createStatement()) {
            for (String sql : ddl(table, s)) {
              st.execute(sql);
            }
          } catch (SQLException e) {
            throw new ConfigException(
                table.optionKey(), "cannot create table " + table.name() + ": " + e.getMessage());
          }
        }
        check(c, table);
      }
    } catch (SQLException e) {
      throw new ConfigException(
          PostgresOptions.POSTGRES_URL.key(),
          "cannot connect to "
              + s.url()
              + " as "
              + s.user()
              + ": "
              + e.getMessage()
              + " (SQLState "
              + e.getSQLState()
              + ")");
    }
  }

  /**
   * Refuses table, schema and column names that are reserved words of this server (its own list,
   * {@code pg_get_keywords()}): the statements use them unquoted, so a daily-counter dimension
   * named {@code group}, or a table named {@code order}, would fail every write at run time. The
   * error names the key.
   */
  private static void refuseReservedWords(Connection c, PostgresSettings s) throws SQLException {
    java.util.Map<String, String> names = new java.util.LinkedHashMap<>();
    for (Table table : tables(s)) {
      for (String part : table.name().split("\\.")) {
        names.putIfAbsent(part, table.optionKey());
      }
    }
    if (s.dailyCounters()) {
      for (String d : s.dailyCounterDimensions()) {
        names.putIfAbsent(d, PostgresOptions.POSTGRES_DAILY_COUNTER_DIMENSIONS.key());
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT word, catdesc FROM pg_get_keywords() WHERE catcode IN ('R', 'T')"
                + " AND word = ANY(?)")) {
      ps.setArray(1, c.createArrayOf("text", names.keySet().toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          String word = rs.getString(1);
          throw new ConfigException(
              names.get(word),
              "'"
                  + word
                  + "' is a reserved word of this PostgreSQL server ("
                  + rs.getString(2)
                  + ", pg_get_keywords()): the sinks' statements name it unquoted and would fail"
                  + " at every write; choose another name");
        }
      }
    }
  }

  private static void check(Connection c, Table table) throws SQLException {
    Set<String> columns = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass(?)"
                + " AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setString(1, table.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    if (columns.isEmpty()) {
      throw new ConfigException(
          table.optionKey(),
          "table "
              + table.name()
              + " does not exist (or is not visible to this user): create it with "
              + table.file()
              + " or set postgres.create-tables: true");
    }
    Set<String> missing = new LinkedHashSet<>(table.columns());
    missing.removeAll(columns);
    if (!missing.isEmpty()) {
      throw new ConfigException(
          table.optionKey(),
          "table "
              + table.name()
              + " lacks the columns "
              + missing
              + " (expected the columns of "
              + table.file()
              + ")");
    }
    boolean unique = false;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT array_agg(a.attname::text) FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = to_regclass(?) AND i.indisunique"
                + " GROUP BY i.indexrelid")) {
      ps.setString(1, table.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && !unique) {
          Set<String> indexed = Set.of((String[]) rs.getArray(1).getArray());
          unique = indexed.equals(new HashSet<>(table.key()));
        }
      }
    }
    if (!unique) {
      throw new ConfigException(
          table.optionKey(),
          "table "
              + table.name()
              + " has no primary key or unique index on exactly "
              + table.key()
              + ", which the upserts (ON CONFLICT) need");
    }
  }

  static Connection connect(PostgresSettings s) throws SQLException {
    return PostgresConnections.open(s);
  }

  private static String localName(String table) {
    return table.substring(table.indexOf('.') + 1);
  }
}
