package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.testing.PostgresServer;
import dev.analytics.pipeline.testing.SilentProxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A database that stops answering fails every connection of the sinks within the configured time,
 * with a message that says so, instead of blocking the task thread until Flink's watchdog kills the
 * TaskManager: a socket that accepts and never answers, and a proxy in front of the real PostgreSQL
 * that goes silent while a connection is open.
 */
class PostgresTimeoutsTest {
  private static PostgresServer postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  private static PostgresSettings settings(int port, String... more) {
    Map<String, String> values = new HashMap<>();
    values.put("postgres.url", "jdbc:postgresql://127.0.0.1:" + port + "/postgres");
    values.put("postgres.user", postgres.user());
    values.put("postgres.lock-timeout", "1 s");
    values.put("postgres.connect-timeout", "2 s");
    values.put("postgres.socket-timeout", "3 s");
    for (int i = 0; i < more.length; i += 2) {
      values.put(more[i], more[i + 1]);
    }
    return PostgresSettings.from(JobConfig.of(values));
  }

  @Test
  void aServerThatNeverAnswersFailsTheConnectionWithinTheConnectTimeout() throws Exception {
    try (SilentProxy silent = new SilentProxy(0)) {
      PostgresSettings s = settings(silent.port());
      long start = System.nanoTime();
      SQLException e =
          assertThat(
                  CompletableFuture.supplyAsync(
                      () ->
                          assertThatExceptionOfType(SQLException.class)
                              .isThrownBy(() -> PostgresConnections.DEFAULT.connect(s))
                              .actual()))
              .succeedsWithin(Duration.ofSeconds(30))
              .actual();
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(millis < 10_000).as("failed after " + millis + " ms").isTrue();
      assertThat(e.getMessage().contains("postgres.connect-timeout (2 s)"))
          .as(e.getMessage())
          .isTrue();

      // The at-least-once sinks' connections and the schema's have the same bound.
      assertThat(
              CompletableFuture.runAsync(
                  () ->
                      assertThatExceptionOfType(SQLException.class)
                          .isThrownBy(
                              () ->
                                  PostgresConnections.DEFAULT
                                      .connectionProvider(s)
                                      .getOrEstablishConnection())))
          .succeedsWithin(Duration.ofSeconds(30));
      assertThat(
              CompletableFuture.runAsync(
                  () ->
                      assertThatExceptionOfType(SQLException.class)
                          .isThrownBy(() -> PostgresSchema.connect(s))))
          .succeedsWithin(Duration.ofSeconds(30));
    }
  }

  @Test
  void aServerThatStopsAnsweringFailsTheStatementWithinTheSocketTimeout() throws Exception {
    try (SilentProxy proxy = new SilentProxy(postgres.port());
        Connection c = PostgresConnections.DEFAULT.connect(settings(proxy.port()))) {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 1")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      proxy.goSilent();
      long start = System.nanoTime();
      assertThat(
              CompletableFuture.runAsync(
                  () ->
                      assertThatExceptionOfType(SQLException.class)
                          .isThrownBy(() -> c.createStatement().executeQuery("SELECT 2"))))
          .succeedsWithin(Duration.ofSeconds(30));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(millis >= 2_500 && millis < 10_000).as("failed after " + millis + " ms").isTrue();
    }
  }

  @Test
  void theServerGivesUpOnAStatementBeforeTheClientDoes() throws Exception {
    try (Connection c = PostgresConnections.DEFAULT.connect(settings(postgres.port()));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW statement_timeout")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("2s");
    }
  }

  @Test
  void aSocketTimeoutThatWouldCutOffLockWaitsIsRefusedAtStartUp() {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> settings(postgres.port(), "postgres.lock-timeout", "1 min"))
            .actual();
    assertThat(e.getMessage().contains("postgres.socket-timeout")).as(e.getMessage()).isTrue();
  }
}
