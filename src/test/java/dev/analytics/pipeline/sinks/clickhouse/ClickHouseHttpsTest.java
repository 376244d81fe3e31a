package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.TestEvents;
import dev.analytics.pipeline.testing.TlsFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ClickHouse client over https against a real private ClickHouse 18.16 serving a self-signed
 * certificate generated here (keytool): with the certificate as the configured trust store (PKCS12
 * or PEM) tables are created and rows inserted by a user with a password; without it the TLS
 * handshake fails; a wrong password fails as a permanent error. Neither failure shows the password.
 */
class ClickHouseHttpsTest {
  private static final String USER = "secure_writer";
  private static final String PASSWORD = "Ch-Pa55-4f9e2a";
  private static final String STORE_PASSWORD = "Tr0st-Pa55-77";
  private static final String DB = "tls_db";

  @TempDir static Path dir;
  private static TlsFiles tls;
  private static ClickHouseServer server;

  @BeforeAll
  static void start() throws Exception {
    tls = TlsFiles.generate(dir, "clickhouse", STORE_PASSWORD);
    server = ClickHouseServer.startWithTls(tls, USER, PASSWORD);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** The client as the job builds it: options validated by JobConfig, secrets from the env. */
  private static ClickHouseHttpClient client(String password, String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("ANALYTICS_CLICKHOUSE_PASSWORD", password);
    env.put("ANALYTICS_CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD", STORE_PASSWORD);
    List<String> all =
        new java.util.ArrayList<>(
            List.of(
                "--kafka.bootstrap-servers",
                "localhost:9092",
                "--clickhouse.url",
                server.httpsUrl(),
                "--clickhouse.database",
                DB,
                "--clickhouse.user",
                USER,
                "--clickhouse.connect-timeout",
                "5 s"));
    all.addAll(List.of(args));
    if (!all.contains("--clickhouse.tls.truststore-location") || all.contains("pem")) {
      env.remove("ANALYTICS_CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD");
    }
    JobConfig config = JobConfig.load(all.toArray(String[]::new), env);
    return new ClickHouseHttpClient(ClickHouseSinks.connection(config));
  }

  private static final RetryPolicy ONCE =
      new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0);

  @Test
  void insertsOverHttpsWithTheConfiguredTrustStore() throws Exception {
    ClickHouseHttpClient client =
        client(PASSWORD, "--clickhouse.tls.truststore-location", tls.trustStore().toString());
    assertThat(client.serverVersion()).startsWith("18.");
    HighPriorityEventRowEncoder encoder = new HighPriorityEventRowEncoder();
    ClickHouseTables.prepare(client, ONCE, "events_https", encoder, true);
    RowBinaryWriter out = new RowBinaryWriter();
    for (int i = 0; i < 3; i++) {
      AnalyticsEvent e =
          TestEvents.event("api.error")
              .id("tls-" + i)
              .at(1_767_225_600_000L + i)
              .priority(dev.analytics.pipeline.model.Priority.HIGH)
              .weight(1)
              .build();
      encoder.encode(e, out);
    }
    client.insert("events_https", encoder.columnList(), out.toByteArray(), null);
    assertThat(server.rows("SELECT event_id FROM " + DB + ".events_https ORDER BY event_id"))
        .containsExactly("tls-0", "tls-1", "tls-2");

    // A PEM file with the certificate serves as well.
    ClickHouseHttpClient pem =
        client(
            PASSWORD,
            "--clickhouse.tls.truststore-location",
            tls.certificatePem().toString(),
            "--clickhouse.tls.truststore-type",
            "pem");
    assertThat(pem.query("SELECT count() FROM " + DB + ".events_https").strip()).isEqualTo("3");
  }

  @Test
  void failsTheHandshakeWithoutTheCertificateAmongTheTrustedOnes() {
    ClickHouseHttpClient client = client(PASSWORD);
    Exception e =
        assertThatExceptionOfType(Exception.class)
            .isThrownBy(() -> client.query("SELECT 1"))
            .actual();
    String trace = trace(e);
    assertThat(e).isInstanceOf(SSLHandshakeException.class);
    assertThat(trace).contains("PKIX path building failed").doesNotContain(PASSWORD);
  }

  @Test
  void failsPermanentlyWithAWrongPasswordWithoutShowingIt() {
    String wrong = "Wr0ng-" + PASSWORD;
    ClickHouseHttpClient client =
        client(wrong, "--clickhouse.tls.truststore-location", tls.trustStore().toString());
    ClickHouseException e =
        assertThatExceptionOfType(ClickHouseException.class)
            .isThrownBy(() -> client.query("SELECT 1"))
            .actual();
    assertThat(e.isTransient()).isFalse();
    assertThat(e.getMessage()).contains("Wrong password for user " + USER);
    assertThat(trace(e)).doesNotContain(wrong).doesNotContain(PASSWORD);
    assertThat(client.connection().toString()).doesNotContain(wrong);
  }

  private static String trace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
