package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.testing.MergedWindows;
import dev.analytics.pipeline.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The functions of {@code sql/postgres/percentiles.sql} on 1-minute rows of 7 days written by the
 * job's upsert, on a real PostgreSQL: over all dimensions and over a subset, for positive and for
 * mixed-sign values, {@code window_percentiles} gives the job's own merged accumulator's
 * percentiles (up to float rounding, within the sketch's guarantee of the exact ones) and standard
 * deviations.
 */
class MergedStatisticsInPostgresTest {
  private static final MergedWindows DATA = MergedWindows.generate(System.currentTimeMillis(), 19);
  private static PostgresServer postgres;
  private static final double[] WORST = new double[2];

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    postgres.execute(
        PostgresSchema.aggregatesDdl("analytics_window_aggregate").toArray(String[]::new));
    var upsert = new PostgresStatements.AggregateUpsert("analytics_window_aggregate");
    try (Connection c = postgres.connect();
        PreparedStatement ps = c.prepareStatement(upsert.query())) {
      for (var row : DATA.rows()) {
        upsert.statement(ps, row);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    postgres.execute(Files.readString(Path.of("sql/postgres/percentiles.sql")));
  }

  @AfterAll
  static void stop() throws Exception {
    System.out.printf(
        "PostgreSQL: largest relative difference from the job: percentiles %.3g, standard"
            + " deviations %.3g%n",
        WORST[0], WORST[1]);
    postgres.close();
  }

  @Test
  void responseTimesOfAllEndpointsOverSevenDays() throws Exception {
    check("all response times", MergedWindows.RESPONSE_TIME, "{}", d -> true);
  }

  @Test
  void responseTimesOfOneRegion() throws Exception {
    check(
        "response times in eu",
        MergedWindows.RESPONSE_TIME,
        "{\"region\": \"eu\"}",
        d -> d.get("region").equals("eu"));
  }

  @Test
  void valuesOfBothSignsAndZeros() throws Exception {
    check("all deltas", MergedWindows.DELTA, "{}", d -> true);
    check(
        "deltas of /search",
        MergedWindows.DELTA,
        "{\"endpoint\": \"/search\"}",
        d -> d.get("endpoint").equals("/search"));
  }

  /** The custom grouping of docs/postgresql.md: unnest, array_agg and sketch_quantile. */
  @Test
  void aCustomGroupingPerRegion() throws Exception {
    String sql =
        "SELECT a.dimensions->>'region' AS region,"
            + " sketch_quantile(array_agg(b.k), array_agg(b.c), 0.99) AS p99_unclamped"
            + " FROM analytics_window_aggregate a, unnest(a.sketch_index, a.sketch_count) AS b(k, c)"
            + " WHERE a.event_type = 'performance.response_time' AND a.granularity = '1m'"
            + " AND a.window_start >= now() - interval '7 days'"
            + " GROUP BY 1 ORDER BY 1";
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      for (String region : new String[] {"eu", "us"}) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo(region);
        var job = DATA.merged(MergedWindows.RESPONSE_TIME, d -> d.get("region").equals(region));
        assertThat(Math.max(job.min, Math.min(job.max, rs.getDouble(2)))).isEqualTo(job.p99);
      }
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void noRowNoValue() throws Exception {
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT merged_values, merged_p99, merged_stddev_pop FROM"
                    + " window_percentiles('none', '1m', now() - interval '7 days', now())")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getObject(1)).isNull();
      assertThat(rs.getObject(2)).isNull();
      assertThat(rs.getObject(3)).isNull();
    }
  }

  private static void check(String what, String type, String dims, Predicate<Map<String, String>> p)
      throws Exception {
    try (Connection c = postgres.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT * FROM window_percentiles(?, '1m', now() - interval '7 days', now(),"
                    + " CAST(? AS jsonb))")) {
      ps.setString(1, type);
      ps.setString(2, dims);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getDouble("sketched_values")).isEqualTo(rs.getLong("merged_values"));
        double[] percentiles = new double[6];
        String[] names = {"p50", "p75", "p90", "p95", "p99", "p999"};
        for (int i = 0; i < 6; i++) {
          percentiles[i] = rs.getDouble("merged_" + names[i]);
        }
        double[] d =
            MergedWindows.assertAgrees(
                "PostgreSQL, " + what,
                rs.getLong("merged_values"),
                percentiles,
                rs.getDouble("merged_stddev_pop"),
                rs.getDouble("merged_stddev_sample"),
                DATA.merged(type, p),
                DATA.values(type, p));
        synchronized (WORST) {
          WORST[0] = Math.max(WORST[0], d[0]);
          WORST[1] = Math.max(WORST[1], d[1]);
        }
        assertThat(rs.next()).isFalse();
      }
    }
  }
}
