package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.ChdbEngine;
import dev.analytics.pipeline.testing.GrafanaDashboard;
import dev.analytics.pipeline.testing.TestEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Our three tables of one {@link TableVariant} on the current ClickHouse engine (26.x in-process,
 * chdb): created with the variant's DDL as the job runs it there, loaded with RowBinary bodies of
 * our own encoders (every commit inserted twice, a late re-emission inserted before the window it
 * replaces), read back with FINAL and with argMax over the version exactly as the DDL banners say,
 * and every query of {@code sql/clickhouse/examples.sql} (of {@code
 * sql/clickhouse/current/examples.sql} for the current DDL) and of the Grafana dashboard run on
 * those rows: none fails, each returns data. One subclass per variant.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TablesOnCurrentEngine {
  /** The DDL and the encoders' layout under test. */
  abstract TableVariant variant();

  private static final String VERSION = "26.7.2.1";
  private static final String[] TYPES = {
    "performance.response_time", "checkout.completed", "api.error"
  };
  private static final List<String> TABLES =
      List.of("window_aggregates", "alerts", "high_priority_events");
  private static final long NOW = System.currentTimeMillis();

  /** A retention far beyond the rows' times (clickhouse.*.ttl): nothing expires. */
  private static final java.time.Duration TTL = java.time.Duration.ofDays(400);

  private static final long MINUTE = 60_000L;

  private final List<WindowAggregate> FIRST = new ArrayList<>();
  private final List<WindowAggregate> LATE = new ArrayList<>();
  private final List<Alert> ALERTS = new ArrayList<>();
  private final List<AnalyticsEvent> EVENTS = new ArrayList<>();
  private ChdbEngine.Result result;
  private List<String> exampleQueries;
  private List<String> dashboardQueries;

  @BeforeAll
  void loadEverything() throws Exception {
    Random random = new Random(26);
    long lastMinute = NOW - NOW % MINUTE - MINUTE;
    for (int i = 0; i < 300; i++) {
      WindowAggregate a = new WindowAggregate();
      a.eventType = TYPES[i % TYPES.length];
      a.dimensions = new TreeMap<>(Map.of("region", i % 2 == 0 ? "eu" : "us"));
      if (i % 5 == 0) {
        a.dimensions.put("endpoint", "/checkout?a=1,b=2");
      }
      a.granularity = i % 10 == 9 ? "1h" : "1m";
      long size = a.granularity.equals("1h") ? 60 * MINUTE : MINUTE;
      a.windowStart = lastMinute - (i / 3) * size - (lastMinute % size);
      a.windowEnd = a.windowStart + size;
      a.keptCount = 1 + random.nextInt(500);
      a.sampleRate = i % 4 == 0 ? 0.1 : 1.0;
      a.estimatedCount = a.keptCount / a.sampleRate;
      if (i % 7 != 3) {
        a.valueCount = a.keptCount;
        double[] v = new double[(int) a.valueCount];
        for (int j = 0; j < v.length; j++) {
          v[j] = Math.exp(random.nextGaussian()) * 100;
        }
        java.util.Arrays.sort(v);
        a.sum = java.util.Arrays.stream(v).sum() / a.sampleRate;
        a.min = v[0];
        a.max = v[v.length - 1];
        a.mean = java.util.Arrays.stream(v).average().orElseThrow();
        a.variancePop =
            java.util.Arrays.stream(v).map(x -> (x - a.mean) * (x - a.mean)).sum() / v.length;
        a.varianceSample = v.length < 2 ? Double.NaN : a.variancePop * v.length / (v.length - 1);
        a.stddevPop = Math.sqrt(a.variancePop);
        a.stddevSample = Math.sqrt(a.varianceSample);
        a.p50 = v[(int) (0.5 * (v.length - 1))];
        a.p75 = v[(int) (0.75 * (v.length - 1))];
        a.p90 = v[(int) (0.9 * (v.length - 1))];
        a.p95 = v[(int) (0.95 * (v.length - 1))];
        a.p99 = v[(int) (0.99 * (v.length - 1))];
        a.p999 = v[(int) (0.999 * (v.length - 1))];
      }
      FIRST.add(a);
      if (i % 11 == 0) {
        WindowAggregate late = copy(a);
        late.version = 1;
        late.keptCount += 1;
        late.estimatedCount = late.keptCount / late.sampleRate;
        LATE.add(late);
      }
    }
    for (int i = 0; i < 24; i++) {
      Alert a = new Alert();
      a.eventType = TYPES[i % TYPES.length];
      a.dimensions = new TreeMap<>(Map.of("region", "eu"));
      a.granularity = "1m";
      a.windowStart = lastMinute - i * 7 * MINUTE;
      a.windowEnd = a.windowStart + MINUTE;
      a.pattern = i % 4 == 3 ? "resolved" : i % 2 == 0 ? "spike" : "drop";
      a.metric = i % 2 == 0 ? "count" : "p95";
      a.value = 100 + i;
      a.baseline = 40.5;
      a.confidence = 0.75 + i / 100.0;
      a.version = i % 3;
      a.message = "window " + i + " 'quoted'\ttab";
      ALERTS.add(a);
    }
    for (int i = 0; i < 50; i++) {
      EVENTS.add(
          TestEvents.event(i % 2 == 0 ? "api.error" : "payment.failed")
              .id("evt-" + i)
              .at(NOW - i * 30_000L - 123)
              .value(i * 1.25)
              .hasValue(i % 3 != 0)
              .category(i % 4 == 0 ? null : "error")
              .priority(Priority.HIGH)
              .user("user-" + (i % 7))
              .tenant(i % 5 == 0 ? null : "tenant-" + (i % 2))
              .dim("region", "eu")
              .properties(i % 2 == 0 ? null : "{\"k\":" + i + "}")
              .weight(1)
              .sampleRate(1)
              .build());
    }

    Path dir = Files.createTempDirectory("chdb-tables");
    List<ChdbEngine.Load> loads = new ArrayList<>();
    WindowAggregateRowEncoder aggregates = new WindowAggregateRowEncoder(variant());
    // The late re-emissions first: the highest version must win whatever the order.
    loads.add(load(dir, "late", aggregates, LATE));
    loads.add(load(dir, "first", aggregates, FIRST));
    loads.add(load(dir, "first-again", aggregates, FIRST));
    AlertRowEncoder alerts = new AlertRowEncoder(variant());
    loads.add(load(dir, "alerts", alerts, ALERTS));
    loads.add(load(dir, "alerts-again", alerts, ALERTS));
    HighPriorityEventRowEncoder events = new HighPriorityEventRowEncoder(variant());
    loads.add(load(dir, "events", events, EVENTS));
    loads.add(load(dir, "events-again", events, EVENTS));

    exampleQueries = statements(Files.readString(Path.of(variant().ddlFile("examples"))));
    dashboardQueries = dashboardSql();
    boolean current = variant() == TableVariant.CURRENT;
    String windowStart =
        current
            ? "toUnixTimestamp64Milli(window_start)"
            : "toUInt64(window_start) * 1000 + window_start_millis";
    String windowEnd =
        current
            ? "toUnixTimestamp64Milli(window_end)"
            : "toUInt64(window_end) * 1000 + window_end_millis";
    String eventTime =
        current
            ? "toUnixTimestamp64Milli(event_time)"
            : "toUInt64(event_time) * 1000 + event_time_millis";
    String pairs =
        current ? "mapKeys(dimensions), mapValues(dimensions)" : "dimensions.key, dimensions.value";
    String windowKey = current ? "window_start" : "window_start, window_start_millis";
    List<String> queries = new ArrayList<>();
    queries.add(
        "SELECT event_type, dims, granularity, "
            + windowStart
            + ", "
            + windowEnd
            + ", version, estimated_count,"
            + " kept_count, sample_rate, value_count, value_sum, value_min, value_max, value_mean,"
            + " variance_pop, variance_sample, stddev_pop, stddev_sample, p50, p75, p90, p95, p99,"
            + " p999, arrayStringConcat(arrayMap((k, v) -> concat(k, '=', v), "
            + pairs
            + "), ';') FROM window_aggregates FINAL"
            + " ORDER BY event_type, dims, granularity, window_start");
    queries.add(
        "SELECT event_type, dims, granularity, "
            + windowStart
            + ", argMax(version, version), argMax(estimated_count, version),"
            + " argMax(kept_count, version), argMax(p99, version) FROM window_aggregates"
            + " GROUP BY event_type, dims, granularity, "
            + windowKey
            + " ORDER BY event_type, dims, granularity, window_start");
    queries.add(
        "SELECT event_type, dims, pattern, metric, "
            + windowStart
            + ", value, baseline, confidence, version, message FROM alerts FINAL"
            + " ORDER BY event_type, dims, window_start, pattern, metric");
    queries.add(
        "SELECT event_id, event_type, "
            + eventTime
            + ", value, category, priority, user_id, tenant_id, dims, properties, version"
            + " FROM high_priority_events FINAL ORDER BY event_id");
    queries.add("SELECT count() FROM window_aggregates");
    queries.addAll(exampleQueries);
    queries.addAll(dashboardQueries);
    for (String table : TABLES) {
      queries.add(
          "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '"
              + table
              + "'");
    }
    queries.add(
        "SELECT engine_full FROM system.tables WHERE database = currentDatabase()"
            + " ORDER BY name");
    result =
        ChdbEngine.locate()
            .run(
                List.of(
                    ClickHouseTables.ddl(
                        variant(), "window_aggregates", "window_aggregates", VERSION, TTL),
                    ClickHouseTables.ddl(variant(), "alerts", "alerts", VERSION, TTL),
                    ClickHouseTables.ddl(
                        variant(), "high_priority_events", "high_priority_events", VERSION, TTL)),
                loads,
                queries);
  }

  @Test
  void everyBodyOfOurEncodersLoads() {
    assertThat(result.version()).startsWith("26.");
    assertThat(result.loadErrors()).containsOnlyNulls();
    // Each commit was inserted twice; the repeats are kept until a merge (no tokens here).
    assertThat(Long.parseLong(result.results().get(4).strip()))
        .isEqualTo(2L * FIRST.size() + LATE.size());
  }

  @Test
  void finalReadsTheHighestVersionOfEveryWindowExactly() {
    Map<String, WindowAggregate> latest = new TreeMap<>();
    for (List<WindowAggregate> part : List.of(FIRST, LATE)) {
      for (WindowAggregate a : part) {
        latest.merge(key(a), a, (x, y) -> x.version >= y.version ? x : y);
      }
    }
    List<String[]> rows = rows(result.results().get(0));
    assertThat(rows).hasSize(latest.size());
    Map<String, String[]> byKey = new LinkedHashMap<>();
    for (String[] r : rows) {
      byKey.put(r[0] + "|" + unescape(r[1]) + "|" + r[2] + "|" + r[3], r);
    }
    for (WindowAggregate a : latest.values()) {
      String[] r = byKey.get(key(a));
      assertThat(r).as(key(a)).isNotNull();
      assertThat(Long.parseLong(r[4])).isEqualTo(a.windowEnd);
      assertThat(Integer.parseInt(r[5])).isEqualTo(a.version);
      double[] want = {
        a.estimatedCount, a.keptCount, a.sampleRate, a.valueCount, a.sum, a.min, a.max, a.mean,
        a.variancePop, a.varianceSample, a.stddevPop, a.stddevSample, a.p50, a.p75, a.p90, a.p95,
        a.p99, a.p999
      };
      for (int i = 0; i < want.length; i++) {
        assertThat(Double.valueOf(number(r[6 + i])))
            .as("%s column %d", key(a), 6 + i)
            .isEqualTo(Double.valueOf(want[i]));
      }
      String pairs =
          a.dimensions.entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(";"));
      assertThat(unescape(r[24])).isEqualTo(pairs);
    }
  }

  @Test
  void argMaxOverTheVersionAgreesWithFinal() {
    List<String[]> finalRows = rows(result.results().get(0));
    List<String[]> argMax = rows(result.results().get(1));
    assertThat(argMax).hasSameSizeAs(finalRows);
    for (int i = 0; i < argMax.size(); i++) {
      String[] f = finalRows.get(i);
      String[] g = argMax.get(i);
      assertThat(List.of(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]))
          .isEqualTo(List.of(f[0], f[1], f[2], f[3], f[5], f[6], f[7], f[22]));
    }
  }

  @Test
  void alertsAndHighPriorityEventsReadBackOnceWithEveryField() {
    List<String[]> alerts = rows(result.results().get(2));
    assertThat(alerts).hasSize(ALERTS.size());
    List<Alert> sorted = new ArrayList<>(ALERTS);
    sorted.sort(
        Comparator.comparing((Alert a) -> a.eventType)
            .thenComparing(a -> Dimensions.canonical(a.dimensions))
            .thenComparingLong(a -> a.windowStart)
            .thenComparing(a -> a.pattern)
            .thenComparing(a -> a.metric));
    for (int i = 0; i < sorted.size(); i++) {
      Alert a = sorted.get(i);
      String[] r = alerts.get(i);
      assertThat(r[0]).isEqualTo(a.eventType);
      assertThat(unescape(r[1])).isEqualTo(Dimensions.canonical(a.dimensions));
      assertThat(r[2]).isEqualTo(a.pattern);
      assertThat(r[3]).isEqualTo(a.metric);
      assertThat(Long.parseLong(r[4])).isEqualTo(a.windowStart);
      assertThat(number(r[5])).isEqualTo(a.value);
      assertThat(number(r[6])).isEqualTo(a.baseline);
      assertThat(number(r[7])).isEqualTo(a.confidence);
      assertThat(Integer.parseInt(r[8])).isEqualTo(a.version);
      assertThat(unescape(r[9])).isEqualTo(a.message);
    }

    List<String[]> events = rows(result.results().get(3));
    assertThat(events).hasSize(EVENTS.size());
    Map<String, AnalyticsEvent> byId = new TreeMap<>();
    EVENTS.forEach(e -> byId.put(e.eventId, e));
    int i = 0;
    for (AnalyticsEvent e : byId.values()) {
      String[] r = events.get(i++);
      assertThat(r[0]).isEqualTo(e.eventId);
      assertThat(r[1]).isEqualTo(e.eventType);
      assertThat(Long.parseLong(r[2])).isEqualTo(e.timestamp);
      assertThat(Double.valueOf(number(r[3])))
          .isEqualTo(Double.valueOf(e.hasValue ? e.value : Double.NaN));
      assertThat(nullable(r[4])).isEqualTo(e.category);
      assertThat(r[5]).isEqualTo("high");
      assertThat(nullable(r[6])).isEqualTo(e.userId);
      assertThat(nullable(r[7])).isEqualTo(e.tenantId);
      assertThat(unescape(r[8])).isEqualTo(Dimensions.canonical(e.dimensions));
      assertThat(nullable(r[9]) == null ? null : unescape(r[9])).isEqualTo(e.properties);
      assertThat(Long.parseLong(r[10])).isEqualTo(e.timestamp);
    }
  }

  @Test
  void everyExampleQueryRunsAndReturnsRows() {
    assertThat(exampleQueries).hasSize(7);
    int first = 5;
    for (int i = 0; i < exampleQueries.size(); i++) {
      assertThat(result.results().get(first + i))
          .as("examples.sql query %d:%n%s", i + 1, exampleQueries.get(i))
          .isNotBlank();
    }
  }

  @Test
  void everyClickHouseQueryOfTheDashboardRunsAndReturnsRows() {
    assertThat(dashboardQueries).hasSize(3);
    int first = 5 + exampleQueries.size();
    for (int i = 0; i < dashboardQueries.size(); i++) {
      assertThat(result.results().get(first + i))
          .as("dashboard query %d:%n%s", i + 1, dashboardQueries.get(i))
          .isNotBlank();
    }
  }

  /**
   * The writer's choice from the engine's own {@code system.columns}: the tables of this DDL are of
   * this variant, and of this variant only.
   */
  @Test
  void theWriterRecognisesTheVariantFromTheEnginesColumns() {
    int first = 5 + exampleQueries.size() + dashboardQueries.size();
    List<ClickHouseRowEncoder<?>> encoders =
        List.of(
            new WindowAggregateRowEncoder(),
            new AlertRowEncoder(),
            new HighPriorityEventRowEncoder());
    for (int i = 0; i < TABLES.size(); i++) {
      String described = result.results().get(first + i);
      assertThat(described).as(TABLES.get(i)).isNotBlank();
      assertThat(ClickHouseTables.variantOf(described, encoders.get(i)))
          .as(TABLES.get(i))
          .isEqualTo(variant());
      assertThat(
              ClickHouseTables.problems(
                  described, encoders.get(i).withVariant(variant()).columns()))
          .isEmpty();
    }
  }

  @Test
  void everyTableHasTheTtlOfItsOption() {
    String engines = result.results().get(result.results().size() - 1);
    assertThat(engines.lines().filter(l -> l.contains("+ toIntervalSecond(34560000)"))).hasSize(3);
  }

  // ---- helpers ----

  private static <T> ChdbEngine.Load load(
      Path dir, String name, ClickHouseRowEncoder<T> encoder, List<T> rows) throws Exception {
    RowBinaryWriter body = new RowBinaryWriter();
    for (T row : rows) {
      encoder.encode(row, body);
    }
    Path file = dir.resolve(name + ".rowbinary");
    Files.write(file, body.toByteArray());
    String structure =
        encoder.columns().stream()
            .map(c -> "`" + c.name() + "` " + c.type())
            .collect(Collectors.joining(", "));
    return new ChdbEngine.Load(
        encoder.defaultTable(), encoder.columnList(), structure, file, "async_insert = 0");
  }

  private static WindowAggregate copy(WindowAggregate a) {
    WindowAggregate c = new WindowAggregate();
    for (java.lang.reflect.Field f : WindowAggregate.class.getFields()) {
      try {
        f.set(c, f.get(a));
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
    }
    c.dimensions = new TreeMap<>(a.dimensions);
    return c;
  }

  private static String key(WindowAggregate a) {
    return a.eventType
        + "|"
        + Dimensions.canonical(a.dimensions)
        + "|"
        + a.granularity
        + "|"
        + a.windowStart;
  }

  /** The statements of a SQL file, comments and blank lines left out. */
  static List<String> statements(String sql) {
    String text =
        sql.lines()
            .filter(l -> !l.stripLeading().startsWith("--"))
            .collect(Collectors.joining("\n"));
    List<String> out = new ArrayList<>();
    for (String s : text.split(";")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  /**
   * The ClickHouse queries of the Grafana dashboard, with the plugin's macros expanded as it does
   * (see {@link GrafanaDashboard}) for the last day.
   */
  private static List<String> dashboardSql() throws Exception {
    java.time.Instant to = java.time.Instant.ofEpochSecond(NOW / 1000 + 60);
    java.time.Instant from = to.minusSeconds(86_400);
    List<String> expanded = new ArrayList<>();
    for (String sql : GrafanaDashboard.load(GrafanaDashboard.SHIPPED).clickHouseQueries()) {
      expanded.add(GrafanaDashboard.clickHouse(sql, from, to, java.time.Duration.ofMinutes(1)));
    }
    return expanded;
  }

  private static List<String[]> rows(String tsv) {
    List<String[]> rows = new ArrayList<>();
    for (String line : tsv.split("\n")) {
      if (!line.isEmpty()) {
        rows.add(line.split("\t", -1));
      }
    }
    return rows;
  }

  private static double number(String field) {
    return field.equals("\\N") ? Double.NaN : Double.parseDouble(field);
  }

  private static String nullable(String field) {
    return field.equals("\\N") ? null : field;
  }

  /** TabSeparated escapes of a string field undone. */
  private static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 1 < field.length()) {
        char n = field.charAt(++i);
        out.append(
            switch (n) {
              case 't' -> '\t';
              case 'n' -> '\n';
              case '0' -> '\0';
              default -> n;
            });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
