package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.ClickHouseServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The writer's at-least-once strategies, the committer, table creation and checks, and failure
 * handling, against a real ClickHouse server.
 */
class ClickHouseWriterTest {
  private static final String DB = "writer";
  private static final RetryPolicy PATIENT =
      new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(5), 2, 0);

  private static ClickHouseServer server;
  private static int tables;

  @BeforeAll
  static void start() throws Exception {
    server = ClickHouseServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  /** A fresh table (created by the sink's own start-up code) and its settings. */
  private static ClickHouseSinkSettings table(BatchSettings batch) throws Exception {
    ClickHouseSinkSettings settings =
        new ClickHouseSinkSettings(
            connection(server.url(), "default"), "aggs_" + (++tables), batch, PATIENT, true);
    ClickHouseTables.prepare(
        new ClickHouseHttpClient(settings.connection()),
        settings.retry(),
        settings.table(),
        new WindowAggregateRowEncoder(),
        true);
    return settings;
  }

  private static ClickHouseConnection connection(String url, String user) {
    return new ClickHouseConnection(
        url, DB, user, "", false, Duration.ofSeconds(2), Duration.ofSeconds(10));
  }

  /**
   * The row count once it reaches {@code expected} (at-least-once inserts run on the writer's own
   * thread), or the last count after 10 s.
   */
  private long awaitCount(ClickHouseSinkSettings s, long expected) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    long n = count(s, "");
    while (n < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
      n = count(s, "");
    }
    return n;
  }

  private long count(ClickHouseSinkSettings s, String modifier) throws Exception {
    return Long.parseLong(
        server.query("SELECT count() FROM " + DB + "." + s.table() + " " + modifier).strip());
  }

  // ---- at-least-once strategies ----

  @Test
  void shouldInsertEveryMaxRowsWithSizeAndTheRestAtTheCheckpoint() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.SIZE, 3, 1 << 20, Duration.ofSeconds(1)));
    ManualTime time = new ManualTime();
    ClickHouseWriter<WindowAggregate> writer = writer(s, time);
    for (int i = 0; i < 7; i++) {
      writer.write(ClickHouseBatchingTest.aggregate(i), null);
    }
    assertThat(awaitCount(s, 6)).isEqualTo(6);
    assertThat(writer.prepareCommit()).isEmpty();
    writer.flush(false); // the checkpoint barrier: returns once every row is acknowledged
    assertThat(count(s, "")).isEqualTo(7);
    assertThat(time.timers).isEmpty();
  }

  @Test
  void shouldInsertEachRowWithImmediate() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.IMMEDIATE, 1000, 1 << 20, Duration.ofSeconds(1)));
    ClickHouseWriter<WindowAggregate> writer = writer(s, new ManualTime());
    for (int i = 0; i < 3; i++) {
      writer.write(ClickHouseBatchingTest.aggregate(i), null);
      assertThat(awaitCount(s, i + 1)).isEqualTo(i + 1);
    }
  }

  @Test
  void shouldInsertWhenTheOldestRowIsIntervalOldWithTime() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.TIME, 10, 1 << 20, Duration.ofMillis(200)));
    ManualTime time = new ManualTime();
    time.now = 1000;
    ClickHouseWriter<WindowAggregate> writer = writer(s, time);
    writer.write(ClickHouseBatchingTest.aggregate(0), null);
    time.now = 1100;
    writer.write(ClickHouseBatchingTest.aggregate(1), null);
    assertThat(count(s, "")).isZero();
    assertThat(time.timers).containsOnlyKeys(1200L);

    time.fire(1200);
    assertThat(awaitCount(s, 2)).isEqualTo(2);
    assertThat(time.timers).isEmpty();
  }

  @Test
  void shouldInsertBySizeOrByAgeWithHybrid() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.HYBRID, 3, 1 << 20, Duration.ofMillis(200)));
    ManualTime time = new ManualTime();
    ClickHouseWriter<WindowAggregate> writer = writer(s, time);
    for (int i = 0; i < 3; i++) {
      writer.write(ClickHouseBatchingTest.aggregate(i), null);
    }
    assertThat(awaitCount(s, 3)).isEqualTo(3); // by size, before the timer
    time.now = 150;
    writer.write(ClickHouseBatchingTest.aggregate(3), null);
    time.fire(200); // the first row's timer: the buffered row is only 50 ms old
    assertThat(count(s, "")).isEqualTo(3);
    assertThat(time.timers).containsOnlyKeys(350L);
    time.fire(350);
    assertThat(awaitCount(s, 4)).isEqualTo(4);
  }

  @Test
  void shouldFailTheNextFlushWhenAnInsertOnItsOwnThreadFailed() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.SIZE, 2, 1 << 20, Duration.ofSeconds(1)));
    ClickHouseWriter<WindowAggregate> writer = writer(s, new ManualTime());
    server.query("DROP TABLE " + DB + "." + s.table());
    writer.write(ClickHouseBatchingTest.aggregate(0), null);
    writer.write(ClickHouseBatchingTest.aggregate(1), null); // handed to the inserting thread

    ClickHouseException e =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(() -> writer.flush(false))
            .actual();
    assertThat(e).hasMessageContaining("doesn't exist");
    writer.close();
  }

  // ---- partitions per insert ----

  /** Three aggregates on each of {@code days} UTC days, in day order. */
  private static List<WindowAggregate> acrossDays(int days) {
    List<WindowAggregate> out = new ArrayList<>();
    for (int d = 0; d < days; d++) {
      for (int t = 0; t < 3; t++) {
        WindowAggregate a = ClickHouseBatchingTest.aggregate(t);
        a.windowStart += d * 86_400_000L;
        a.windowEnd += d * 86_400_000L;
        out.add(a);
      }
    }
    return out;
  }

  @Test
  void aCheckpointOf150DaysCommitsExactlyOnceAndEveryInsertLoadsIntoCurrentClickHouse()
      throws Exception {
    ClickHouseEngineCheck chdb = new ClickHouseEngineCheck();
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.CHECKPOINT, 100_000, 1 << 26, Duration.ofSeconds(1)));
    ClickHouseWriter<WindowAggregate> writer = writer(s, new ManualTime());
    List<WindowAggregate> rows = acrossDays(150);
    RowBinaryWriter all = new RowBinaryWriter();
    for (WindowAggregate a : rows) {
      writer.write(a, null);
      new WindowAggregateRowEncoder().encode(a, all);
    }
    List<ClickHouseCommittable> committables = new ArrayList<>(writer.prepareCommit());
    // Cut at ClickHouse's default of 100 partitions: days 0-99, then 100-149.
    assertThat(committables).extracting(ClickHouseCommittable::rowCount).containsExactly(300, 150);

    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), s.table(), null);
    ClickHouseCommitter committer =
        new ClickHouseCommitter(
            new ClickHouseInserter(new ClickHouseHttpClient(s.connection()), PATIENT, metrics),
            metrics);
    committer.commit(requests(committables));
    committer.commit(requests(committables)); // repeated at a restore: collapses
    assertThat(count(s, "FINAL")).isEqualTo(450);
    assertThat(
            server
                .query(
                    "SELECT uniqExact(partition) FROM system.parts WHERE active AND table = '"
                        + s.table()
                        + "'")
                .strip())
        .isEqualTo("150");

    // Every body loads into ClickHouse 26.x with its default max_partitions_per_insert_block;
    // the checkpoint as one insert, as before the cut, is refused there (code 252).
    List<String> errors = chdb.load(committables, all.toByteArray());
    assertThat(errors.subList(0, committables.size())).containsOnlyNulls();
    assertThat(errors.get(committables.size()))
        .contains("252")
        .contains("Too many partitions for single INSERT block");
    assertThat(chdb.finalCount).isEqualTo(450);
  }

  @Test
  void atLeastOnceInsertsAreCutBeforeOnePartitionTooMany() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.SIZE, 100_000, 1 << 26, Duration.ofSeconds(1), 40));
    Map<String, Counter> counters = new HashMap<>();
    ClickHouseWriter<WindowAggregate> writer =
        new ClickHouseWriter<>(
            new WindowAggregateRowEncoder(),
            s,
            new ClickHouseHttpClient(s.connection()),
            new ManualTime(),
            new UnregisteredMetricsGroup() {
              @Override
              public MetricGroup addGroup(String key, String value) {
                return this;
              }

              @Override
              public Counter counter(String name) {
                return counters.computeIfAbsent(name, n -> new SimpleCounter());
              }
            },
            "job",
            0,
            0);
    for (WindowAggregate a : acrossDays(150)) {
      writer.write(a, null);
    }
    writer.flush(false);
    assertThat(count(s, "")).isEqualTo(450);
    // 40 + 40 + 40 + 30 days, 120 + 120 + 120 + 90 rows: four inserts instead of one.
    assertThat(counters.get("inserts").getCount()).isEqualTo(4);
    assertThat(counters.get("rowsWritten").getCount()).isEqualTo(450);
  }

  @Test
  void tooManyPartitionsForOneInsertIsPermanentTooManyPartsIsNot() {
    assertThat(
            ClickHouseErrors.isTransient(
                500,
                252,
                "Code: 252. DB::Exception: Too many partitions for single INSERT block (more than"
                    + " 100). (TOO_MANY_PARTS)"))
        .isFalse();
    assertThat(
            ClickHouseErrors.isTransient(
                500,
                252,
                "Code: 252. DB::Exception: Too many parts (300). Merges are processing"
                    + " significantly slower than inserts. (TOO_MANY_PARTS)"))
        .isTrue();
  }

  /** Loads committables (and one body of every row) into a fresh chdb table, counts FINAL. */
  private static final class ClickHouseEngineCheck {
    private final dev.analytics.pipeline.testing.ChdbEngine engine =
        dev.analytics.pipeline.testing.ChdbEngine.locate();
    long finalCount;

    List<String> load(List<ClickHouseCommittable> committables, byte[] whole) throws Exception {
      WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
      String structure =
          encoder.columns().stream()
              .map(c -> "`" + c.name() + "` " + c.type())
              .collect(java.util.stream.Collectors.joining(", "));
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("chdb-bodies");
      List<dev.analytics.pipeline.testing.ChdbEngine.Load> loads = new ArrayList<>();
      List<byte[]> bodies = new ArrayList<>();
      committables.forEach(c -> bodies.add(c.rows()));
      bodies.add(whole);
      for (int i = 0; i < bodies.size(); i++) {
        // The last body goes to a table of its own, so that its refusal changes nothing else.
        String table = i < committables.size() ? "window_aggregates" : "window_aggregates_whole";
        java.nio.file.Path file = dir.resolve(i + ".rowbinary");
        java.nio.file.Files.write(file, bodies.get(i));
        loads.add(
            new dev.analytics.pipeline.testing.ChdbEngine.Load(
                table, encoder.columnList(), structure, file));
      }
      dev.analytics.pipeline.testing.ChdbEngine.Result result =
          engine.run(
              List.of(
                  ClickHouseTables.ddl("window_aggregates", "window_aggregates"),
                  ClickHouseTables.ddl("window_aggregates", "window_aggregates_whole")),
              loads,
              List.of("SELECT count() FROM window_aggregates FINAL"));
      assertThat(result.version()).startsWith("26.");
      finalCount = Long.parseLong(result.results().get(0).strip());
      return result.loadErrors();
    }
  }

  // ---- the committer ----

  @Test
  void shouldCollapseARepeatedCommitAndKeepTheHighestVersion() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.CHECKPOINT, 1000, 1 << 20, Duration.ofSeconds(1)));
    ClickHouseWriter<WindowAggregate> writer = writer(s, new ManualTime());
    for (int i = 0; i < 5; i++) {
      WindowAggregate late = ClickHouseBatchingTest.aggregate(i);
      late.version = 1;
      late.estimatedCount = 1000 + i;
      writer.write(late, null);
    }
    List<ClickHouseCommittable> committables = new ArrayList<>(writer.prepareCommit());
    assertThat(count(s, "")).isZero(); // nothing visible before the commit

    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), s.table(), null);
    ClickHouseCommitter committer =
        new ClickHouseCommitter(
            new ClickHouseInserter(new ClickHouseHttpClient(s.connection()), PATIENT, metrics),
            metrics);
    committer.commit(requests(committables));
    committer.commit(requests(committables)); // a commit repeated after a restore
    // The version-0 emission of the same windows, inserted after the late version 1.
    for (int i = 0; i < 5; i++) {
      writer.write(ClickHouseBatchingTest.aggregate(i), null);
    }
    committer.commit(requests(new ArrayList<>(writer.prepareCommit())));

    assertThat(metrics.inserts.getCount()).isEqualTo(3);
    assertThat(metrics.rows.getCount()).isEqualTo(15);
    assertThat(count(s, "FINAL")).isEqualTo(5);
    assertThat(
            server.rows(
                "SELECT event_type, version, estimated_count FROM "
                    + DB
                    + "."
                    + s.table()
                    + " FINAL ORDER BY event_type"))
        .containsExactly(
            "type-0\t1\t1000",
            "type-1\t1\t1001",
            "type-2\t1\t1002",
            "type-3\t1\t1003",
            "type-4\t1\t1004");
    server.query("OPTIMIZE TABLE " + DB + "." + s.table() + " FINAL");
    assertThat(count(s, "")).isEqualTo(5);
  }

  // ---- tables ----

  @Test
  void shouldCreateTablesUnderConfiguredNamesAndCheckThem() throws Exception {
    ClickHouseHttpClient client =
        new ClickHouseHttpClient(
            new ClickHouseConnection(
                server.url(),
                "created_db",
                "default",
                "",
                false,
                Duration.ofSeconds(2),
                Duration.ofSeconds(10)));
    ClickHouseTables.prepare(client, PATIENT, "my_alerts", new AlertRowEncoder(), true);
    ClickHouseTables.prepare(client, PATIENT, "my_alerts", new AlertRowEncoder(), true);
    ClickHouseTables.prepare(client, PATIENT, "my_alerts", new AlertRowEncoder(), false);
    assertThat(server.rows("SELECT name, engine FROM system.tables WHERE database = 'created_db'"))
        .containsExactly("my_alerts\tReplacingMergeTree");
    assertThat(server.query("SHOW CREATE TABLE created_db.my_alerts"))
        .contains("PARTITION BY toYYYYMMDD(window_start)")
        .contains("ReplacingMergeTree(version)");
  }

  @Test
  void shouldNameAMissingTableAndHowToCreateIt() throws Exception {
    ClickHouseHttpClient client = new ClickHouseHttpClient(connection(server.url(), "default"));
    ClickHouseException e =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(
                () ->
                    ClickHouseTables.prepare(
                        client, PATIENT, "missing", new HighPriorityEventRowEncoder(), false))
            .actual();
    assertThat(e.isTransient()).isFalse();
    assertThat(e)
        .hasMessageContaining("ClickHouse table writer.missing at " + server.url())
        .hasMessageContaining("does not exist")
        .hasMessageContaining("sql/clickhouse/high_priority_events.sql")
        .hasMessageContaining("clickhouse.create-tables: true");
  }

  @Test
  void shouldNameMissingColumnsAndWrongTypes() throws Exception {
    server.query("CREATE DATABASE IF NOT EXISTS " + DB);
    server.query(
        "CREATE TABLE "
            + DB
            + ".old_alerts (event_type String, dims String, window_start DateTime,"
            + " version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY event_type");
    ClickHouseHttpClient client = new ClickHouseHttpClient(connection(server.url(), "default"));
    ClickHouseException e =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(
                () ->
                    ClickHouseTables.prepare(
                        client, PATIENT, "old_alerts", new AlertRowEncoder(), false))
            .actual();
    assertThat(e)
        .hasMessageContaining("has no column dimensions.key Array(String)")
        .hasMessageContaining("has column window_start of type DateTime, expected DateTime('UTC')")
        .hasMessageContaining("has column version of type UInt64, expected UInt32")
        .hasMessageContaining("has no column message String");
  }

  // ---- failures ----

  @Test
  void shouldFailFastOnAnUnknownTableWithTheServersMessage() throws Exception {
    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), "nope", null);
    ClickHouseInserter inserter =
        new ClickHouseInserter(
            new ClickHouseHttpClient(connection(server.url(), "default")), PATIENT, metrics);
    server.query("CREATE DATABASE IF NOT EXISTS " + DB);
    long start = System.nanoTime();
    IOException e =
        assertThatExceptionOfType(IOException.class)
            .isThrownBy(() -> inserter.insert("nope", "(`a`)", new byte[] {0}, 1, "token"))
            .actual();
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).isLessThan(900); // no retry: the first backoff is 1 s
    assertThat(e)
        .isInstanceOf(ClickHouseException.class)
        .hasMessageContaining("insert into writer.nope failed (permanent, HTTP 404)")
        .hasMessageContaining("Code: 60")
        .hasMessageContaining("Table writer.nope doesn't exist");
    assertThat(metrics.retries.getCount()).isZero();
    assertThat(metrics.failures.getCount()).isEqualTo(1);
  }

  @Test
  void shouldFailFastOnAnUnknownColumn() throws Exception {
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.CHECKPOINT, 1000, 1 << 20, Duration.ofSeconds(1)));
    ClickHouseInserter inserter =
        new ClickHouseInserter(
            new ClickHouseHttpClient(s.connection()),
            PATIENT,
            ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), s.table(), null));
    ClickHouseException e =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(
                () -> inserter.insert(s.table(), "(`no_such_column`)", new byte[] {0}, 1, null))
            .actual();
    assertThat(e.code()).isEqualTo(16);
    assertThat(e.isTransient()).isFalse();
    assertThat(e).hasMessageContaining("into writer." + s.table()).hasMessageContaining("Code: 16");
  }

  @Test
  void shouldFailFastOnAnUnknownUser() {
    ClickHouseInserter inserter =
        new ClickHouseInserter(
            new ClickHouseHttpClient(connection(server.url(), "nobody")),
            PATIENT,
            ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), "t", null));
    ClickHouseException e =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(() -> inserter.insert("t", "(`a`)", new byte[0], 0, null))
            .actual();
    assertThat(e.code()).isEqualTo(192);
    assertThat(e.httpStatus()).isEqualTo(401);
    assertThat(e).hasMessageContaining("Unknown user nobody");
  }

  @Test
  void shouldRetryAnUnreachableServerThenGiveUp() throws Exception {
    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), "t", null);
    RetryPolicy quick = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 2, 0.5);
    ClickHouseInserter inserter =
        new ClickHouseInserter(
            new ClickHouseHttpClient(connection("http://127.0.0.1:" + closedPort(), "default")),
            quick,
            metrics);
    IOException e =
        assertThatExceptionOfType(IOException.class)
            .isThrownBy(() -> inserter.insert("t", "(`a`)", new byte[0], 0, null))
            .actual();
    assertThat(e)
        .hasMessageContaining("insert of 0 rows into writer.t failed 3 times, giving up")
        .hasMessageEndingWith("java.net.ConnectException")
        .hasCauseInstanceOf(java.net.ConnectException.class);
    assertThat(metrics.retries.getCount()).isEqualTo(2);
    assertThat(metrics.failures.getCount()).isEqualTo(3);
    assertThat(metrics.inserts.getCount()).isZero();
  }

  // ---- the circuit breaker ----

  private static final RetryPolicy QUICK =
      new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20), 2, 0);

  /** {@code s} with quick retries and a breaker probing every 200 ms. */
  private static ClickHouseSinkSettings withBreaker(ClickHouseSinkSettings s) {
    return new ClickHouseSinkSettings(
        s.connection(),
        s.table(),
        s.batch(),
        QUICK,
        false,
        Duration.ZERO,
        AdaptiveBatching.OFF,
        Duration.ofMillis(200));
  }

  @Test
  void committerHandsCommittablesBackWhileClickHouseIsDownThenCommitsEachOnce() throws Exception {
    ClickHouseSinkSettings s =
        withBreaker(
            table(new BatchSettings(BatchStrategy.CHECKPOINT, 10, 1 << 20, Duration.ofSeconds(1))));
    ClickHouseWriter<WindowAggregate> writer = writer(s, new ManualTime());
    for (int i = 0; i < 30; i++) {
      writer.write(ClickHouseBatchingTest.aggregate(i), null);
    }
    List<ClickHouseCommittable> committables = new ArrayList<>(writer.prepareCommit());
    assertThat(committables).hasSize(3);
    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), s.table(), null);
    ClickHouseCircuitBreaker breaker = new ClickHouseCircuitBreaker("committer", s.probeInterval());
    ClickHouseCommitter committer =
        new ClickHouseCommitter(
            new ClickHouseInserter(
                new ClickHouseHttpClient(s.connection()), QUICK, metrics, breaker),
            metrics);

    server.stop();
    Thread second = null;
    try {
      List<Recorded> requests = new ArrayList<>();
      committables.forEach(c -> requests.add(new Recorded(c)));
      long start = System.nanoTime();
      committer.commit(new ArrayList<>(requests));
      assertThat((System.nanoTime() - start) / 1_000_000)
          .as("gave up after the retries, without waiting")
          .isLessThan(5_000);
      assertThat(requests).allMatch(r -> r.retriedLater.get() == 1, "each handed back once");
      assertThat(breaker.state()).isEqualTo(ClickHouseCircuitBreaker.State.OPEN);
      assertThat(metrics.failures.getCount())
          .as("only the first committable was attempted (twice)")
          .isEqualTo(2);

      // Flink calls again at once: this call waits, probing, while ClickHouse is away.
      java.util.concurrent.atomic.AtomicReference<Throwable> failed =
          new java.util.concurrent.atomic.AtomicReference<>();
      second =
          new Thread(
              () -> {
                try {
                  committer.commit(new ArrayList<>(requests));
                } catch (Throwable t) {
                  failed.set(t);
                }
              });
      second.start();
      Thread.sleep(1_500);
      assertThat(second.isAlive()).as("the second call waits for ClickHouse").isTrue();
      long probes = metrics.failures.getCount() - 2;
      assertThat(probes).as("probes in 1.5 s at one per 200 ms").isBetween(3L, 9L);
      server.restart();
      second.join(30_000);
      assertThat(second.isAlive()).isFalse();
      assertThat(failed.get()).isNull();
      assertThat(requests).allMatch(r -> r.retriedLater.get() == 1, "not handed back again");
    } finally {
      if (second != null && second.isAlive()) {
        second.interrupt();
      }
      if (!server.isRunning()) {
        server.restart();
      }
    }
    assertThat(breaker.state()).isEqualTo(ClickHouseCircuitBreaker.State.CLOSED);
    assertThat(breaker.openings()).isEqualTo(1);
    assertThat(count(s, "")).as("each committable inserted once").isEqualTo(30);
    assertThat(count(s, "FINAL")).isEqualTo(30);
  }

  @Test
  void atLeastOnceWriterHoldsBackWithinItsBoundWhileClickHouseIsDown() throws Exception {
    ClickHouseSinkSettings s =
        withBreaker(
            table(new BatchSettings(BatchStrategy.SIZE, 10, 1 << 20, Duration.ofSeconds(1))));
    ClickHouseWriter<WindowAggregate> writer = writer(s, new ManualTime());
    server.stop();
    java.util.concurrent.atomic.AtomicInteger accepted =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread task =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 100; i++) {
                  writer.write(ClickHouseBatchingTest.aggregate(i), null);
                  accepted.incrementAndGet();
                }
                writer.flush(false);
              } catch (Throwable t) {
                failed.set(t);
              }
            });
    try {
      task.start();
      Thread.sleep(2_000);
      assertThat(task.isAlive()).as("the task thread waits").isTrue();
      // One batch in flight, one full buffer waiting for it, and the row that filled it.
      assertThat(accepted.get()).as("rows accepted while ClickHouse is down").isEqualTo(19);
      server.restart();
      task.join(30_000);
      assertThat(task.isAlive()).isFalse();
      assertThat(failed.get()).isNull();
    } finally {
      if (task.isAlive()) {
        task.interrupt();
      }
      if (!server.isRunning()) {
        server.restart();
      }
      writer.close();
    }
    assertThat(accepted.get()).isEqualTo(100);
    assertThat(count(s, "FINAL")).isEqualTo(100);
  }

  @Test
  void aTableThatVanishesUnderTheBreakerOpensItInsteadOfFailing() throws Exception {
    // What ClickHouse answers to new requests while it shuts down: the table is unknown.
    server.query("CREATE DATABASE IF NOT EXISTS " + DB);
    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(new UnregisteredMetricsGroup(), "gone", null);
    ClickHouseCircuitBreaker breaker = new ClickHouseCircuitBreaker("gone", Duration.ofSeconds(60));
    ClickHouseInserter inserter =
        new ClickHouseInserter(
            new ClickHouseHttpClient(connection(server.url(), "default")), QUICK, metrics, breaker);
    assertThat(inserter.insertUnlessOpen("gone", "(`a`)", new byte[] {0}, 1, null)).isFalse();
    assertThat(breaker.state()).isEqualTo(ClickHouseCircuitBreaker.State.OPEN);
    assertThat(metrics.retries.getCount()).as("not retried: the breaker waits").isZero();
    // An unknown column stays permanent: the table is there, the job's columns are wrong.
    ClickHouseSinkSettings s =
        table(new BatchSettings(BatchStrategy.CHECKPOINT, 1000, 1 << 20, Duration.ofSeconds(1)));
    ClickHouseInserter columns =
        new ClickHouseInserter(
            new ClickHouseHttpClient(s.connection()),
            QUICK,
            metrics,
            new ClickHouseCircuitBreaker("columns", Duration.ofSeconds(60)));
    assertThatExceptionOfType(ClickHouseException.class)
        .isThrownBy(
            () ->
                columns.insertUnlessOpen(s.table(), "(`no_such_column`)", new byte[] {0}, 1, null));
  }

  /** A commit request that records its hand-backs. */
  private static final class Recorded implements Committer.CommitRequest<ClickHouseCommittable> {
    final ClickHouseCommittable committable;
    final java.util.concurrent.atomic.AtomicInteger retriedLater =
        new java.util.concurrent.atomic.AtomicInteger();

    Recorded(ClickHouseCommittable committable) {
      this.committable = committable;
    }

    @Override
    public ClickHouseCommittable getCommittable() {
      return committable;
    }

    @Override
    public int getNumberOfRetries() {
      return retriedLater.get();
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void retryLater() {
      retriedLater.incrementAndGet();
    }

    @Override
    public void updateAndRetryLater(ClickHouseCommittable c) {
      throw new AssertionError("updateAndRetryLater");
    }

    @Override
    public void signalAlreadyCommitted() {}
  }

  private static int closedPort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static ClickHouseWriter<WindowAggregate> writer(
      ClickHouseSinkSettings s, ProcessingTimeService time) {
    return new ClickHouseWriter<>(
        new WindowAggregateRowEncoder(),
        s,
        new ClickHouseHttpClient(s.connection()),
        time,
        new UnregisteredMetricsGroup(),
        "job",
        0,
        0);
  }

  private static List<Committer.CommitRequest<ClickHouseCommittable>> requests(
      List<ClickHouseCommittable> committables) {
    List<Committer.CommitRequest<ClickHouseCommittable>> requests = new ArrayList<>();
    for (ClickHouseCommittable c : committables) {
      requests.add(new Request(c));
    }
    return requests;
  }

  /** A commit request that succeeds unless told otherwise. */
  private record Request(ClickHouseCommittable committable)
      implements Committer.CommitRequest<ClickHouseCommittable> {
    @Override
    public ClickHouseCommittable getCommittable() {
      return committable;
    }

    @Override
    public int getNumberOfRetries() {
      return 0;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void retryLater() {
      throw new AssertionError("retryLater");
    }

    @Override
    public void updateAndRetryLater(ClickHouseCommittable c) {
      throw new AssertionError("updateAndRetryLater");
    }

    @Override
    public void signalAlreadyCommitted() {}
  }

  /** Processing time set by the test; timers fire when the test says. */
  private static final class ManualTime implements ProcessingTimeService {
    long now;
    final TreeMap<Long, ProcessingTimeCallback> timers = new TreeMap<>();

    @Override
    public long getCurrentProcessingTime() {
      return now;
    }

    @Override
    public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
      timers.put(timestamp, target);
      return null;
    }

    void fire(long at) throws Exception {
      now = at;
      ProcessingTimeCallback callback = timers.remove(at);
      assertThat(callback).as("a timer at " + at).isNotNull();
      callback.onProcessingTime(at);
    }
  }
}
