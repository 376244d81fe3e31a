package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tables: the DDL files in sql/postgres are the DDL the job runs; create-tables creates them;
 * otherwise a missing table, column or key stops the job naming the key and the table.
 */
class PostgresSchemaTest {
  private static final List<String> SEED_004 =
      List.of("template_id", "jurisdiction", "delivery_method", "utm_source", "error_type");

  private static PostgresServer postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  private static PostgresSettings settings(String schema, boolean create, String... more) {
    Map<String, String> values = new HashMap<>();
    values.put("postgres.url", postgres.jdbcUrl());
    values.put("postgres.user", postgres.user());
    values.put("postgres.create-tables", String.valueOf(create));
    values.put("postgres.table.aggregates", schema + ".analytics_window_aggregate");
    values.put("postgres.table.alerts", schema + ".analytics_alert");
    values.put("postgres.table.daily-counters", schema + ".analytics_aggregate");
    values.put("postgres.table.commits", schema + ".analytics_sink_commit");
    for (int i = 0; i < more.length; i += 2) {
      values.put(more[i], more[i + 1]);
    }
    return PostgresSettings.from(JobConfig.of(values));
  }

  /** The statements of a file: comments dropped, whitespace collapsed. */
  private static List<String> statements(String file) throws Exception {
    String text =
        Files.readAllLines(Path.of("sql/postgres", file)).stream()
            .filter(line -> !line.startsWith("--"))
            .collect(Collectors.joining("\n"));
    return java.util.Arrays.stream(text.split(";"))
        .map(s -> s.replaceAll("\\s+", " ").trim())
        .filter(s -> !s.isEmpty())
        .toList();
  }

  private static List<String> normalized(List<String> ddl) {
    return ddl.stream().map(s -> s.replaceAll("\\s+", " ").trim()).toList();
  }

  @Test
  void theSqlFilesAreTheDdlOfTheJob() throws Exception {
    assertThat(statements("001_window_aggregates.sql"))
        .isEqualTo(normalized(PostgresSchema.aggregatesDdl("analytics_window_aggregate")));
    assertThat(statements("002_alerts.sql"))
        .isEqualTo(normalized(PostgresSchema.alertsDdl("analytics_alert")));
    assertThat(statements("003_daily_counters.sql"))
        .isEqualTo(normalized(PostgresSchema.dailyCountersDdl("analytics_aggregate", SEED_004)));
    assertThat(statements("004_sink_commits.sql"))
        .isEqualTo(normalized(PostgresSchema.commitsDdl("analytics_sink_commit")));
    assertThat(Files.readString(Path.of("sql/postgres/003_daily_counters.sql")))
        .startsWith("-- analytics_aggregate: daily counters")
        .contains("Key: (metric, template_id, jurisdiction, delivery_method, utm_source,")
        .contains("SELECT day, sum(count)");
  }

  @Test
  void createsTheTablesOnceAndChecksThemAfterwards() throws Exception {
    postgres.execute("CREATE SCHEMA created");
    PostgresSchema.prepare(settings("created", true));
    PostgresSchema.prepare(settings("created", true)); // idempotent
    PostgresSchema.prepare(settings("created", false)); // and they pass the check
    assertThat(columns("created", "analytics_aggregate"))
        .containsExactly(
            "metric",
            "template_id",
            "jurisdiction",
            "delivery_method",
            "utm_source",
            "error_type",
            "day",
            "count");
  }

  @Test
  void createsDailyCountersWithTheConfiguredDimensions() throws Exception {
    postgres.execute("CREATE SCHEMA custom");
    PostgresSchema.prepare(
        settings("custom", true, "postgres.daily-counter-dimensions", "region;plan"));
    assertThat(columns("custom", "analytics_aggregate"))
        .containsExactly("metric", "region", "plan", "day", "count");
  }

  @Test
  void refusesAMissingTableNamingTheKeyAndTheFile() throws Exception {
    postgres.execute("CREATE SCHEMA empty");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(settings("empty", false)))
            .actual();
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'postgres.table.aggregates': table"
                + " empty.analytics_window_aggregate does not exist (or is not visible to this"
                + " user): create it with sql/postgres/001_window_aggregates.sql or set"
                + " postgres.create-tables: true");
  }

  @Test
  void refusesAMissingColumn() throws Exception {
    postgres.execute("CREATE SCHEMA partial");
    PostgresSchema.prepare(settings("partial", true));
    postgres.execute("ALTER TABLE partial.analytics_alert DROP COLUMN confidence");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(settings("partial", false)))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.table.alerts");
    assertThat(e.getMessage())
        .contains("table partial.analytics_alert lacks the columns [confidence]");
  }

  /**
   * A table of a version before the anomaly score: refused without create-tables, naming the
   * missing column; with it the column is added and the rows kept.
   */
  @Test
  void aTableOfAnEarlierVersionGetsTheAnomalyScoreColumn() throws Exception {
    postgres.execute("CREATE SCHEMA earlier");
    PostgresSchema.prepare(settings("earlier", true));
    postgres.execute(
        "ALTER TABLE earlier.analytics_window_aggregate DROP COLUMN anomaly_score",
        "INSERT INTO earlier.analytics_window_aggregate (event_type, dimensions, granularity,"
            + " window_start, window_end, version, estimated_count, kept_count, sample_rate,"
            + " value_count, sum) VALUES ('t', '{}', '1m', now(), now(), 0, 1, 1, 1, 0, 0)");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(settings("earlier", false)))
            .actual();
    assertThat(e.getMessage())
        .contains("table earlier.analytics_window_aggregate lacks the columns [anomaly_score]");
    PostgresSchema.prepare(settings("earlier", true));
    assertThat(columns("earlier", "analytics_window_aggregate")).contains("anomaly_score");
    try (java.sql.Connection c = postgres.connect();
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "SELECT count(*), count(anomaly_score) FROM earlier.analytics_window_aggregate")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1) + "|" + rs.getLong(2)).isEqualTo("1|0");
    }
  }

  /**
   * A table of a version before the sketch's bins: refused without create-tables, naming both
   * columns; with it they are added and the rows kept (their bins NULL, which the percentile
   * functions of sql/postgres/percentiles.sql count as no sketched value).
   */
  @Test
  void aTableOfAnEarlierVersionGetsTheSketchColumns() throws Exception {
    postgres.execute("CREATE SCHEMA unsketched");
    PostgresSchema.prepare(settings("unsketched", true));
    postgres.execute(
        "ALTER TABLE unsketched.analytics_window_aggregate DROP COLUMN sketch_index,"
            + " DROP COLUMN sketch_count",
        "INSERT INTO unsketched.analytics_window_aggregate (event_type, dimensions, granularity,"
            + " window_start, window_end, version, estimated_count, kept_count, sample_rate,"
            + " value_count, sum) VALUES ('t', '{}', '1m', now(), now(), 0, 1, 1, 1, 0, 0)");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(settings("unsketched", false)))
            .actual();
    assertThat(e.getMessage())
        .contains(
            "table unsketched.analytics_window_aggregate lacks the columns [sketch_index,"
                + " sketch_count]");
    PostgresSchema.prepare(settings("unsketched", true));
    PostgresSchema.prepare(settings("unsketched", false));
    assertThat(columns("unsketched", "analytics_window_aggregate"))
        .endsWith("sketch_index", "sketch_count");
    try (java.sql.Connection c = postgres.connect();
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "SELECT count(*), count(sketch_index), count(sketch_count)"
                    + " FROM unsketched.analytics_window_aggregate")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1) + "|" + rs.getLong(2) + "|" + rs.getLong(3)).isEqualTo("1|0|0");
    }
  }

  @Test
  void refusesAMissingCommitRecordsTableNamingItsKeyAndFile() throws Exception {
    postgres.execute("CREATE SCHEMA nocommits");
    PostgresSchema.prepare(settings("nocommits", true));
    assertThat(columns("nocommits", "analytics_sink_commit")).containsExactly("gid", "prepared_at");
    postgres.execute("DROP TABLE nocommits.analytics_sink_commit");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(settings("nocommits", false)))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.table.commits");
    assertThat(e.getMessage()).contains("create it with sql/postgres/004_sink_commits.sql");
  }

  /**
   * A reserved word as a name: a table made by hand with a quoted "group" column passes the column
   * check, and every unquoted upsert would then fail at run time (and create-tables fails on it
   * with a syntax error). Both are refused at start-up, naming the key.
   */
  @Test
  void refusesReservedWordsAsTableOrColumnNamesNamingTheKey() throws Exception {
    postgres.execute(
        "CREATE SCHEMA reserved",
        "CREATE TABLE reserved.analytics_aggregate (metric text NOT NULL, \"group\" text NOT NULL"
            + " DEFAULT '', day date NOT NULL, count bigint NOT NULL,"
            + " PRIMARY KEY (metric, \"group\", day))");
    PostgresSettings s = settings("reserved", false, "postgres.daily-counter-dimensions", "group");
    postgres.execute(PostgresSchema.aggregatesDdl(s.aggregatesTable()).toArray(String[]::new));
    postgres.execute(PostgresSchema.alertsDdl(s.alertsTable()).toArray(String[]::new));
    postgres.execute(PostgresSchema.commitsDdl(s.commitsTable()).toArray(String[]::new));
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(s))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.daily-counter-dimensions");
    assertThat(e.getMessage()).contains("'group' is a reserved word of this PostgreSQL server");

    ConfigException table =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(
                () ->
                    PostgresSchema.prepare(
                        settings("reserved", true, "postgres.table.alerts", "reserved.order")))
            .actual();
    assertThat(table.key()).isEqualTo("postgres.table.alerts");
    assertThat(table.getMessage()).contains("'order' is a reserved word");
  }

  @Test
  void refusesATableWithoutTheConflictKey() throws Exception {
    postgres.execute(
        "CREATE SCHEMA nokey",
        "CREATE TABLE nokey.analytics_aggregate (metric text, template_id text,"
            + " jurisdiction text, delivery_method text, utm_source text, error_type text,"
            + " day date, count bigint)");
    PostgresSettings s = settings("nokey", false);
    postgres.execute(PostgresSchema.aggregatesDdl(s.aggregatesTable()).toArray(String[]::new));
    postgres.execute(PostgresSchema.alertsDdl(s.alertsTable()).toArray(String[]::new));
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(s))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.table.daily-counters");
    assertThat(e.getMessage())
        .contains(
            "has no primary key or unique index on exactly [metric, template_id, jurisdiction,"
                + " delivery_method, utm_source, error_type, day]");
  }

  @Test
  void namesTheUrlWhenPostgresCannotBeReached() {
    Map<String, String> values = new HashMap<>();
    values.put("postgres.url", "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2");
    values.put("postgres.user", "nobody");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PostgresSchema.prepare(PostgresSettings.from(JobConfig.of(values))))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.url");
    assertThat(e.getMessage()).contains("cannot connect to jdbc:postgresql://127.0.0.1:1/none");
  }

  private static List<String> columns(String schema, String table) throws Exception {
    List<String> columns = new java.util.ArrayList<>();
    try (var c = postgres.connect();
        var ps =
            c.prepareStatement(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND"
                    + " table_name = ? ORDER BY ordinal_position")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    return columns;
  }
}
