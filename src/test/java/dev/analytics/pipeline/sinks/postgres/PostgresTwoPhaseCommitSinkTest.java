package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.testing.PostgresServer;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once sink's protocol against a real PostgreSQL: rows invisible until the committer
 * commits, a repeated commit taken as done, and on restore the orphans (transactions begun at or
 * after the restored checkpoint) rolled back while the transactions of completed checkpoints stay.
 */
class PostgresTwoPhaseCommitSinkTest {
  private static final List<String> DIMS = List.of("template_id");
  private static PostgresServer postgres;
  private static PostgresSettings settings;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    settings = SinkDriver.settings(postgres);
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void emptyTable() throws Exception {
    postgres.rollbackPreparedTransactions();
    postgres.execute("DROP TABLE IF EXISTS counter");
    postgres.execute(PostgresSchema.dailyCountersDdl("counter", DIMS).toArray(String[]::new));
    postgres.execute("DROP TABLE IF EXISTS analytics_sink_commit");
    postgres.execute(PostgresSchema.commitsDdl("analytics_sink_commit").toArray(String[]::new));
  }

  private static PostgresTwoPhaseCommitSink<DailyCounterIncrement> sink(String prefix) {
    return new PostgresTwoPhaseCommitSink<>(
        settings,
        PostgresConnections.DEFAULT,
        prefix,
        new PostgresStatements.DailyCounterAdd("counter", DIMS));
  }

  private static DailyCounterIncrement inc(String template, long count) {
    return new DailyCounterIncrement("view", new String[] {template}, 20_000, count);
  }

  @Test
  void rowsBecomeVisibleOnlyWhenTheCommitterCommits() throws Exception {
    var sink = sink("job.counters");
    var writer = sink.createWriter(context(0, 2, OptionalLong.empty()));
    writer.write(inc("a", 1), null);
    writer.write(inc("a", 2), null);
    writer.write(inc("b", 5), null); // the first two went out as a full batch
    List<String> gids = new ArrayList<>(writer.prepareCommit());
    writer.snapshotState(1);
    assertThat(SinkDriver.ids(gids)).containsExactly("job.counters:0:0:0");
    assertThat(counts()).isEmpty();
    assertThat(SinkDriver.ids(postgres.preparedTransactions()))
        .containsExactly("job.counters:0:0:0");

    try (var committer = sink.createCommitter(null)) {
      assertThat(commit(committer, gids)).containsExactly("committed");
      assertThat(counts()).containsExactly("a=3", "b=5");

      // The next transaction may touch the same rows once the previous one is committed (a
      // prepared transaction keeps its row locks until then).
      writer.write(inc("a", 10), null);
      List<String> next = new ArrayList<>(writer.prepareCommit());
      writer.snapshotState(2);
      assertThat(SinkDriver.ids(next)).containsExactly("job.counters:0:1:0");
      assertThat(SinkDriver.ids(writer.prepareCommit()))
          .as("nothing written: no transaction")
          .isEmpty();
      assertThat(counts()).containsExactly("a=3", "b=5");

      assertThat(commit(committer, next)).containsExactly("committed");
      assertThat(counts()).containsExactly("a=13", "b=5");
      assertThat(commit(committer, gids))
          .as("a transaction committed before a failure")
          .containsExactly("already committed");
    }
    assertThat(SinkDriver.ids(postgres.preparedTransactions())).isEmpty();
    writer.close();
  }

  @Test
  void restoreRollsBackOrphansAndKeepsTransactionsOfCompletedCheckpoints() throws Exception {
    var sink = sink("job.counters");
    // Before the failure: subtask 0 prepared transactions begun after checkpoints 4, 5 and 6;
    // subtask 1 one after 6; another sink one after 6.
    // (Distinct rows: a prepared transaction holds its row locks.)
    var writer = sink.restoreWriter(context(0, 2, OptionalLong.of(4)), List.of());
    writer.write(inc("a4", 1), null);
    writer.prepareCommit();
    writer.snapshotState(5);
    writer.write(inc("a5", 2), null);
    writer.prepareCommit();
    writer.snapshotState(6);
    writer.write(inc("a6", 4), null);
    writer.prepareCommit();
    writer.close();
    prepare(sink, 1, 6, inc("b", 8));
    prepare(sink("job.other"), 0, 6, inc("c", 16));

    // Restore from checkpoint 6: the transaction begun after 6 is an orphan; those begun after
    // 4 and 5 were prepared at barriers <= 6, so they belong to completed checkpoints.
    sink.createWriter(context(0, 2, OptionalLong.of(6))).close();
    assertThat(SinkDriver.ids(postgres.preparedTransactions()))
        .containsExactly(
            "job.counters:0:4:0", "job.counters:0:5:0", "job.counters:1:6:0", "job.other:0:6:0");

    // Rescaled to parallelism 1: subtask 0 also owns what subtask 1 left.
    sink.createWriter(context(0, 1, OptionalLong.of(6))).close();
    assertThat(SinkDriver.ids(postgres.preparedTransactions()))
        .containsExactly("job.counters:0:4:0", "job.counters:0:5:0", "job.other:0:6:0");

    // A start without state rolls back all of its own.
    sink.createWriter(context(0, 1, OptionalLong.empty())).close();
    assertThat(SinkDriver.ids(postgres.preparedTransactions())).containsExactly("job.other:0:6:0");
    assertThat(counts()).isEmpty();
  }

  private static void prepare(
      PostgresTwoPhaseCommitSink<DailyCounterIncrement> sink,
      int subtask,
      long lastCheckpoint,
      DailyCounterIncrement row)
      throws Exception {
    var writer =
        sink.restoreWriter(context(subtask, 2, OptionalLong.of(lastCheckpoint)), List.of());
    writer.write(row, null);
    writer.prepareCommit();
    writer.close();
  }

  private static List<String> commit(
      org.apache.flink.api.connector.sink2.Committer<String> committer, List<String> gids)
      throws Exception {
    List<String> outcomes = new ArrayList<>();
    List<CommitRequest<String>> requests = new ArrayList<>();
    for (String gid : gids) {
      outcomes.add("committed");
      int index = outcomes.size() - 1;
      requests.add(request(gid, outcome -> outcomes.set(index, outcome)));
    }
    committer.commit(requests);
    return outcomes;
  }

  private static List<String> counts() throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT template_id, count FROM counter ORDER BY 1")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + "=" + rs.getLong(2));
      }
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  private static CommitRequest<String> request(
      String gid, java.util.function.Consumer<String> outcome) {
    return (CommitRequest<String>)
        Proxy.newProxyInstance(
            CommitRequest.class.getClassLoader(),
            new Class<?>[] {CommitRequest.class},
            (p, m, a) ->
                switch (m.getName()) {
                  case "getCommittable" -> gid;
                  case "getNumberOfRetries" -> 0;
                  case "signalAlreadyCommitted" -> {
                    outcome.accept("already committed");
                    yield null;
                  }
                  default -> {
                    outcome.accept(m.getName() + (a == null ? "" : " " + a[0]));
                    yield null;
                  }
                });
  }

  private static WriterInitContext context(int subtask, int parallelism, OptionalLong restored) {
    return SinkDriver.context(
        subtask,
        parallelism,
        restored,
        TypeInformation.of(DailyCounterIncrement.class)
            .createSerializer(new SerializerConfigImpl()),
        new QueuedMailbox());
  }
}
