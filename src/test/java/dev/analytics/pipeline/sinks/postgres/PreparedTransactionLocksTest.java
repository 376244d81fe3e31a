package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once sink and the row locks of its own prepared transactions, against a real
 * PostgreSQL, driven as Flink drives it ({@link SinkDriver}). Mostly daily counters: every
 * checkpoint's transaction updates the same counter rows, and a prepared transaction keeps its row
 * locks until the committer commits it, which Flink does only when that checkpoint, or a later one,
 * completes. {@code postgres.lock-timeout} is 1 s here: a write that waited on such a lock would
 * fail the test with "canceling statement due to lock timeout".
 *
 * <p>Each test ends with the exact counter values: nothing counted twice, nothing lost.
 */
class PreparedTransactionLocksTest {
  private static final List<String> DIMS = List.of("template_id");
  private static final long LOCK_TIMEOUT_MILLIS = 1_000;
  private static final TypeSerializer<DailyCounterIncrement> COUNTERS =
      TypeInformation.of(DailyCounterIncrement.class).createSerializer(new SerializerConfigImpl());
  private static final TypeSerializer<WindowAggregate> AGGREGATES =
      TypeInformation.of(WindowAggregate.class).createSerializer(new SerializerConfigImpl());
  private static PostgresServer postgres;
  private static PostgresSettings settings;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    settings = SinkDriver.settings(postgres, "postgres.lock-timeout", LOCK_TIMEOUT_MILLIS + " ms");
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void emptyTables() throws Exception {
    postgres.rollbackPreparedTransactions();
    postgres.execute("DROP TABLE IF EXISTS counter", "DROP TABLE IF EXISTS agg");
    postgres.execute(PostgresSchema.dailyCountersDdl("counter", DIMS).toArray(String[]::new));
    postgres.execute("DROP TABLE IF EXISTS analytics_sink_commit");
    postgres.execute(PostgresSchema.commitsDdl("analytics_sink_commit").toArray(String[]::new));
    postgres.execute(PostgresSchema.aggregatesDdl("agg").toArray(String[]::new));
  }

  private static PostgresTwoPhaseCommitSink<DailyCounterIncrement> sink() {
    return sink(PostgresTwoPhaseCommitSink.MAX_DEFERRED_ROWS);
  }

  private static PostgresTwoPhaseCommitSink<DailyCounterIncrement> sink(int maxDeferredRows) {
    return new PostgresTwoPhaseCommitSink<>(
        settings,
        PostgresConnections.DEFAULT,
        "job.counters",
        new PostgresStatements.DailyCounterAdd("counter", DIMS),
        maxDeferredRows);
  }

  private static SinkDriver<DailyCounterIncrement> flink() throws Exception {
    return SinkDriver.start(sink(), COUNTERS);
  }

  private static DailyCounterIncrement inc(String template, long count) {
    return new DailyCounterIncrement("view", new String[] {template}, 20_000, count);
  }

  /**
   * The reported bug (PreparedTransactionLocksTest before the fix: checkpoint 2 failed after the
   * lock timeout). Checkpoint 1 is aborted after the writer prepared its transaction; checkpoint 2
   * holds the row of counter a back instead of waiting on its lock, writes counter c at once, and
   * keeps a's increment in its writer state; when checkpoint 2 completes Flink commits both
   * transactions, and checkpoint 3 writes the held increment.
   */
  @Test
  void rowsLockedByAnAbortedCheckpointsTransactionWaitInMemoryNotOnTheLock() throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1), inc("b", 2));
      assertThat(SinkDriver.ids(flink.barrier(1))).containsExactly("job.counters:0:0:0");
      // checkpoint 1 is aborted: nothing is committed, its transaction keeps a and b locked

      flink.write(inc("a", 10), inc("c", 5));
      long t0 = System.nanoTime();
      assertThat(SinkDriver.ids(flink.barrier(2))).containsExactly("job.counters:0:1:0");
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(LOCK_TIMEOUT_MILLIS);
      assertThat(flink.heldRows()).isEqualTo(1);
      assertThat(flink.writerState(2))
          .singleElement()
          .satisfies(s -> assertThat(s.rows()).containsExactly(inc("a", 10)));

      flink.complete(2); // commits checkpoint 1's transaction, then checkpoint 2's
      assertThat(counts()).containsExactly("a=1", "b=2", "c=5");

      assertThat(SinkDriver.ids(flink.barrier(3))).containsExactly("job.counters:0:2:0");
      assertThat(flink.heldRows()).isZero();
      assertThat(flink.writerState(3))
          .singleElement()
          .satisfies(st -> assertThat(st.rows()).isEmpty());
      flink.complete(3);
      assertThat(counts()).containsExactly("a=11", "b=2", "c=5");
      assertThat(SinkDriver.ids(flink.outcomes()))
          .containsOnlyKeys("job.counters:0:0:0", "job.counters:0:1:0", "job.counters:0:2:0")
          .allSatisfy((gid, outcome) -> assertThat(outcome).isEqualTo("committed"));
    }
    assertThat(SinkDriver.ids(postgres.preparedTransactions())).isEmpty();
  }

  /** Checkpoint 1 completed, but the committer hears of it only after the next rows arrived. */
  @Test
  void aCompletionThatReachesTheCommitterLateFreesTheRowsBeforeTheNextBarrier() throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1));
      flink.barrier(1);
      flink.write(inc("a", 10));
      assertThat(flink.heldRows()).isEqualTo(1);

      flink.complete(1);
      assertThat(SinkDriver.ids(flink.barrier(2))).containsExactly("job.counters:0:1:0");
      assertThat(flink.writerState(2))
          .singleElement()
          .satisfies(st -> assertThat(st.rows()).isEmpty());
      flink.complete(2);
      assertThat(counts()).containsExactly("a=11");
    }
  }

  /**
   * The completion of checkpoint 1 reaches the committer only after barrier 2: the held row is in
   * checkpoint 2's state (no transaction for 2), and goes into checkpoint 3's transaction, merged
   * with a later increment of the same counter.
   */
  @Test
  void aCompletionLaterThanTheNextBarrierMovesTheRowsToTheCheckpointAfter() throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1));
      flink.barrier(1);
      flink.write(inc("a", 10));
      assertThat(SinkDriver.ids(flink.barrier(2)))
          .as("nothing else to write: no transaction")
          .isEmpty();
      assertThat(flink.writerState(2))
          .singleElement()
          .satisfies(s -> assertThat(s.rows()).containsExactly(inc("a", 10)));

      flink.complete(1);
      flink.complete(2);
      assertThat(counts()).containsExactly("a=1");
      flink.write(inc("a", 100), inc("b", 7));
      assertThat(flink.heldRows()).as("one row per counter").isLessThanOrEqualTo(1);
      assertThat(SinkDriver.ids(flink.barrier(3))).containsExactly("job.counters:0:2:0");
      flink.complete(3);
      assertThat(counts()).containsExactly("a=111", "b=7");
    }
  }

  /**
   * A restore from a checkpoint whose state holds rows: the committer commits again (already done),
   * the writer rolls back the transaction begun after that checkpoint (which held those rows too)
   * and writes the held rows again; the source replays the rest.
   */
  @Test
  void aRestoreWritesTheHeldRowsOnceAndRollsBackTheirLaterTransaction() throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1), inc("b", 2));
      flink.barrier(1); // aborted
      flink.write(inc("a", 10), inc("c", 5));
      flink.barrier(2); // a=10 held, in the state of 2
      flink.complete(2);
      assertThat(counts()).containsExactly("a=1", "b=2", "c=5");

      flink.write(inc("a", 100), inc("b", 20));
      assertThat(SinkDriver.ids(flink.barrier(3)))
          .containsExactly("job.counters:0:2:0"); // a=10+100, b=20
      // The task fails before checkpoint 3 completes; the job restores from checkpoint 2.
      flink.restore(2);
      assertThat(SinkDriver.ids(flink.outcomes()))
          .containsEntry("job.counters:0:0:0", "already committed")
          .containsEntry("job.counters:0:1:0", "already committed");
      assertThat(SinkDriver.ids(postgres.preparedTransactions()))
          .as("the orphan was rolled back")
          .isEmpty();
      assertThat(counts()).containsExactly("a=1", "b=2", "c=5");

      flink.write(inc("a", 100), inc("b", 20)); // replayed by the source
      assertThat(SinkDriver.ids(flink.barrier(3))).containsExactly("job.counters:0:2:0");
      flink.complete(3);
      assertThat(counts()).containsExactly("a=111", "b=22", "c=5");
    }
    assertThat(SinkDriver.ids(postgres.preparedTransactions())).isEmpty();
  }

  /**
   * Checkpoint 2 completed but the task failed before the committer heard of it: the restore
   * commits both transactions from the committer's state, then writes checkpoint 2's held row.
   */
  @Test
  void aRestoreCommitsTheCheckpointsTransactionsBeforeWritingItsHeldRows() throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1));
      flink.barrier(1); // aborted
      flink.write(inc("a", 10), inc("b", 3));
      flink.barrier(2); // completes, but the task fails first
      assertThat(counts()).isEmpty();

      flink.restore(2);
      assertThat(SinkDriver.ids(flink.outcomes()))
          .containsEntry("job.counters:0:0:0", "committed")
          .containsEntry("job.counters:0:1:0", "committed");
      assertThat(counts()).containsExactly("a=1", "b=3");
      assertThat(SinkDriver.ids(flink.barrier(3))).containsExactly("job.counters:0:2:0");
      flink.complete(3);
      assertThat(counts()).containsExactly("a=11", "b=3");
    }
  }

  /**
   * End of input (stop-with-savepoint --drain, bounded input) while the last checkpoint's
   * completion is on its way: the writer waits, running the task's mailbox, so that the committer
   * commits; then the held rows go into the last transaction.
   */
  @Test
  void atEndOfInputTheWriterLetsALateCompletionThroughAndWritesTheHeldRows() throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1));
      flink.barrier(1);
      flink.write(inc("a", 10)); // held
      flink.mailbox().execute(() -> flink.complete(1), "checkpoint 1 completed");

      assertThat(SinkDriver.ids(flink.endOfInput())).containsExactly("job.counters:0:1:0");
      assertThat(flink.mailbox().ran()).isEqualTo(1);
      assertThat(flink.heldRows()).isZero();
      flink.barrier(2); // the final checkpoint
      assertThat(flink.writerState(2))
          .singleElement()
          .satisfies(st -> assertThat(st.rows()).isEmpty());
      flink.complete(2);
      assertThat(counts()).containsExactly("a=11");
    }
    assertThat(SinkDriver.ids(postgres.preparedTransactions())).isEmpty();
  }

  /**
   * End of input after an aborted checkpoint: only a later checkpoint could commit its transaction,
   * and none comes after the end of input, so the writer fails the task after the lock timeout
   * instead of ending with rows unwritten; the restore and replay count everything once.
   */
  @Test
  void atEndOfInputAfterAnAbortedCheckpointTheTaskFailsAndTheRestoreLosesNothing()
      throws Exception {
    try (var flink = flink()) {
      flink.write(inc("a", 1), inc("b", 2));
      flink.barrier(1);
      flink.complete(1);
      flink.write(inc("a", 10));
      flink.barrier(2); // aborted
      flink.write(inc("a", 100)); // held

      long t0 = System.nanoTime();
      assertThatThrownBy(flink::endOfInput)
          .hasMessageContaining(
              "still locked by its own prepared transactions [job.counters:0:1:0:");
      assertThat((System.nanoTime() - t0) / 1_000_000)
          .isBetween(LOCK_TIMEOUT_MILLIS, LOCK_TIMEOUT_MILLIS + 2_000);
      assertThat(counts()).containsExactly("a=1", "b=2");

      flink.restore(1);
      assertThat(SinkDriver.ids(postgres.preparedTransactions())).isEmpty();
      flink.write(inc("a", 10)); // replayed
      flink.barrier(2);
      flink.complete(2);
      flink.write(inc("a", 100));
      assertThat(SinkDriver.ids(flink.endOfInput())).containsExactly("job.counters:0:2:0");
      flink.complete(3);
      assertThat(counts()).containsExactly("a=111", "b=2");
    }
  }

  /** Held rows merge per counter; more distinct rows than the bound fail the task. */
  @Test
  void heldRowsAreBoundedAfterMergingPerCounter() throws Exception {
    try (var flink = SinkDriver.start(sink(2), COUNTERS)) {
      flink.write(inc("a", 1), inc("b", 1), inc("c", 1));
      flink.barrier(1); // aborted
      flink.write(inc("a", 1), inc("a", 1), inc("a", 1), inc("b", 1));
      assertThat(flink.heldRows()).isEqualTo(2);
      assertThatThrownBy(() -> flink.write(inc("c", 1)))
          .hasMessageContaining("more than 2 rows wait for the row locks");
    }
  }

  /**
   * A transaction of a completed checkpoint that the committer has not committed when the writer
   * starts (e.g. its committer runs in another task) may hold any row: every row waits for it.
   */
  @Test
  void aTransactionOfACompletedCheckpointNotCommittedYetHoldsEveryRowUntilItIs() throws Exception {
    var sink = sink();
    var first = sink.createWriter(context(0, 1, OptionalLong.empty()));
    first.write(inc("a", 1), null);
    List<String> firstGids = new ArrayList<>(first.prepareCommit());
    assertThat(SinkDriver.ids(firstGids)).containsExactly("job.counters:0:0:0");
    first.close();

    var writer = sink.restoreWriter(context(0, 1, OptionalLong.of(1)), List.of());
    assertThat(SinkDriver.ids(postgres.preparedTransactions()))
        .containsExactly("job.counters:0:0:0");
    writer.write(inc("a", 10), null);
    writer.write(inc("z", 3), null);
    assertThat(writer.heldRows()).isEqualTo(2);
    postgres.execute("COMMIT PREPARED '" + firstGids.get(0) + "'"); // the committer
    List<String> next = new ArrayList<>(writer.prepareCommit());
    assertThat(SinkDriver.ids(next)).containsExactly("job.counters:0:1:0");
    writer.snapshotState(2);
    postgres.execute("COMMIT PREPARED '" + next.get(0) + "'");
    writer.close();
    assertThat(counts()).containsExactly("a=11", "z=3");
  }

  /**
   * Held rows in a restored state belong to the subtask that held them: restoring them into another
   * subtask (a rescale) is refused, except into a single subtask, which owns every row.
   */
  @Test
  void heldRowsRestoreIntoTheirSubtaskOrASingleOneOnly() throws Exception {
    List<PostgresWriterState<DailyCounterIncrement>> state =
        List.of(new PostgresWriterState<>(0, 2, List.of(inc("a", 10)), COUNTERS));
    var sink = sink();
    assertThatThrownBy(() -> sink.restoreWriter(context(1, 2, OptionalLong.of(5)), state))
        .hasMessageContaining("holds 1 rows that subtask 0 of 2 held back")
        .hasMessageContaining("Restore with parallelism 2");
    assertThatThrownBy(() -> sink.restoreWriter(context(0, 3, OptionalLong.of(5)), state))
        .hasMessageContaining("restored into subtask 0 of 3");

    var writer = sink.restoreWriter(context(0, 1, OptionalLong.of(5)), state);
    List<String> gids = new ArrayList<>(writer.prepareCommit());
    assertThat(SinkDriver.ids(gids)).containsExactly("job.counters:0:5:0");
    writer.snapshotState(6);
    writer.close();
    postgres.execute("COMMIT PREPARED '" + gids.get(0) + "'");
    assertThat(counts()).containsExactly("a=10");
  }

  /** A savepoint of the writer state's first version (no held rows) restores. */
  @Test
  void aWriterStateOfVersionOneRestores() throws Exception {
    var serializer = new PostgresWriterStateSerializer<DailyCounterIncrement>();
    var old = serializer.deserialize(1, new byte[0]);
    var writer = sink().restoreWriter(context(0, 1, OptionalLong.of(3)), List.of(old));
    assertThat(writer.heldRows()).isZero();
    writer.write(inc("a", 1), null);
    assertThat(SinkDriver.ids(writer.prepareCommit())).containsExactly("job.counters:0:3:0");
    writer.close();
  }

  /**
   * Window aggregates: a window that fires again waits for its earlier version's transaction; other
   * windows are written at once (only rows of a locked table row are held).
   */
  @Test
  void aWindowFiredAgainWaitsForItsEarlierVersionWhileOtherWindowsAreWritten() throws Exception {
    var sink =
        new PostgresTwoPhaseCommitSink<>(
            settings,
            PostgresConnections.DEFAULT,
            "job.aggregates",
            new PostgresStatements.AggregateUpsert("agg"));
    try (var flink = SinkDriver.start(sink, AGGREGATES)) {
      flink.write(window(0, 0, 5));
      flink.barrier(1); // aborted
      flink.write(window(0, 1, 7), window(1, 0, 2), window(0, 2, 9));
      assertThat(flink.heldRows()).as("both later versions of window 0, in order").isEqualTo(2);
      assertThat(SinkDriver.ids(flink.barrier(2))).containsExactly("job.aggregates:0:1:0");
      flink.complete(2);
      assertThat(windows()).containsExactly("0=v0:5", "1=v0:2");
      flink.barrier(3);
      flink.complete(3);
      assertThat(windows()).containsExactly("0=v2:9", "1=v0:2");
    }
  }

  private static WindowAggregate window(int minute, int version, long kept) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = "view";
    a.granularity = "1m";
    a.windowStart = 1_767_225_600_000L + minute * 60_000L;
    a.windowEnd = a.windowStart + 60_000L;
    a.version = version;
    a.keptCount = kept;
    a.estimatedCount = kept;
    a.sampleRate = 1;
    return a;
  }

  private static WriterInitContext context(int subtask, int parallelism, OptionalLong restored) {
    return SinkDriver.context(subtask, parallelism, restored, COUNTERS, new QueuedMailbox());
  }

  private static List<String> counts() throws Exception {
    return query("SELECT template_id || '=' || count FROM counter ORDER BY 1");
  }

  private static List<String> windows() throws Exception {
    return query(
        "SELECT extract(minute FROM window_start)::int || '=v' || version || ':' || kept_count"
            + " FROM agg ORDER BY window_start");
  }

  private static List<String> query(String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
