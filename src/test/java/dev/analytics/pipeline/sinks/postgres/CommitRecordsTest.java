package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.sink2.Committer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A retried commit that finds its prepared transaction gone: committed before (its commit record,
 * written in the transaction, says so) or rolled back outside the job (no record: its rows are
 * lost, and the commit fails instead of passing for done, as it used to). Ids of the format before
 * commit records, and transactions older than the records' retention, keep the old meaning.
 */
class CommitRecordsTest {
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
  void emptyTables() throws Exception {
    SinkDriver.resetCounterTables(postgres);
  }

  private static PostgresTwoPhaseCommitSink<DailyCounterIncrement> sink() {
    return new PostgresTwoPhaseCommitSink<>(
        settings,
        PostgresConnections.DEFAULT,
        "job.counters",
        new PostgresStatements.DailyCounterAdd("counter", SinkDriver.COUNTER_DIMS));
  }

  @Test
  void aTransactionRolledBackOutsideTheJobFailsItsCommit() throws Exception {
    try (var flink = SinkDriver.start(sink(), SinkDriver.COUNTERS)) {
      flink.write(SinkDriver.inc("a", 1));
      List<String> gids = flink.barrier(1);
      postgres.execute("ROLLBACK PREPARED '" + gids.get(0) + "'"); // by hand, or another tool
      AssertionError failed =
          assertThatExceptionOfType(AssertionError.class)
              .isThrownBy(() -> flink.complete(1))
              .actual();
      assertThat(failed.getCause())
          .hasMessageContaining(gids.get(0))
          .hasMessageContaining("was never committed")
          .hasMessageContaining("its rows are lost");
    }
  }

  @Test
  void aCommitRetriedAfterARestoreIsProvenByItsRecord() throws Exception {
    try (var flink = SinkDriver.start(sink(), SinkDriver.COUNTERS)) {
      flink.write(SinkDriver.inc("a", 1));
      List<String> gids = flink.barrier(1);
      flink.complete(1);
      assertThat(records()).containsExactly(gids.get(0));
      // Restored from checkpoint 1, whose committer state still holds the committed transaction.
      flink.restore(1);
      assertThat(flink.outcomes()).containsEntry(gids.get(0), "already committed");
    }
    assertThat(postgres.preparedTransactions()).isEmpty();
  }

  @Test
  void idsWithoutARecordToLookForKeepTheirOldMeaning() throws Exception {
    // Of the format before commit records (a savepoint of an older version), and one prepared
    // (its last part, epoch seconds) longer ago than the retention: gone means committed.
    List<String> old = List.of("job.counters:0:3:0", "job.counters:0:4:0:1000000000");
    for (String gid : old) {
      try (Connection c = postgres.connect();
          Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        s.execute("INSERT INTO counter VALUES ('view', '" + gid + "', '2024-01-01', 1)");
        s.execute("PREPARE TRANSACTION '" + gid + "'");
      }
      postgres.execute("COMMIT PREPARED '" + gid + "'");
    }
    Map<String, String> outcomes = new LinkedHashMap<>();
    try (Committer<String> committer = sink().createCommitter(null)) {
      List<Committer.CommitRequest<String>> requests = new ArrayList<>();
      for (String gid : old) {
        requests.add(new SinkDriver.Request(gid, outcomes));
      }
      committer.commit(requests);
    }
    assertThat(outcomes.values()).containsExactly("already committed", "already committed");
  }

  private static List<String> records() throws Exception {
    List<String> gids = new ArrayList<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT gid FROM analytics_sink_commit ORDER BY gid")) {
      while (rs.next()) {
        gids.add(rs.getString(1));
      }
    }
    return gids;
  }
}
