package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.aggregation.AggregationSettings;
import dev.analytics.pipeline.aggregation.PartialAggregate;
import dev.analytics.pipeline.aggregation.WindowResultEmitter;
import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseHttpClient;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseRowEncoder;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseTables;
import dev.analytics.pipeline.sinks.clickhouse.RowBinaryWriter;
import dev.analytics.pipeline.sinks.clickhouse.WindowAggregateRowEncoder;
import dev.analytics.pipeline.sinks.postgres.PostgresSchema;
import dev.analytics.pipeline.sinks.postgres.PostgresStatements;
import dev.analytics.pipeline.testing.ChdbEngine;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.PostgresServer;
import dev.analytics.pipeline.testing.TestEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job's own hourly rollups against SQL over its 1-minute rows: one hour of events (three
 * endpoints, some without a value, late events within the allowed lateness) through the window and
 * rollup operators exactly as {@link AnalyticsPipeline} builds them; the 1-minute rows they emit
 * (every version) written to ClickHouse 18.16, the current ClickHouse engine (26.x, chdb) and
 * PostgreSQL by our encoder and upsert; the merging queries of {@code sql/clickhouse/examples.sql}
 * and {@code sql/postgres/percentiles.sql} per endpoint give the hourly row's p50..p99.9 and
 * standard deviations the job computed.
 */
class RollupsInSqlTest {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 60 * MINUTE;
  private static final String TYPE = "performance.response_time";
  private static final String[] ENDPOINTS = {"/checkout", "/search", "/home"};

  /** The highest version of each 1-hour row, by endpoint. */
  private static final Map<String, WindowAggregate> ROLLUPS = new TreeMap<>();

  private static final List<WindowAggregate> MINUTES = new ArrayList<>();

  private static final Map<String, Double> WORST =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  @BeforeAll
  static void runTheWindows() throws Exception {
    long now = System.currentTimeMillis();
    long hour = now - now % HOUR - 2 * HOUR;
    AggregationSettings s =
        new AggregationSettings(
            Map.of(TYPE, List.of("endpoint")),
            List.of(),
            100,
            10_000,
            Duration.ofMinutes(1),
            Duration.ofSeconds(30),
            List.of(Duration.ofHours(1)));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<AnalyticsEvent> in = env.fromData(event(TYPE, hour, 1, "/home", true));
    var windows = WindowStageTest.harness(AnalyticsPipeline.eventWindows(in, s, true), s::keyOf);
    Random random = new Random(19);
    List<AnalyticsEvent> late = new ArrayList<>();
    for (long t = hour; t < hour + HOUR; t += 50 + random.nextInt(100)) {
      String endpoint = ENDPOINTS[random.nextInt(ENDPOINTS.length)];
      double value = Math.exp(random.nextGaussian() * (endpoint.equals("/search") ? 1.2 : 0.6));
      AnalyticsEvent e = event(TYPE, t, value * 80, endpoint, random.nextInt(50) != 0);
      if (random.nextInt(200) == 0) {
        late.add(e); // arrives 10 s after its minute closed, within the 30 s lateness
      } else {
        windows.processElement(e, t);
      }
      if (t % MINUTE > 10_000 && !late.isEmpty() && late.get(0).timestamp < t - t % MINUTE) {
        for (AnalyticsEvent l : late) {
          windows.processElement(l, l.timestamp);
        }
        late.clear();
      }
      windows.processWatermark(t - 1);
    }
    windows.processWatermark(hour + HOUR + MINUTE);
    MINUTES.addAll(windows.extractOutputValues());
    List<StreamRecord<PartialAggregate>> partials =
        new ArrayList<>(windows.getSideOutput(WindowResultEmitter.PARTIALS));
    windows.close();
    assertThat(MINUTES.stream().filter(a -> a.version > 0)).as("late re-emissions").isNotEmpty();

    DataStream<PartialAggregate> p =
        env.fromData(new PartialAggregate("t", hour, new WindowAccumulator()));
    var rollup =
        WindowStageTest.harness(
            AnalyticsPipeline.windowPartials(p, s, Duration.ofHours(1), false),
            (PartialAggregate x) -> x.key);
    for (StreamRecord<PartialAggregate> r : partials) {
      rollup.processElement(r.getValue(), r.getTimestamp());
    }
    rollup.processWatermark(hour + 2 * HOUR);
    for (WindowAggregate a : rollup.extractOutputValues()) {
      assertThat(a.granularity).isEqualTo("1h");
      WindowAggregate kept = ROLLUPS.get(a.dimensions.get("endpoint"));
      if (kept == null || kept.version < a.version) {
        ROLLUPS.put(a.dimensions.get("endpoint"), a);
      }
    }
    rollup.close();
    assertThat(ROLLUPS).hasSize(3);
  }

  @Test
  void onClickHouse18() throws Exception {
    try (ClickHouseServer server = ClickHouseServer.start()) {
      server.runFile(Path.of("sql/clickhouse/window_aggregates.sql"), "default");
      ClickHouseHttpClient client = server.client("default");
      WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
      client.insert("window_aggregates", encoder.columnList(), rowBinary(encoder), null);
      List<String> results = new ArrayList<>();
      for (String q : clickHouseQueries()) {
        results.add(client.query(q + "\nFORMAT TabSeparated"));
      }
      checkClickHouse(results);
    }
  }

  @Test
  void onCurrentClickHouseEngine() throws Exception {
    WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
    Path file = Files.createTempFile("rollups", ".rowbinary");
    Files.write(file, rowBinary(encoder));
    String structure =
        encoder.columns().stream()
            .map(c -> "`" + c.name() + "` " + c.type())
            .collect(Collectors.joining(", "));
    ChdbEngine.Result result =
        ChdbEngine.locate()
            .run(
                List.of(ClickHouseTables.ddl("window_aggregates", "window_aggregates", "26.7.2.1")),
                List.of(
                    new ChdbEngine.Load(
                        "window_aggregates",
                        encoder.columnList(),
                        structure,
                        file,
                        "async_insert = 0")),
                clickHouseQueries());
    assertThat(result.version()).startsWith("26.");
    assertThat(result.loadErrors()).containsOnlyNulls();
    checkClickHouse(result.results());
  }

  @Test
  void onPostgres() throws Exception {
    try (PostgresServer postgres = PostgresServer.start()) {
      postgres.execute(
          PostgresSchema.aggregatesDdl("analytics_window_aggregate").toArray(String[]::new));
      var upsert = new PostgresStatements.AggregateUpsert("analytics_window_aggregate");
      try (Connection c = postgres.connect();
          PreparedStatement ps = c.prepareStatement(upsert.query())) {
        for (WindowAggregate row : MINUTES) {
          upsert.statement(ps, row);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      postgres.execute(Files.readString(Path.of("sql/postgres/percentiles.sql")));
      try (Connection c = postgres.connect();
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT * FROM window_percentiles(?, '1m', now() - interval '7 days', now(),"
                      + " CAST(? AS jsonb))")) {
        for (String endpoint : ENDPOINTS) {
          ps.setString(1, TYPE);
          ps.setString(2, "{\"endpoint\": \"" + endpoint + "\"}");
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            double[] p = new double[6];
            String[] names = {"p50", "p75", "p90", "p95", "p99", "p999"};
            for (int i = 0; i < 6; i++) {
              p[i] = rs.getDouble("merged_" + names[i]);
            }
            agrees(
                "PostgreSQL " + endpoint,
                ROLLUPS.get(endpoint),
                rs.getLong("merged_values"),
                p,
                rs.getDouble("merged_stddev_pop"),
                rs.getDouble("merged_stddev_sample"));
          }
        }
      }
    }
  }

  /** The examples.sql query once per endpoint. */
  private static List<String> clickHouseQueries() throws Exception {
    String query =
        statements(Files.readString(Path.of("sql/clickhouse/examples.sql"))).stream()
            .filter(q -> q.contains("merged_p99"))
            .findFirst()
            .orElseThrow();
    List<String> queries = new ArrayList<>();
    for (String endpoint : ENDPOINTS) {
      queries.add(
          query.replace(
              "AND value_count > 0",
              "AND value_count > 0\n      AND dimensions.value[indexOf(dimensions.key,"
                  + " 'endpoint')] = '"
                  + endpoint
                  + "'"));
    }
    return queries;
  }

  /** The statements of a SQL file, comment lines left out. */
  private static List<String> statements(String sql) {
    String text =
        sql.lines()
            .filter(l -> !l.stripLeading().startsWith("--"))
            .collect(Collectors.joining("\n"));
    List<String> out = new ArrayList<>();
    for (String q : text.split(";")) {
      if (!q.isBlank()) {
        out.add(q.strip());
      }
    }
    return out;
  }

  private static void checkClickHouse(List<String> results) {
    for (int i = 0; i < ENDPOINTS.length; i++) {
      String[] f = results.get(i).strip().split("\t");
      assertThat(f).hasSize(12);
      double[] p = new double[6];
      for (int j = 0; j < 6; j++) {
        p[j] = Double.parseDouble(f[3 + j]);
      }
      agrees(
          "ClickHouse " + ENDPOINTS[i],
          ROLLUPS.get(ENDPOINTS[i]),
          Long.parseLong(f[1]),
          p,
          Double.parseDouble(f[10]),
          Double.parseDouble(f[11]));
    }
  }

  private static void agrees(
      String what, WindowAggregate rollup, long n, double[] p, double sdPop, double sdSample) {
    assertThat(n).as(what + " values").isEqualTo(rollup.valueCount).isGreaterThan(1000);
    double[] expected = {rollup.p50, rollup.p75, rollup.p90, rollup.p95, rollup.p99, rollup.p999};
    for (int i = 0; i < 6; i++) {
      WORST.merge(what.split(" ")[0] + " percentiles", relative(p[i], expected[i]), Math::max);
      assertThat(p[i]).as("%s percentile %d", what, i).isCloseTo(expected[i], within(expected[i]));
    }
    WORST.merge(
        what.split(" ")[0] + " deviations",
        Math.max(relative(sdPop, rollup.stddevPop), relative(sdSample, rollup.stddevSample)),
        Math::max);
    assertThat(sdPop).as(what + " stddev_pop").isCloseTo(rollup.stddevPop, rel(rollup.stddevPop));
    assertThat(sdSample)
        .as(what + " stddev_sample")
        .isCloseTo(rollup.stddevSample, rel(rollup.stddevSample));
  }

  private static double relative(double actual, double expected) {
    return actual == expected ? 0 : Math.abs(actual - expected) / Math.abs(expected);
  }

  @org.junit.jupiter.api.AfterAll
  static void report() {
    System.out.println("Largest relative difference from the job's 1-hour rollups: " + WORST);
  }

  private static org.assertj.core.data.Offset<Double> within(double expected) {
    return org.assertj.core.data.Offset.offset(Math.abs(expected) * 1e-12);
  }

  private static org.assertj.core.data.Offset<Double> rel(double expected) {
    return org.assertj.core.data.Offset.offset(Math.abs(expected) * 1e-9);
  }

  private static byte[] rowBinary(ClickHouseRowEncoder<WindowAggregate> encoder) {
    RowBinaryWriter body = new RowBinaryWriter();
    for (WindowAggregate row : MINUTES) {
      encoder.encode(row, body);
    }
    return body.toByteArray();
  }

  private static AnalyticsEvent event(
      String type, long ts, double value, String endpoint, boolean hasValue) {
    return TestEvents.event(type)
        .id(type + "-" + ts + "-" + endpoint)
        .at(ts)
        .value(value)
        .hasValue(hasValue)
        .dim("endpoint", endpoint)
        .build();
  }
}
