package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A URL with a password is refused, naming the key, and no message or dump shows the password:
 * before, a ClickHouse host with '_' (which Java's URI parser does not take for a host name, so it
 * reports no user information) and a PostgreSQL URL without "jdbc:" were echoed, password and all,
 * and a JDBC URL with user:password@ was accepted and logged in the start-up dump.
 */
class CredentialsInUrlsTest {
  @ParameterizedTest
  @CsvSource({
    "clickhouse.url, http://user:s3cr3t@ch_host:8123",
    "clickhouse.url, http://user:s3cr3t@localhost:8123",
    "clickhouse.url, ftp://user:s3cr3t@localhost:8123",
    "postgres.url, postgresql://user:s3cr3t@host/db",
    "postgres.url, jdbc:postgresql://user:s3cr3t@host:5432/db",
    "postgres.url, jdbc:postgresql://host/db?user=u&password=s3cr3t",
    "postgres.url, jdbc:postgresql://host/db?sslpassword=s3cr3t"
  })
  void aUrlWithAPasswordIsRefusedWithoutShowingIt(String key, String url) {
    Map<String, String> values = new HashMap<>();
    values.put(key, url);
    values.put("postgres.user", "u");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> JobConfig.of(values))
            .actual();
    assertThat(e.getMessage().contains(key)).as(e.getMessage()).isTrue();
    assertThat(e.getMessage().contains("credentials")).as(e.getMessage()).isTrue();
    assertThat(e.getMessage().contains("s3cr3t")).as(e.getMessage()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "http://user:s3cr3t@ch_host:8123/x, http://user:******@ch_host:8123/x",
    "jdbc:postgresql://h/db?password=s3cr3t&ssl=true, jdbc:postgresql://h/db?password=******&ssl=true",
    "http://localhost:8123, http://localhost:8123"
  })
  void messagesAndTheDumpMaskPasswordsInUrls(String text, String shown) {
    assertThat(JobConfig.redactCredentials(text)).isEqualTo(shown);
    assertThat(JobConfig.display(text)).isEqualTo(shown);
  }
}
