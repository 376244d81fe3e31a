package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.ChdbEngine;
import dev.analytics.pipeline.testing.ClickHouseStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A commit retried after a failure sends the same rows with the same deduplication token. On a
 * current ClickHouse (the 26.x engine in-process, chdb) a plain MergeTree ignores the token unless
 * the table has a deduplication window ({@code non_replicated_deduplication_window} is 0 by
 * default): the DDL as it is (ClickHouse 18.16's) keeps both copies until a merge collapses them,
 * so every read without FINAL counts the commit twice. The tables the job creates on a server that
 * takes tokens have the window, and the repeat is dropped at once; inserts are synchronous ({@code
 * async_insert = 0}, as the sink sends on servers that know the setting).
 */
class ClickHouseDeduplicationOnCurrentEngineTest {
  private static final String CURRENT = "26.7.2.1";

  @Test
  void aRetriedCommitIsDroppedByTheTablesTheJobCreatesOnACurrentServer() throws Exception {
    ChdbEngine engine = ChdbEngine.locate();
    WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
    RowBinaryWriter body = new RowBinaryWriter();
    List<WindowAggregate> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      WindowAggregate a = ClickHouseBatchingTest.aggregate(i);
      rows.add(a);
      encoder.encode(a, body);
    }
    Path file = Files.createTempFile("commit", ".rowbinary");
    Files.write(file, body.toByteArray());
    String structure =
        encoder.columns().stream()
            .map(c -> "`" + c.name() + "` " + c.type())
            .collect(Collectors.joining(", "));
    String settings =
        "async_insert = 0, insert_deduplication_token = 'job/window_aggregates/1a/7/0/0'";
    List<ChdbEngine.Load> loads = new ArrayList<>();
    for (String table : List.of("as_is", "created_by_job")) {
      for (int attempt = 0; attempt < 2; attempt++) {
        loads.add(new ChdbEngine.Load(table, encoder.columnList(), structure, file, settings));
      }
    }
    ChdbEngine.Result result =
        engine.run(
            List.of(
                ClickHouseTables.ddl("window_aggregates", "as_is"),
                ClickHouseTables.ddl("window_aggregates", "created_by_job", CURRENT)),
            loads,
            List.of(
                "SELECT count() FROM as_is",
                "SELECT count() FROM created_by_job",
                "SELECT count() FROM created_by_job FINAL",
                "SELECT value FROM system.merge_tree_settings"
                    + " WHERE name = 'non_replicated_deduplication_window'"));
    Files.delete(file);

    assertThat(result.version()).startsWith("26.");
    assertThat(result.loadErrors()).containsOnlyNulls();
    assertThat(result.results().get(3).strip()).as("the server's default window").isEqualTo("0");
    assertThat(result.results().get(0).strip()).as("18.16's DDL on 26.x").isEqualTo("80");
    assertThat(result.results().get(1).strip()).as("the job's DDL on 26.x").isEqualTo("40");
    assertThat(result.results().get(2).strip()).isEqualTo("40");
  }

  /**
   * The same on the current DDL ({@code sql/clickhouse/current/}, which has the window in its
   * SETTINGS), with the encoder's current variant: the retried commit is dropped at once.
   */
  @Test
  void aRetriedCommitIsDroppedByTheCurrentDdl() throws Exception {
    ChdbEngine engine = ChdbEngine.locate();
    WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder(TableVariant.CURRENT);
    RowBinaryWriter body = new RowBinaryWriter();
    for (int i = 0; i < 40; i++) {
      encoder.encode(ClickHouseBatchingTest.aggregate(i), body);
    }
    Path file = Files.createTempFile("commit", ".rowbinary");
    Files.write(file, body.toByteArray());
    String structure =
        encoder.columns().stream()
            .map(c -> "`" + c.name() + "` " + c.type())
            .collect(Collectors.joining(", "));
    List<ChdbEngine.Load> loads = new ArrayList<>();
    for (String token : List.of("j/w/1a/7/0/0", "j/w/1a/7/0/0", "j/w/1a/8/0/0")) {
      loads.add(
          new ChdbEngine.Load(
              "current_ddl",
              encoder.columnList(),
              structure,
              file,
              "async_insert = 0, insert_deduplication_token = '" + token + "'"));
    }
    ChdbEngine.Result result =
        engine.run(
            List.of(
                ClickHouseTables.ddl(
                    TableVariant.CURRENT,
                    "window_aggregates",
                    "current_ddl",
                    CURRENT,
                    java.time.Duration.ofDays(400))),
            loads,
            List.of(
                "SELECT count() FROM current_ddl",
                "SELECT count() FROM current_ddl FINAL",
                "SELECT engine_full FROM system.tables WHERE name = 'current_ddl'"));
    Files.delete(file);

    assertThat(result.version()).startsWith("26.");
    assertThat(result.loadErrors()).containsOnlyNulls();
    assertThat(ClickHouseTables.ignoresTokens(result.results().get(2).strip())).isFalse();
    // The TTL of clickhouse.aggregates.ttl, as the engine reads it.
    assertThat(result.results().get(2))
        .contains("TTL toDateTime(window_start) + toIntervalSecond(34560000)");
    // The repeat of token 7 dropped; the same rows under another token (a later checkpoint's
    // re-emission) inserted, and collapsed by the key.
    assertThat(result.results().get(0).strip()).isEqualTo("80");
    assertThat(result.results().get(1).strip()).isEqualTo("40");
  }

  @Test
  void theDeduplicationWindowIsSetOnlyWhereTokensAreTaken() {
    for (String table : List.of("window_aggregates", "alerts", "high_priority_events")) {
      assertThat(ClickHouseTables.ddl(TableVariant.CURRENT, table, "t", "26.7.2.1"))
          .isEqualTo(ClickHouseTables.ddl(TableVariant.CURRENT, table, "t"))
          .endsWith(
              "SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000");
    }
    for (String table : List.of("window_aggregates", "alerts", "high_priority_events")) {
      assertThat(ClickHouseTables.ddl(table, "t", "18.16.1"))
          .isEqualTo(ClickHouseTables.ddl(table, "t"))
          .doesNotContain("non_replicated_deduplication_window");
      assertThat(ClickHouseTables.ddl(table, "t", "22.2.1.1"))
          .endsWith(
              "SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000");
    }
  }

  /**
   * What the sink's HTTP client sends with an insert, per server version (no 26.x server can be
   * installed here: an endpoint that answers {@code SELECT version()} like one and records the
   * insert's URL; the 18.16 tests show the server accepts what is sent to it).
   */
  @Test
  void theInsertOfACommitIsSynchronousAndCarriesItsTokenOnACurrentServer() throws Exception {
    assertThat(insertParameters(CURRENT))
        .contains("async_insert=0")
        .contains("insert_deduplication_token=t%2F1");
    assertThat(insertParameters("21.11.1.1"))
        .contains("async_insert=0")
        .doesNotContain("insert_deduplication_token");
    assertThat(insertParameters("18.16.1")).doesNotContain("async_insert");
  }

  /** The query string of one insert with token "t/1" to a server of {@code version}. */
  private static String insertParameters(String version) throws Exception {
    try (ClickHouseStandIn server = new ClickHouseStandIn(version, "")) {
      ClickHouseHttpClient client = server.client();
      client.insert(
          "window_aggregates",
          "(`a`)",
          new byte[] {1},
          client.supportsDeduplicationToken() ? "t/1" : null);
      List<String> inserts = server.otherQueries();
      assertThat(inserts).hasSize(1);
      return inserts.get(0);
    }
  }

  /** A table made by hand without the window is warned about at start-up (engine_full). */
  @Test
  void aTableThatIgnoresTokensIsRecognised() {
    assertThat(
            ClickHouseTables.ignoresTokens(
                "ReplacingMergeTree(version) PARTITION BY toYYYYMMDD(window_start) ORDER BY (a)"
                    + " SETTINGS index_granularity = 8192"))
        .isTrue();
    assertThat(
            ClickHouseTables.ignoresTokens(
                "ReplacingMergeTree(version) ORDER BY (a) SETTINGS index_granularity = 8192,"
                    + " non_replicated_deduplication_window = 1000"))
        .isFalse();
    assertThat(
            ClickHouseTables.ignoresTokens(
                "ReplacingMergeTree(version) ORDER BY (a) SETTINGS"
                    + " non_replicated_deduplication_window = 0"))
        .isTrue();
    assertThat(
            ClickHouseTables.ignoresTokens(
                "ReplicatedReplacingMergeTree('/clickhouse/{shard}/t', '{replica}', version)"
                    + " ORDER BY (a)"))
        .isFalse();
    assertThat(ClickHouseTables.ignoresTokens("Distributed(cluster, db, t)")).isFalse();
  }

  @Test
  void asyncInsertIsTurnedOffOnServersThatKnowIt() {
    assertThat(ClickHouseHttpClient.knowsAsyncInsert("18.16.1")).isFalse();
    assertThat(ClickHouseHttpClient.knowsAsyncInsert("21.10.6.2")).isFalse();
    assertThat(ClickHouseHttpClient.knowsAsyncInsert("21.11.1.1")).isTrue();
    assertThat(ClickHouseHttpClient.knowsAsyncInsert("26.7.2.1")).isTrue();
  }
}
