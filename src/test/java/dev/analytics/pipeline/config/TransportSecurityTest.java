package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Connections without TLS: warned about at start-up when they send a password in clear or leave the
 * host unencrypted, refused naming the key with {@code security.require-tls}.
 */
class TransportSecurityTest {
  private static JobConfig config(String... pairs) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", "localhost:9092");
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    return JobConfig.of(values);
  }

  @Test
  void clickHouseBasicAuthenticationOverHttpIsWarnedAboutUnlessOnThisHost() {
    assertThat(
            config("clickhouse.url", "http://ch.internal:8123", "clickhouse.password", "s3cret")
                .transportWarnings())
        .singleElement()
        .asString()
        .startsWith("clickhouse.url is http://: the password of clickhouse.user goes in clear")
        .contains("security.require-tls")
        .doesNotContain("s3cret");
    assertThat(
            config("clickhouse.url", "http://localhost:8123", "clickhouse.password", "s3cret")
                .transportWarnings())
        .isEmpty();
    // No password, nothing secret in clear.
    assertThat(config("clickhouse.url", "http://ch.internal:8123").transportWarnings()).isEmpty();
    assertThat(
            config("clickhouse.url", "https://ch.internal:8443", "clickhouse.password", "s3cret")
                .transportWarnings())
        .isEmpty();
  }

  @Test
  void postgresWithoutAnSslmodeThatInsistsOnTlsIsWarnedAboutUnlessOnThisHost() {
    String user = "postgres.user";
    assertThat(
            config("postgres.url", "jdbc:postgresql://db.internal:5432/analytics", user, "a")
                .transportWarnings())
        .singleElement()
        .asString()
        .startsWith("postgres.url has sslmode=prefer (the driver's default)")
        .contains("sslmode=verify-full");
    assertThat(
            config(
                    "postgres.url",
                    "jdbc:postgresql://db.internal/analytics?sslmode=disable",
                    user,
                    "a")
                .transportWarnings())
        .singleElement()
        .asString()
        .contains("sslmode=disable");
    for (String tls :
        new String[] {
          "jdbc:postgresql://db.internal/analytics?sslmode=require",
          "jdbc:postgresql://db.internal/analytics?ApplicationName=x&sslmode=verify-full",
          "jdbc:postgresql://db.internal/analytics?ssl=true",
          "jdbc:postgresql://localhost:5432/analytics",
          "jdbc:postgresql://127.0.0.1,[::1]:5433/analytics",
        }) {
      assertThat(config("postgres.url", tls, user, "a").transportWarnings()).as(tls).isEmpty();
    }
    assertThat(
            config("postgres.url", "jdbc:postgresql://localhost,db.internal/analytics", user, "a")
                .transportWarnings())
        .hasSize(1);
  }

  @Test
  void kafkaSaslPlainOverPlaintextIsWarnedAbout() {
    JobConfig plain =
        config(
            "kafka.bootstrap-servers", "broker-1.internal:9092,broker-2.internal:9092",
            "kafka.security-protocol", "SASL_PLAINTEXT",
            "kafka.sasl.username", "analytics",
            "kafka.sasl.password", "s3cret");
    assertThat(plain.transportWarnings())
        .singleElement()
        .asString()
        .startsWith("kafka.security-protocol is SASL_PLAINTEXT: the SASL PLAIN password goes in");
    JobConfig scram =
        config(
            "kafka.bootstrap-servers", "broker-1.internal:9092",
            "kafka.security-protocol", "SASL_PLAINTEXT",
            "kafka.sasl.mechanism", "SCRAM-SHA-512",
            "kafka.sasl.username", "analytics",
            "kafka.sasl.password", "s3cret");
    assertThat(scram.transportWarnings()).isEmpty();
    assertThat(config("kafka.bootstrap-servers", "b.internal:9092").transportWarnings()).isEmpty();
  }

  @Test
  void requireTlsRefusesEveryConnectionWithoutItNamingTheKey() {
    assertThatThrownBy(
            () -> config("security.require-tls", "true", "clickhouse.url", "http://localhost:8123"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("clickhouse.url")
        .hasMessageContaining("is http://")
        .hasMessageContaining("security.require-tls is true");
    assertThatThrownBy(
            () ->
                config(
                    "security.require-tls", "true",
                    "kafka.security-protocol", "SSL",
                    "postgres.url", "jdbc:postgresql://localhost/analytics?sslmode=prefer",
                    "postgres.user", "a"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("postgres.url")
        .hasMessageContaining("sslmode=prefer");
    assertThatThrownBy(() -> config("security.require-tls", "true"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.security-protocol")
        .hasMessageContaining("is PLAINTEXT");
    JobConfig tls =
        config(
            "security.require-tls", "true",
            "kafka.security-protocol", "SSL",
            "clickhouse.url", "https://ch.internal:8443",
            "postgres.url", "jdbc:postgresql://db.internal/analytics?sslmode=verify-full",
            "postgres.user", "a");
    assertThat(tls.transportWarnings()).isEmpty();
  }
}
