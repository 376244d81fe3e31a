package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.testing.PostgresServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two jobs on one PostgreSQL whose names used to give the same transaction-id prefix (sanitised and
 * cut to 60 characters): a backfill that starts without state beside production rolled back
 * production's prepared transaction of a completed checkpoint, whose commit then found nothing and
 * took it as done, and production's rows were gone without an error. The exactly-once sinks are
 * built as the job builds them (PostgresSinks), from each job's configuration.
 */
class JobNamespacesTest {
  private static PostgresServer postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void emptyTables() throws Exception {
    SinkDriver.resetCounterTables(postgres);
  }

  @SuppressWarnings("unchecked")
  private static PostgresTwoPhaseCommitSink<DailyCounterIncrement> sinkOf(String jobName) {
    PostgresSettings s = SinkDriver.settings(postgres, "job.name", jobName);
    return (PostgresTwoPhaseCommitSink<DailyCounterIncrement>)
        PostgresSinks.sink(
            s,
            PostgresConnections.DEFAULT,
            "postgres-daily-counters",
            new PostgresStatements.DailyCounterAdd("counter", SinkDriver.COUNTER_DIMS));
  }

  @ParameterizedTest
  @CsvSource({
    "analytics pipeline, analytics_pipeline",
    "analytics-pipeline-with-a-name-of-more-than-sixty-characters-production,"
        + " analytics-pipeline-with-a-name-of-more-than-sixty-characters-backfill"
  })
  void aBackfillBesideProductionLeavesProductionsTransactionsAlone(
      String production, String backfill) throws Exception {
    try (var prod = SinkDriver.start(sinkOf(production), SinkDriver.COUNTERS)) {
      prod.write(SinkDriver.inc("a", 1));
      List<String> prepared = prod.barrier(1);
      // Checkpoint 1 of production completed; its commit has not run yet. The backfill starts.
      try (var fill = SinkDriver.start(sinkOf(backfill), SinkDriver.COUNTERS)) {
        fill.write(SinkDriver.inc("b", 2));
        fill.barrier(1);
        fill.complete(1);
      }
      prod.complete(1);
      assertThat(prod.outcomes()).containsEntry(prepared.get(0), "committed");
    }
    assertThat(counts()).isEqualTo(Map.of("a", 1L, "b", 2L));
  }

  /**
   * Two jobs with one instance id (the same job.name): the second one's writer finds the namespace
   * taken and fails before it looks at any prepared transaction, naming the setting and the session
   * that holds it; production commits as if nothing happened. Once production is gone, a job with
   * that id starts.
   */
  @Test
  void aSecondJobWithTheSameInstanceIdIsRefusedBeforeItTouchesAnything() throws Exception {
    try (var prod = SinkDriver.start(sinkOf("analytics-pipeline"), SinkDriver.COUNTERS)) {
      prod.write(SinkDriver.inc("a", 1));
      List<String> prepared = prod.barrier(1);
      IOException refused =
          assertThatExceptionOfType(IOException.class)
              .isThrownBy(() -> SinkDriver.start(sinkOf("analytics-pipeline"), SinkDriver.COUNTERS))
              .actual();
      assertThat(refused.getMessage())
          .contains("job.instance-id")
          .contains("held by PostgreSQL session")
          .contains("'Flink job " + SinkDriver.JOB.getJobId() + " analytics-pipeline.");
      prod.complete(1);
      assertThat(prod.outcomes()).containsEntry(prepared.get(0), "committed");
    }
    assertThat(counts()).isEqualTo(Map.of("a", 1L));
    try (var next = SinkDriver.start(sinkOf("analytics-pipeline"), SinkDriver.COUNTERS)) {
      next.write(SinkDriver.inc("a", 2));
      next.barrier(1);
      next.complete(1);
    }
    assertThat(counts()).isEqualTo(Map.of("a", 3L));
  }

  /**
   * A throwaway job with production's instance id, started without state while production was
   * stopped, leaves a prepared transaction behind (killed before its commit). It began before the
   * checkpoint production resumes from, so it used to be taken for one of production's completed
   * checkpoints that the committer would commit: nothing did, and its lock on every row held all of
   * production's rows back for good. The checkpoint's own record of its prepared transactions tells
   * it apart: it is rolled back, and production runs normally.
   */
  @Test
  void aTransactionLeftByAThrowawayRunIsRolledBackWhenProductionResumes() throws Exception {
    try (var prod = SinkDriver.start(sinkOf("analytics-pipeline"), SinkDriver.COUNTERS)) {
      for (long checkpoint = 1; checkpoint <= 4; checkpoint++) {
        prod.write(SinkDriver.inc("a", 1));
        prod.barrier(checkpoint);
        prod.complete(checkpoint);
      }
      prod.close(); // stopped with a savepoint at checkpoint 4

      try (var throwaway = SinkDriver.start(sinkOf("analytics-pipeline"), SinkDriver.COUNTERS)) {
        throwaway.write(SinkDriver.inc("b", 5));
        throwaway.barrier(1); // prepared, then the job is cancelled before its commit
      }
      assertThat(SinkDriver.ids(postgres.preparedTransactions())).hasSize(1);

      prod.restore(4);
      assertThat(SinkDriver.ids(postgres.preparedTransactions())).isEmpty();
      prod.write(SinkDriver.inc("a", 1));
      assertThat(SinkDriver.ids(prod.barrier(5))).hasSize(1);
      assertThat(prod.heldRows()).isZero();
      prod.complete(5);
    }
    assertThat(counts()).isEqualTo(Map.of("a", 5L));
  }

  private static Map<String, Long> counts() throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT template_id, count FROM counter")) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getLong(2));
      }
    }
    return counts;
  }
}
