package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once sink and the row locks of its own prepared transactions, against a real
 * PostgreSQL, driven as Flink drives it ({@link SinkDriver}). The rows are daily counters: every
 * checkpoint's transaction updates the same counter rows, and a prepared transaction keeps its row
 * locks until the committer commits it, which Flink does only when that checkpoint, or a later one,
 * completes. {@code postgres.lock-timeout} is 1 s here.
 */
class PreparedTransactionLocksTest {
  private static final List<String> DIMS = List.of("template_id");
  private static final long LOCK_TIMEOUT_MILLIS = 1_000;
  private static PostgresServer postgres;
  private static PostgresSettings settings;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    settings =
        PostgresSettings.from(
            JobConfig.of(
                Map.of(
                    "postgres.url",
                    postgres.jdbcUrl(),
                    "postgres.user",
                    postgres.user(),
                    "postgres.daily-counter-dimensions",
                    "template_id",
                    "postgres.batch-size",
                    "2",
                    "postgres.lock-timeout",
                    LOCK_TIMEOUT_MILLIS + " ms")));
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void emptyTable() throws Exception {
    for (String gid : postgres.preparedTransactions()) {
      postgres.execute("ROLLBACK PREPARED '" + gid + "'");
    }
    postgres.execute("DROP TABLE IF EXISTS counter");
    postgres.execute(PostgresSchema.dailyCountersDdl("counter", DIMS).toArray(String[]::new));
  }

  private static PostgresTwoPhaseCommitSink<DailyCounterIncrement> sink() {
    return new PostgresTwoPhaseCommitSink<>(
        settings,
        PostgresConnections.DEFAULT,
        "job.counters",
        new PostgresStatements.DailyCounterAdd("counter", DIMS));
  }

  private static DailyCounterIncrement inc(String template, long count) {
    return new DailyCounterIncrement("view", new String[] {template}, 20_000, count);
  }

  /**
   * The reported bug: checkpoint 1 is aborted after the writer prepared its transaction, so the
   * transaction stays prepared (Flink commits it when a later checkpoint completes); checkpoint 2's
   * transaction updates the same counter and waits on its lock until the lock timeout fails it.
   */
  @Test
  void theNextCheckpointWaitsOnTheLocksOfAnAbortedCheckpointsTransaction() throws Exception {
    try (var flink = SinkDriver.start(sink())) {
      flink.write(inc("a", 1), inc("b", 2));
      assertThat(flink.barrier(1)).containsExactly("job.counters:0:0:0");
      // checkpoint 1 is aborted: nothing is committed

      flink.write(inc("a", 10));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> flink.barrier(2)).hasStackTraceContaining("lock timeout");
      assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(LOCK_TIMEOUT_MILLIS);
    }
    assertThat(postgres.preparedTransactions()).containsExactly("job.counters:0:0:0");
    assertThat(counts()).isEmpty();
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
}
