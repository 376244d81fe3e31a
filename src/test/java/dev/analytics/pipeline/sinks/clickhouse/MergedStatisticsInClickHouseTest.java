package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.ChdbEngine;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.MergedWindows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The percentile and deviation query of {@code sql/clickhouse/examples.sql}, run on 1-minute rows
 * of 7 days that our encoder wrote, on ClickHouse 18.16 (Debian's server) and on the current engine
 * (26.x, chdb): over all dimensions and over a subset, for positive and for mixed-sign values, it
 * gives the job's own merged accumulator's percentiles (up to float rounding, within the sketch's
 * guarantee of the exact ones) and standard deviations.
 */
class MergedStatisticsInClickHouseTest {
  private static final MergedWindows DATA = MergedWindows.generate(System.currentTimeMillis(), 19);

  /** Each query and what the job makes of the windows it selects. */
  private record Case(String what, String type, Predicate<Map<String, String>> dims, String sql) {}

  private static List<Case> cases() throws Exception {
    String query = exampleQuery();
    String eu =
        "AND value_count > 0\n      AND dimensions.value[indexOf(dimensions.key, 'region')] = 'eu'";
    assertThat(query).contains("AND value_count > 0");
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("all response times", MergedWindows.RESPONSE_TIME, d -> true, query));
    cases.add(
        new Case(
            "response times in eu",
            MergedWindows.RESPONSE_TIME,
            d -> d.get("region").equals("eu"),
            query.replace("AND value_count > 0", eu)));
    cases.add(
        new Case(
            "all deltas",
            MergedWindows.DELTA,
            d -> true,
            query.replace(MergedWindows.RESPONSE_TIME, MergedWindows.DELTA)));
    cases.add(
        new Case(
            "deltas of /search",
            MergedWindows.DELTA,
            d -> d.get("endpoint").equals("/search"),
            query
                .replace(MergedWindows.RESPONSE_TIME, MergedWindows.DELTA)
                .replace(
                    "AND value_count > 0",
                    "AND value_count > 0\n"
                        + "      AND dimensions.value[indexOf(dimensions.key, 'endpoint')] = '/search'")));
    return cases;
  }

  /** The query of examples.sql that merges percentiles. */
  static String exampleQuery() throws Exception {
    List<String> queries =
        ClickHouseTablesOnCurrentEngineTest.statements(
                Files.readString(Path.of("sql/clickhouse/examples.sql")))
            .stream()
            .filter(q -> q.contains("merged_p99"))
            .toList();
    assertThat(queries).hasSize(1);
    return queries.get(0);
  }

  @Test
  void onClickHouse18() throws Exception {
    try (ClickHouseServer server = ClickHouseServer.start()) {
      // The default database: the query names its table unqualified, as an analyst runs it.
      server.runFile(Path.of("sql/clickhouse/window_aggregates.sql"), "default");
      ClickHouseHttpClient client = server.client("default");
      assertThat(client.serverVersion()).startsWith("18.16");
      WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
      RowBinaryWriter body = new RowBinaryWriter();
      for (WindowAggregate row : DATA.rows()) {
        encoder.encode(row, body);
      }
      client.insert("window_aggregates", encoder.columnList(), body.toByteArray(), null);
      List<String> results = new ArrayList<>();
      for (Case c : cases()) {
        results.add(client.query(c.sql() + "\nFORMAT TabSeparated"));
      }
      check("18.16", results);
    }
  }

  @Test
  void onCurrentEngine() throws Exception {
    Path dir = Files.createTempDirectory("chdb-merged");
    WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
    RowBinaryWriter body = new RowBinaryWriter();
    for (WindowAggregate row : DATA.rows()) {
      encoder.encode(row, body);
    }
    Path file = dir.resolve("rows.rowbinary");
    Files.write(file, body.toByteArray());
    String structure =
        encoder.columns().stream()
            .map(c -> "`" + c.name() + "` " + c.type())
            .collect(Collectors.joining(", "));
    List<String> queries = new ArrayList<>();
    for (Case c : cases()) {
      queries.add(c.sql());
    }
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
                queries);
    assertThat(result.version()).startsWith("26.");
    assertThat(result.loadErrors()).containsOnlyNulls();
    check(result.version(), result.results());
  }

  private static void check(String version, List<String> results) throws Exception {
    List<Case> cases = cases();
    double[] worst = new double[2];
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      String[] f = results.get(i).strip().split("\t");
      assertThat(f).as(c.what() + ": " + results.get(i)).hasSize(12);
      assertThat(f[0]).isEqualTo(c.type());
      double[] p = new double[6];
      for (int j = 0; j < 6; j++) {
        p[j] = Double.parseDouble(f[3 + j]);
      }
      assertThat(f[2]).as("sketched values").isEqualTo(f[1]);
      double[] d =
          MergedWindows.assertAgrees(
              "ClickHouse " + version + ", " + c.what(),
              Long.parseLong(f[1]),
              p,
              Double.parseDouble(f[10]),
              Double.parseDouble(f[11]),
              DATA.merged(c.type(), c.dims()),
              DATA.values(c.type(), c.dims()));
      worst[0] = Math.max(worst[0], d[0]);
      worst[1] = Math.max(worst[1], d[1]);
    }
    System.out.printf(
        "ClickHouse %s: largest relative difference from the job: percentiles %.3g, standard"
            + " deviations %.3g%n",
        version, worst[0], worst[1]);
  }
}
