package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.TestEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RowBinary round trips against a real ClickHouse server: the tables are created from the DDL files
 * in sql/clickhouse/ exactly as an analyst would run them, rows are inserted with the encoders, and
 * read back with {@code FORMAT TabSeparated} field by field.
 */
class ClickHouseRowBinaryTest {
  private static final String DB = "roundtrip";
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private static ClickHouseServer server;
  private static ClickHouseHttpClient client;
  private static ClickHouseHttpClient gzipClient;

  @BeforeAll
  static void start() throws Exception {
    server = ClickHouseServer.start();
    server.query("CREATE DATABASE " + DB);
    for (String file : List.of("window_aggregates", "alerts", "high_priority_events")) {
      server.runFile(Path.of("sql/clickhouse/" + file + ".sql"), DB);
    }
    client = new ClickHouseHttpClient(connection(false));
    gzipClient = new ClickHouseHttpClient(connection(true));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static ClickHouseConnection connection(boolean gzip) {
    return new ClickHouseConnection(
        server.url(), DB, "default", "", gzip, Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  @Test
  void shouldMatchTheColumnsOfTheDdlFiles() throws Exception {
    RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0);
    ClickHouseTables.prepare(
        client, once, "window_aggregates", new WindowAggregateRowEncoder(), false);
    ClickHouseTables.prepare(client, once, "alerts", new AlertRowEncoder(), false);
    ClickHouseTables.prepare(
        client, once, "high_priority_events", new HighPriorityEventRowEncoder(), false);
    assertThat(
            server.rows(
                "SELECT name, engine FROM system.tables WHERE database = '"
                    + DB
                    + "' ORDER BY name"))
        .containsExactly(
            "alerts\tReplacingMergeTree",
            "high_priority_events\tReplacingMergeTree",
            "window_aggregates\tReplacingMergeTree");
  }

  /**
   * A table of a version before the anomaly score (the DDL without that column): refused without
   * create-tables, naming the column; with it the column is added (old rows read NULL).
   */
  @Test
  void aTableOfAnEarlierVersionGetsTheAnomalyScoreColumn() throws Exception {
    RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0);
    String earlier =
        ClickHouseTables.ddl("window_aggregates", client.qualified("earlier_aggregates"))
            .replace(",\n    anomaly_score       Nullable(Float64)", "");
    assertThat(earlier).doesNotContain("anomaly_score");
    client.query(earlier);
    ClickHouseException refused =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(
                () ->
                    ClickHouseTables.prepare(
                        client, once, "earlier_aggregates", new WindowAggregateRowEncoder(), false))
            .actual();
    assertThat(refused.getMessage()).contains("has no column anomaly_score Nullable(Float64)");
    ClickHouseTables.prepare(
        client, once, "earlier_aggregates", new WindowAggregateRowEncoder(), true);
    assertThat(
            server.rows(
                "SELECT type FROM system.columns WHERE database = '"
                    + DB
                    + "' AND table = 'earlier_aggregates' AND name = 'anomaly_score'"))
        .containsExactly("Nullable(Float64)");
  }

  /**
   * A table of a version before the sketch's bins: refused without create-tables, naming the
   * column; with it both array columns are added, and the rows written before read as empty arrays
   * (which the merging query of examples.sql counts as no sketched value).
   */
  @Test
  void aTableOfAnEarlierVersionGetsTheSketchColumns() throws Exception {
    RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0);
    String earlier =
        ClickHouseTables.ddl("window_aggregates", client.qualified("unsketched_aggregates"))
            .replace(",\n    sketch_index        Array(Int32)", "")
            .replace(",\n    sketch_count        Array(Float64)", "");
    assertThat(earlier).doesNotContain("sketch_").contains("anomaly_score");
    client.query(earlier);
    client.query(
        "INSERT INTO "
            + client.qualified("unsketched_aggregates")
            + " (event_type, dims, granularity, window_start, value_count) VALUES"
            + " ('old', '', '1m', 1767225600, 3)");
    ClickHouseException refused =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(
                () ->
                    ClickHouseTables.prepare(
                        client,
                        once,
                        "unsketched_aggregates",
                        new WindowAggregateRowEncoder(),
                        false))
            .actual();
    assertThat(refused.getMessage()).contains("has no column sketch_index Array(Int32)");
    ClickHouseTables.prepare(
        client, once, "unsketched_aggregates", new WindowAggregateRowEncoder(), true);
    ClickHouseTables.prepare(
        client, once, "unsketched_aggregates", new WindowAggregateRowEncoder(), false);
    assertThat(
            server.rows(
                "SELECT name, type FROM system.columns WHERE database = '"
                    + DB
                    + "' AND table = 'unsketched_aggregates' AND name LIKE 'sketch%'"
                    + " ORDER BY name"))
        .containsExactly("sketch_count\tArray(Float64)", "sketch_index\tArray(Int32)");
    assertThat(select("SELECT sketch_index, sketch_count FROM unsketched_aggregates"))
        .containsExactly(List.of("[]", "[]"));
  }

  @Test
  void shouldRoundTripWindowAggregates() throws Exception {
    WindowAggregate full = new WindowAggregate();
    full.eventType = "performance.response_time";
    full.dimensions = new LinkedHashMap<>(Map.of("tier", "gold", "region", "eu"));
    full.granularity = "1m";
    full.windowStart = T0 + 123;
    full.windowEnd = T0 + 60_123;
    full.version = 2;
    full.estimatedCount = 20;
    full.keptCount = 10;
    full.sampleRate = 0.5;
    full.valueCount = 10;
    full.sum = 1234.5;
    full.min = 1.25;
    full.max = 250;
    full.mean = 61.725;
    full.variancePop = 12.5;
    full.varianceSample = 13.75;
    full.stddevPop = 3.5;
    full.stddevSample = 3.75;
    full.p50 = 50;
    full.p75 = 75;
    full.p90 = 90.5;
    full.p95 = 95;
    full.p99 = 99;
    full.p999 = 99.9;
    full.anomalyScore = 0.9987;
    full.sketchIndex = new int[] {-100_005, 0, 100_001, 147_317};
    full.sketchCount = new double[] {1, 2, 3.5, 4};

    WindowAggregate empty = new WindowAggregate(); // no values: NaN statistics -> NULL
    empty.eventType = "ünïcödé:type-✓";
    empty.dimensions = Map.of("k", "a,b=c\\d\te");
    empty.granularity = "1h";
    empty.windowStart = T0 + 3_600_000L;
    empty.windowEnd = T0 + 7_200_000L;
    empty.estimatedCount = 3;
    empty.keptCount = 3;
    empty.sampleRate = 1;

    insert(client, "window_aggregates", new WindowAggregateRowEncoder(), List.of(full, empty));

    List<List<String>> rows =
        select(
            "SELECT event_type, dims, arrayStringConcat(dimensions.key, '|'),"
                + " arrayStringConcat(dimensions.value, '|'), granularity, toString(window_start),"
                + " window_start_millis, toString(window_end), window_end_millis, version,"
                + " estimated_count, kept_count, sample_rate, value_count, value_sum, value_min,"
                + " value_max, value_mean, variance_pop, variance_sample, stddev_pop,"
                + " stddev_sample, p50, p75, p90, p95, p99, p999, anomaly_score,"
                + " toYYYYMMDD(window_start), sketch_index, sketch_count"
                + " FROM window_aggregates ORDER BY granularity DESC");
    assertThat(rows)
        .containsExactly(
            List.of(
                "performance.response_time",
                "region=eu,tier=gold",
                "region|tier",
                "eu|gold",
                "1m",
                "2026-01-01 00:00:00",
                "123",
                "2026-01-01 00:01:00",
                "123",
                "2",
                "20",
                "10",
                "0.5",
                "10",
                "1234.5",
                "1.25",
                "250",
                "61.725",
                "12.5",
                "13.75",
                "3.5",
                "3.75",
                "50",
                "75",
                "90.5",
                "95",
                "99",
                "99.9",
                "0.9987",
                "20260101",
                "[-100005,0,100001,147317]",
                "[1,2,3.5,4]"),
            List.of(
                "ünïcödé:type-✓",
                "k=a\\,b\\=c\\\\d\te",
                "k",
                "a,b=c\\d\te",
                "1h",
                "2026-01-01 01:00:00",
                "0",
                "2026-01-01 02:00:00",
                "0",
                "0",
                "3",
                "3",
                "1",
                "0",
                "0",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "\\N",
                "20260101",
                "[]",
                "[]"));
  }

  @Test
  void shouldRoundTripAlertsWithGzipBodies() throws Exception {
    Alert a = new Alert();
    a.eventType = "api.error";
    a.dimensions = Map.of("region", "us");
    a.granularity = "1m";
    a.windowStart = T0 + 86_400_000L + 999;
    a.windowEnd = a.windowStart + 60_000;
    a.pattern = "spike";
    a.metric = "count";
    a.value = 240;
    a.baseline = 100.5;
    a.confidence = 0.975;
    a.version = 1;
    a.message = "count 240 is 2.4x the baseline 100.5 — \"spike\"";
    Alert b = new Alert(); // nulls become empty strings
    b.eventType = "x";
    b.windowStart = T0;
    b.windowEnd = T0 + 1;

    insert(gzipClient, "alerts", new AlertRowEncoder(), List.of(a, b));

    assertThat(
            select(
                "SELECT event_type, dims, toString(window_start), window_start_millis,"
                    + " window_end_millis, pattern, metric, value, baseline, confidence, version,"
                    + " message, toYYYYMMDD(window_start) FROM alerts ORDER BY event_type"))
        .containsExactly(
            List.of(
                "api.error",
                "region=us",
                "2026-01-02 00:00:00",
                "999",
                "999",
                "spike",
                "count",
                "240",
                "100.5",
                "0.975",
                "1",
                "count 240 is 2.4x the baseline 100.5 — \"spike\"",
                "20260102"),
            List.of(
                "x",
                "",
                "2026-01-01 00:00:00",
                "0",
                "1",
                "",
                "",
                "0",
                "0",
                "0",
                "0",
                "",
                "20260101"));
  }

  @Test
  void highPriorityEventsOfTwoTenantsWithOneEventIdAreTwoRows() throws Exception {
    List<AnalyticsEvent> events = new java.util.ArrayList<>();
    for (String tenant : new String[] {"acme", "globex", null}) {
      events.add(
          TestEvents.event("payment.failed")
              .id("shared-id")
              .at(T0 + 1_000)
              .priority(Priority.HIGH)
              .tenant(tenant)
              .build());
    }
    // A replay of acme's event collapses with it; no tenant's row replaces another's.
    events.add(events.get(0));
    insert(client, "high_priority_events", new HighPriorityEventRowEncoder(), events);
    server.query("OPTIMIZE TABLE " + DB + ".high_priority_events FINAL");

    assertThat(
            select(
                "SELECT tenant_id, event_id FROM high_priority_events FINAL"
                    + " WHERE event_id = 'shared-id' ORDER BY tenant_id"))
        .containsExactly(
            List.of("acme", "shared-id"),
            List.of("globex", "shared-id"),
            List.of("\\N", "shared-id"));
  }

  @Test
  void shouldRoundTripHighPriorityEvents() throws Exception {
    AnalyticsEvent e =
        TestEvents.event("payment.failed")
            .id("evt-1")
            .at(T0 + 5_000L + 42)
            .value(-17.25)
            .category("failure")
            .priority(Priority.HIGH)
            .user("u-1")
            .tenant("t-9")
            .dim("country", "de")
            .dim("method", "card")
            .properties("{\"code\":\"E42\",\"note\":\"tab\\there\"}")
            .build();
    AnalyticsEvent bare =
        TestEvents.event("app.crash")
            .id("evt-2")
            .at(T0 + 86_399_999L)
            .priority(Priority.HIGH)
            .build();

    insert(client, "high_priority_events", new HighPriorityEventRowEncoder(), List.of(e, bare));

    assertThat(
            select(
                "SELECT event_id, event_type, toString(event_time), event_time_millis, value,"
                    + " category, priority, user_id, tenant_id, dims, properties, weight,"
                    + " sample_rate, version FROM high_priority_events ORDER BY event_id"))
        .containsExactly(
            List.of(
                "evt-1",
                "payment.failed",
                "2026-01-01 00:00:05",
                "42",
                "-17.25",
                "failure",
                "high",
                "u-1",
                "t-9",
                "country=de,method=card",
                "{\"code\":\"E42\",\"note\":\"tab\\there\"}",
                "1",
                "1",
                String.valueOf(T0 + 5_042L)),
            List.of(
                "evt-2",
                "app.crash",
                "2026-01-01 23:59:59",
                "999",
                "\\N",
                "\\N",
                "high",
                "\\N",
                "\\N",
                "",
                "\\N",
                "1",
                "1",
                String.valueOf(T0 + 86_399_999L)));
  }

  @Test
  void shouldRunTheExampleQueries() throws Exception {
    server.runFile(Path.of("sql/clickhouse/examples.sql"), DB);
  }

  @Test
  void shouldRefuseTimesOutsideTheRangeOfDateTime() {
    WindowAggregate a = ClickHouseBatchingTest.aggregate(0);
    a.windowStart = -1;
    IllegalArgumentException e =
        assertThatExceptionOfType(IllegalArgumentException.class)
            .isThrownBy(() -> new WindowAggregateRowEncoder().encode(a, new RowBinaryWriter()))
            .actual();
    assertThat(e).hasMessageContaining("outside the range of ClickHouse DateTime");
  }

  private static <T> void insert(
      ClickHouseHttpClient c, String table, ClickHouseRowEncoder<T> encoder, List<T> records)
      throws Exception {
    RowBinaryWriter out = new RowBinaryWriter();
    for (T r : records) {
      encoder.encode(r, out);
    }
    c.insert(table, encoder.columnList(), out.toByteArray(), null);
  }

  /** Rows of TabSeparated output, each field unescaped except NULL ({@code \N}). */
  private static List<List<String>> select(String sql) throws Exception {
    List<List<String>> rows = new ArrayList<>();
    for (String line : server.rows(sql.replace("FROM ", "FROM " + DB + "."))) {
      rows.add(
          Arrays.stream(line.split("\t", -1))
              .map(f -> f.equals("\\N") ? f : ClickHouseTables.unescape(f))
              .toList());
    }
    return rows;
  }
}
