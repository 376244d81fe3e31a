package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The statements against a real PostgreSQL: versioned upserts, increments, value mapping. */
class PostgresStatementsTest {
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static PostgresServer postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    postgres.execute(PostgresSchema.aggregatesDdl("agg").toArray(String[]::new));
    postgres.execute(PostgresSchema.alertsDdl("alert").toArray(String[]::new));
    postgres.execute(
        PostgresSchema.dailyCountersDdl("counter", List.of("template_id", "jurisdiction"))
            .toArray(String[]::new));
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @Test
  void theStoredFormIsWhatPostgresStoresAndKeysStoredAlikeRouteAlike() throws Exception {
    List<String> unpaired = List.of("x\uD800", "x\uDBFF", "\uDC00y", "\uDE00\uD83D");
    try (Connection c = postgres.connect();
        PreparedStatement ps = c.prepareStatement("SELECT ?::text")) {
      // The driver itself writes an unpaired surrogate as '?': text() predicts it.
      for (String raw : unpaired) {
        ps.setString(1, raw);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo(PostgresStatements.text(raw)).contains("?");
        }
      }
      // The stored form goes in and comes out unchanged, U+0000 (refused by text) included.
      for (String raw : List.of("a\u0000b", "\uD83D\uDE00", "x\uD800", "plain")) {
        ps.setString(1, PostgresStatements.text(raw));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo(PostgresStatements.text(raw));
        }
      }
    }
    assertThat(PostgresStatements.text("a\u0000b")).isEqualTo("a\uFFFDb");
    assertThat(PostgresStatements.text("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00");
    // Two aggregates PostgreSQL would store as one row have one routing identity.
    assertThat(PostgresSinks.aggregateIdentity(aggregate(Map.of("k", "x\uD800"), 0, 1)))
        .isEqualTo(PostgresSinks.aggregateIdentity(aggregate(Map.of("k", "x\uDBFF"), 0, 1)))
        .isEqualTo(PostgresSinks.aggregateIdentity(aggregate(Map.of("k", "x?"), 0, 1)));
  }

  @Test
  void dailyCounterBucketKeysAreUnambiguousAndSortByTheirParts() {
    DailyCounterIncrement a = new DailyCounterIncrement("m", new String[] {"a\u0000", "b"}, 1, 1);
    DailyCounterIncrement b = new DailyCounterIncrement("m", new String[] {"a", "\u0000b"}, 1, 1);
    assertThat(a.bucketKey()).isNotEqualTo(b.bucketKey());
    List<String> keys = new ArrayList<>();
    for (String[] values :
        List.of(
            new String[] {"", "z"},
            new String[] {"a", ""},
            new String[] {"a", "b"},
            new String[] {"a\u0000", ""},
            new String[] {"ab", ""})) {
      keys.add(new DailyCounterIncrement("m", values, 7, 1).bucketKey());
    }
    assertThat(keys).isSorted().doesNotHaveDuplicates();
  }

  private static <T> void write(JdbcQueryStatement<T> statement, List<T> rows) throws Exception {
    try (Connection c = postgres.connect();
        PreparedStatement ps = c.prepareStatement(statement.query())) {
      for (T row : rows) {
        statement.statement(ps, row);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static List<String> query(String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          values.add(String.valueOf(rs.getObject(i)));
        }
        rows.add(String.join("|", values));
      }
    }
    return rows;
  }

  private static WindowAggregate aggregate(Map<String, String> dims, int version, double count) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = "performance.response_time";
    a.dimensions = dims;
    a.windowStart = T0;
    a.windowEnd = T0 + 60_000;
    a.granularity = "1m";
    a.version = version;
    a.estimatedCount = count;
    a.keptCount = (long) count;
    a.sampleRate = 1;
    a.valueCount = version == 0 ? 0 : 2;
    a.sum = 10 * version;
    if (version > 0) {
      a.min = 4;
      a.max = 6;
      a.mean = 5;
      a.p99 = 6;
      a.anomalyScore = 0.5 + version / 10.0;
    }
    return a;
  }

  @Test
  void aggregateUpsertKeepsTheMostCompleteRowWhateverTheOrder() throws Exception {
    var upsert = new PostgresStatements.AggregateUpsert("agg");
    Map<String, String> dims = new LinkedHashMap<>();
    dims.put("region", "eu");
    dims.put("device", "ios");
    Map<String, String> sameDimsOtherOrder = new LinkedHashMap<>();
    sameDimsOtherOrder.put("device", "ios");
    sameDimsOtherOrder.put("region", "eu");

    write(upsert, List.of(aggregate(dims, 0, 10)));
    write(upsert, List.of(aggregate(sameDimsOtherOrder, 2, 12), aggregate(dims, 1, 11)));
    write(upsert, List.of(aggregate(dims, 2, 12))); // the same row again: no change
    write(upsert, List.of(aggregate(dims, 1, 11))); // fewer events: no change
    write(upsert, List.of(aggregate(Map.of(), 0, 3))); // another identity
    String query =
        "SELECT dimensions::text, version, estimated_count, kept_count, min, mean, p50,"
            + " p99, window_start = '2026-01-01T00:00:00Z', anomaly_score FROM agg ORDER BY 1";
    assertThat(query(query))
        .containsExactly(
            "{\"device\": \"ios\", \"region\": \"eu\"}|2|12.0|12|4.0|5.0|null|6.0|true|0.7",
            "{}|0|3.0|3|null|null|null|null|true|null");

    // After a restore an at-least-once replay can fold a late event into an earlier version:
    // the complete window (more kept events) wins over a stale higher version.
    write(upsert, List.of(aggregate(dims, 0, 13)));
    assertThat(query(query))
        .containsExactly(
            "{\"device\": \"ios\", \"region\": \"eu\"}|0|13.0|13|null|null|null|null|true|null",
            "{}|0|3.0|3|null|null|null|null|true|null");
  }

  @Test
  void alertUpsertKeepsTheHighestVersionPerPatternAndMetric() throws Exception {
    var upsert = new PostgresStatements.AlertUpsert("alert");
    write(
        upsert,
        List.of(
            alert("spike", "count", 1, 50),
            alert("spike", "count", 0, 40),
            alert("spike", "p99", 0, 900),
            alert("resolved", "count", 0, 10)));
    assertThat(query("SELECT pattern, metric, version, value, message FROM alert ORDER BY 1, 2"))
        .containsExactly(
            "resolved|count|0|10.0|value 10.0",
            "spike|count|1|50.0|value 50.0",
            "spike|p99|0|900.0|value 900.0");
  }

  private static Alert alert(String pattern, String metric, int version, double value) {
    Alert a = new Alert();
    a.eventType = "api.error";
    a.granularity = "1m";
    a.windowStart = T0;
    a.windowEnd = T0 + 60_000;
    a.pattern = pattern;
    a.metric = metric;
    a.value = value;
    a.baseline = 5;
    a.confidence = 0.9;
    a.version = version;
    a.message = "value " + value;
    return a;
  }

  @Test
  void dailyCounterAddsIncrementsPerBucketAndDay() throws Exception {
    var add =
        new PostgresStatements.DailyCounterAdd("counter", List.of("template_id", "jurisdiction"));
    long day = T0 / 86_400_000L;
    write(
        add,
        List.of(
            new DailyCounterIncrement("template_view", new String[] {"abc", ""}, day, 3),
            new DailyCounterIncrement("template_view", new String[] {"abc", "CA"}, day, 1)));
    write(
        add,
        List.of(
            new DailyCounterIncrement("template_view", new String[] {"abc", ""}, day, 4),
            new DailyCounterIncrement("template_view", new String[] {"abc", ""}, day + 1, 2),
            new DailyCounterIncrement("bad\u0000name", new String[] {"x", ""}, day, 1)));
    assertThat(
            query(
                "SELECT metric, template_id, jurisdiction, day, count FROM counter ORDER BY 1, 2, 3, 4"))
        .containsExactly(
            "bad\uFFFDname|x||2026-01-01|1",
            "template_view|abc||2026-01-01|7",
            "template_view|abc||2026-01-02|2",
            "template_view|abc|CA|2026-01-01|1");
  }

  @Test
  void canonicalJsonSortsKeysAndEscapes() {
    Map<String, String> dims = new LinkedHashMap<>();
    dims.put("b", "say \"hi\"\n");
    dims.put("a", "x\\y\u0001");
    assertThat(PostgresStatements.canonicalJson(dims))
        .isEqualTo("{\"a\":\"x\\\\y\\u0001\",\"b\":\"say \\\"hi\\\"\\n\"}");
    assertThat(PostgresStatements.canonicalJson(Map.of())).isEqualTo("{}");
  }

  @Test
  void statementsAreTheDocumentedUpserts() {
    assertThat(new PostgresStatements.DailyCounterAdd("t", List.of("d")).query())
        .isEqualTo(
            "INSERT INTO t (metric, d, day, count) VALUES (?, ?, ?, ?) ON CONFLICT (metric, d,"
                + " day) DO UPDATE SET count = t.count + EXCLUDED.count");
    assertThat(new PostgresStatements.AlertUpsert("a").query())
        .startsWith(
            "INSERT INTO a (event_type, dimensions, granularity, window_start, pattern, metric,"
                + " window_end, value, baseline, confidence, version, message) VALUES (?,"
                + " CAST(? AS jsonb), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_type,"
                + " dimensions, granularity, window_start, pattern, metric) DO UPDATE SET"
                + " window_end = EXCLUDED.window_end,")
        .endsWith(" WHERE a.version < EXCLUDED.version");
    assertThat(new PostgresStatements.AggregateUpsert("w").query())
        .endsWith(" WHERE (w.kept_count, w.version) < (EXCLUDED.kept_count, EXCLUDED.version)");
  }

  @Test
  void keyHashIsEqualExactlyForRowsThatWriteTheSameTableRow() throws Exception {
    postgres.execute(PostgresSchema.aggregatesDdl("agg_keys").toArray(String[]::new));
    var upsert = new PostgresStatements.AggregateUpsert("agg_keys");
    Map<String, String> euIos = new LinkedHashMap<>();
    euIos.put("region", "eu");
    euIos.put("device", "ios");
    Map<String, String> iosEu = new LinkedHashMap<>();
    iosEu.put("device", "ios");
    iosEu.put("region", "eu");
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("region", null);

    WindowAggregate a = aggregate(euIos, 0, 1);
    WindowAggregate sameOtherOrder = aggregate(iosEu, 1, 2);
    WindowAggregate nul = aggregate(Map.of(), 0, 1);
    nul.eventType = "a\u0000b";
    WindowAggregate replacement = aggregate(Map.of(), 0, 2);
    replacement.eventType = "a\uFFFDb"; // NUL is stored as U+FFFD: the same row
    WindowAggregate nullDim = aggregate(nullValue, 0, 1);
    WindowAggregate emptyDim = aggregate(Map.of("region", ""), 0, 2);
    WindowAggregate otherWindow = aggregate(euIos, 0, 1);
    otherWindow.windowStart += 60_000;
    WindowAggregate otherGranularity = aggregate(euIos, 0, 1);
    otherGranularity.granularity = "1h";
    WindowAggregate otherValue = aggregate(Map.of("region", "us", "device", "ios"), 0, 1);
    WindowAggregate keyAsValue = aggregate(Map.of("eu", "region", "device", "ios"), 0, 1);

    assertThat(upsert.keyHash(sameOtherOrder)).isEqualTo(upsert.keyHash(a));
    assertThat(upsert.keyHash(replacement)).isEqualTo(upsert.keyHash(nul));
    assertThat(upsert.keyHash(emptyDim)).isEqualTo(upsert.keyHash(nullDim));
    List<WindowAggregate> all =
        List.of(
            a,
            sameOtherOrder,
            nul,
            replacement,
            nullDim,
            emptyDim,
            otherWindow,
            otherGranularity,
            otherValue,
            keyAsValue);
    // PostgreSQL agrees: as many rows as distinct hashes.
    write(upsert, all);
    assertThat(query("SELECT count(*) FROM agg_keys"))
        .containsExactly(String.valueOf(all.stream().map(upsert::keyHash).distinct().count()))
        .containsExactly("7");
  }

  @Test
  void alertKeyIncludesPatternAndMetric() {
    var upsert = new PostgresStatements.AlertUpsert("alert");
    assertThat(upsert.keyHash(alert("spike", "count", 2, 1)))
        .isEqualTo(upsert.keyHash(alert("spike", "count", 0, 5)));
    assertThat(upsert.keyHash(alert("spike", "p99", 0, 1)))
        .isNotEqualTo(upsert.keyHash(alert("spike", "count", 0, 1)))
        .isNotEqualTo(upsert.keyHash(alert("drop", "p99", 0, 1)));
  }

  @Test
  void dailyCounterKeyIsTheBucketAndIncrementsOfOneBucketCombine() {
    var add = new PostgresStatements.DailyCounterAdd("counter", List.of("template_id", "j"));
    var a = new DailyCounterIncrement("view", new String[] {"t", ""}, 20_000, 3);
    var sameBucket = new DailyCounterIncrement("view", new String[] {"t", ""}, 20_000, 4);
    var nextDay = new DailyCounterIncrement("view", new String[] {"t", ""}, 20_001, 4);
    var shifted = new DailyCounterIncrement("view", new String[] {"", "t"}, 20_000, 4);

    assertThat(add.keyHash(sameBucket)).isEqualTo(add.keyHash(a));
    assertThat(add.keyHash(nextDay)).isNotEqualTo(add.keyHash(a));
    assertThat(add.keyHash(shifted)).isNotEqualTo(add.keyHash(a));
    assertThat(add.combine(a, sameBucket))
        .isEqualTo(new DailyCounterIncrement("view", new String[] {"t", ""}, 20_000, 7));
    assertThat(add.combine(a, nextDay)).isNull();
    assertThat(add.combine(a, shifted)).isNull();
    assertThat(a.count).as("the arguments are not changed").isEqualTo(3);
  }

  @Test
  void versionedUpsertsDoNotCombine() {
    var upsert = new PostgresStatements.AggregateUpsert("agg");
    assertThat(upsert.combine(aggregate(Map.of(), 0, 1), aggregate(Map.of(), 1, 2))).isNull();
  }
}
