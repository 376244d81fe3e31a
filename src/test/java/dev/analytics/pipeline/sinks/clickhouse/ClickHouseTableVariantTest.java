package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.analytics.pipeline.testing.ClickHouseStandIn;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which of the two table layouts ({@link TableVariant}) the job creates and the writer encodes: the
 * server version decides what the job creates, the existing table's {@code system.columns} decide
 * what the writer writes, and a table of neither layout is refused at start naming the table and
 * the column.
 */
class ClickHouseTableVariantTest {
  private static final RetryPolicy ONCE =
      new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0);

  private static final List<ClickHouseRowEncoder<?>> ENCODERS =
      List.of(
          new WindowAggregateRowEncoder(),
          new AlertRowEncoder(),
          new HighPriorityEventRowEncoder());

  @Test
  void theCurrentDdlIsCreatedFrom22Point2On() {
    assertThat(TableVariant.forServer("18.16.1")).isEqualTo(TableVariant.LEGACY);
    assertThat(TableVariant.forServer("21.8.15.7")).isEqualTo(TableVariant.LEGACY);
    assertThat(TableVariant.forServer("22.1.4.30")).isEqualTo(TableVariant.LEGACY);
    assertThat(TableVariant.forServer("22.2.1.1")).isEqualTo(TableVariant.CURRENT);
    assertThat(TableVariant.forServer("26.7.2.1")).isEqualTo(TableVariant.CURRENT);
    assertThat(TableVariant.forServer("unknown")).isEqualTo(TableVariant.LEGACY);
  }

  @Test
  void theCurrentDdlHasTheModernTypesAndOneDeduplicationWindow() {
    for (ClickHouseRowEncoder<?> e : ENCODERS) {
      String ddl = ClickHouseTables.ddl(TableVariant.CURRENT, e.defaultTable(), "t", "26.7.2.1");
      assertThat(ddl)
          .startsWith("CREATE TABLE IF NOT EXISTS t\n")
          .contains("DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))")
          .contains("Map(String, String)")
          .contains("LowCardinality(String)")
          .doesNotContain("_millis")
          .endsWith(
              "SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000");
      // Every column the current encoder writes is in the DDL with its type.
      for (ClickHouseColumn c : e.withVariant(TableVariant.CURRENT).columns()) {
        assertThat(ddl).containsPattern("\n    " + c.name() + " +" + quote(c.type()) + "[ ,\n]");
      }
    }
  }

  @Test
  void aTtlGoesBeforeTheSettingsOfEitherDdl() {
    Duration ttl = Duration.ofDays(400);
    for (ClickHouseRowEncoder<?> e : ENCODERS) {
      String time = e.defaultTable().equals("high_priority_events") ? "event_time" : "window_start";
      for (TableVariant v : TableVariant.values()) {
        String plain = ClickHouseTables.ddl(v, e.defaultTable(), "t", "26.7.2.1");
        String withTtl = ClickHouseTables.ddl(v, e.defaultTable(), "t", "26.7.2.1", ttl);
        int settings = plain.lastIndexOf("\nSETTINGS ");
        assertThat(withTtl)
            .isEqualTo(
                plain.substring(0, settings)
                    + "\nTTL toDateTime("
                    + time
                    + ") + INTERVAL 34560000 SECOND"
                    + plain.substring(settings));
        assertThat(ClickHouseTables.ddl(v, e.defaultTable(), "t", "26.7.2.1", Duration.ZERO))
            .isEqualTo(plain);
      }
    }
  }

  @Test
  void aTtlIsRefusedWhereTheServerHasNone() throws Exception {
    ClickHouseStandIn old =
        new ClickHouseStandIn("18.16.1", described(new AlertRowEncoder().columns()));
    try {
      assertThatThrownBy(
              () ->
                  ClickHouseTables.prepare(
                      old.client(), ONCE, "t", new AlertRowEncoder(), true, Duration.ofDays(1)))
          .isInstanceOf(ClickHouseException.class)
          .hasMessageContaining("clickhouse.alerts.ttl")
          .hasMessageContaining("ClickHouse 18.16.1 has no TTL (19.6 and later)");
      assertThat(old.creates()).isEmpty();
    } finally {
      old.stop();
    }
  }

  @Test
  void eachLayoutIsRecognisedFromItsColumns() {
    for (ClickHouseRowEncoder<?> e : ENCODERS) {
      for (TableVariant v : TableVariant.values()) {
        String described = described(e.withVariant(v).columns());
        assertThat(ClickHouseTables.variantOf(described, e)).as(e.defaultTable()).isEqualTo(v);
        for (TableVariant server : TableVariant.values()) {
          assertThat(ClickHouseTables.closestVariant(described, e, server)).isEqualTo(v);
        }
      }
    }
  }

  @Test
  void extraColumnsAndLowCardinalityDoNotChangeTheLayout() {
    // The current layout with plain String where the DDL has LowCardinality(String), and a column
    // of the user's: same RowBinary, accepted.
    Map<String, String> columns = map(new WindowAggregateRowEncoder(TableVariant.CURRENT));
    columns.replaceAll((name, type) -> type.replace("LowCardinality(String)", "String"));
    columns.put("note", "String");
    assertThat(ClickHouseTables.variantOf(described(columns), new WindowAggregateRowEncoder()))
        .isEqualTo(TableVariant.CURRENT);
    // The 18.16 layout with LowCardinality where a user altered it.
    Map<String, String> legacy = map(new AlertRowEncoder());
    legacy.put("pattern", "LowCardinality(String)");
    assertThat(ClickHouseTables.variantOf(described(legacy), new AlertRowEncoder()))
        .isEqualTo(TableVariant.LEGACY);
  }

  @Test
  void anEarlierTableWithoutTheSketchColumnsIsStill18Point16s() {
    // Created by a version before the sketch columns: the writer adds them (create-tables) to the
    // layout the table has.
    Map<String, String> earlier = map(new WindowAggregateRowEncoder());
    earlier.remove("sketch_index");
    earlier.remove("sketch_count");
    String described = described(earlier);
    assertThat(ClickHouseTables.variantOf(described, new WindowAggregateRowEncoder())).isNull();
    for (TableVariant server : TableVariant.values()) {
      assertThat(
              ClickHouseTables.closestVariant(described, new WindowAggregateRowEncoder(), server))
          .isEqualTo(TableVariant.LEGACY);
    }
    assertThat(
            ClickHouseTables.missingAddable(
                described, new WindowAggregateRowEncoder(TableVariant.LEGACY).columns()))
        .extracting(ClickHouseColumn::name)
        .containsExactly("sketch_index", "sketch_count");
  }

  @Test
  void aTableOfNeitherLayoutIsRefusedNamingTheTableAndTheColumn() throws Exception {
    // DateTime64 times (current) with the Nested dimensions (18.16).
    Map<String, String> mixed = map(new WindowAggregateRowEncoder(TableVariant.CURRENT));
    mixed.remove("dimensions");
    mixed.put("dimensions.key", "Array(String)");
    mixed.put("dimensions.value", "Array(String)");
    String described = described(mixed);
    WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
    assertThat(ClickHouseTables.variantOf(described, encoder)).isNull();
    // As close to one as to the other: the refusal names the problems of the server's variant.
    assertThat(ClickHouseTables.closestVariant(described, encoder, TableVariant.CURRENT))
        .isEqualTo(TableVariant.CURRENT);
    assertThat(ClickHouseTables.closestVariant(described, encoder, TableVariant.LEGACY))
        .isEqualTo(TableVariant.LEGACY);

    ClickHouseStandIn server = new ClickHouseStandIn("26.7.2.1", described);
    try {
      assertThatThrownBy(
              () ->
                  ClickHouseTables.prepare(
                      server.client(), ONCE, "window_aggregates", encoder, false))
          .isInstanceOf(ClickHouseException.class)
          .hasMessageContaining("ClickHouse table default.window_aggregates")
          .hasMessageContaining("has no column dimensions Map(String, String)")
          .hasMessageContaining("closest to the layout of sql/clickhouse/current/window_aggregates")
          .hasMessageContaining("matches neither");
    } finally {
      server.stop();
    }

    // 18.16 times with a Map.
    Map<String, String> other = map(new AlertRowEncoder());
    other.remove("dimensions.key");
    other.remove("dimensions.value");
    other.put("dimensions", "Map(String, String)");
    assertThat(ClickHouseTables.variantOf(described(other), new AlertRowEncoder())).isNull();
    String message =
        ClickHouseTables.refusal(
            "db.alerts",
            "http://h:8123",
            described(other),
            new AlertRowEncoder(),
            ClickHouseTables.closestVariant(
                described(other), new AlertRowEncoder(), TableVariant.LEGACY));
    assertThat(message)
        .startsWith("ClickHouse table db.alerts at http://h:8123 has no column dimensions.key")
        .contains("sql/clickhouse/alerts.sql (any server)")
        .contains(
            "sql/clickhouse/current/alerts.sql (ClickHouse 22.2 and later), table name alerts");
  }

  @Test
  void theJobCreatesTheLayoutOfTheServerAndWritesTheLayoutOfTheTable() throws Exception {
    for (ClickHouseRowEncoder<?> e : ENCODERS) {
      // A current server, no table yet: created with the current DDL, written in its layout.
      ClickHouseStandIn current =
          new ClickHouseStandIn(
              "26.7.2.1", described(e.withVariant(TableVariant.CURRENT).columns()));
      try {
        assertThat(ClickHouseTables.prepare(current.client(), ONCE, "t", e, true))
            .isEqualTo(TableVariant.CURRENT);
        assertThat(current.creates())
            .containsExactly(
                ClickHouseTables.ddl(
                    TableVariant.CURRENT, e.defaultTable(), "`default`.`t`", "26.7.2.1"));
      } finally {
        current.stop();
      }
      // A current server whose table an earlier job created with the 18.16 DDL: kept, and written
      // in its layout.
      ClickHouseStandIn earlier = new ClickHouseStandIn("26.7.2.1", described(e.columns()));
      try {
        assertThat(ClickHouseTables.prepare(earlier.client(), ONCE, "t", e, false))
            .isEqualTo(TableVariant.LEGACY);
        assertThat(earlier.creates()).isEmpty();
      } finally {
        earlier.stop();
      }
      // 18.16: its DDL.
      ClickHouseStandIn old = new ClickHouseStandIn("18.16.1", described(e.columns()));
      try {
        assertThat(ClickHouseTables.prepare(old.client(), ONCE, "t", e, true))
            .isEqualTo(TableVariant.LEGACY);
        assertThat(old.creates())
            .containsExactly(ClickHouseTables.ddl(e.defaultTable(), "`default`.`t`"));
      } finally {
        old.stop();
      }
    }
  }

  @Test
  void theEncodersWriteEachLayout() {
    dev.analytics.pipeline.model.Alert a = new dev.analytics.pipeline.model.Alert();
    a.eventType = "e";
    a.dimensions = new java.util.TreeMap<>(Map.of("region", "eu", "a", "b"));
    a.granularity = "1m";
    a.windowStart = 1_700_000_000_123L;
    a.windowEnd = 1_700_000_060_123L;
    a.pattern = "spike";
    a.metric = "count";
    a.message = "m";
    RowBinaryWriter current = new RowBinaryWriter();
    new AlertRowEncoder(TableVariant.CURRENT).encode(a, current);
    RowBinaryWriter expected =
        new RowBinaryWriter()
            .string("e")
            .string("a=b,region=eu")
            // Map(String, String): count, then key and value of each entry, sorted by key
            .varint(2)
            .string("a")
            .string("b")
            .string("region")
            .string("eu")
            .string("1m")
            // DateTime64(3): Int64 milliseconds, little-endian
            .int64(1_700_000_000_123L)
            .int64(1_700_000_060_123L)
            .string("spike")
            .string("count")
            .float64(0)
            .float64(0)
            .float64(0)
            .uint32(0)
            .string("m");
    assertThat(HexFormat.of().formatHex(current.toByteArray()))
        .isEqualTo(HexFormat.of().formatHex(expected.toByteArray()));
    assertThat(HexFormat.of().formatHex(new RowBinaryWriter().dateTime64Millis(1).toByteArray()))
        .isEqualTo("0100000000000000");

    RowBinaryWriter legacy = new RowBinaryWriter();
    new AlertRowEncoder(TableVariant.LEGACY).encode(a, legacy);
    RowBinaryWriter asToday = new RowBinaryWriter();
    new AlertRowEncoder().encode(a, asToday);
    assertThat(legacy.toByteArray()).isEqualTo(asToday.toByteArray());
    assertThat(new AlertRowEncoder().withVariant(TableVariant.CURRENT).columnList())
        .isEqualTo(
            "(`event_type`, `dims`, `dimensions`, `granularity`, `window_start`, `window_end`,"
                + " `pattern`, `metric`, `value`, `baseline`, `confidence`, `version`,"
                + " `message`)");
  }

  // ---- helpers ----

  private static String quote(String type) {
    return java.util.regex.Pattern.quote(type);
  }

  private static Map<String, String> map(ClickHouseRowEncoder<?> encoder) {
    Map<String, String> m = new LinkedHashMap<>();
    encoder.columns().forEach(c -> m.put(c.name(), c.type()));
    return m;
  }

  private static String described(List<ClickHouseColumn> columns) {
    return columns.stream().map(c -> c.name() + "\t" + c.type()).collect(Collectors.joining("\n"));
  }

  private static String described(Map<String, String> columns) {
    return columns.entrySet().stream()
        .map(c -> c.getKey() + "\t" + c.getValue())
        .collect(Collectors.joining("\n"));
  }
}
