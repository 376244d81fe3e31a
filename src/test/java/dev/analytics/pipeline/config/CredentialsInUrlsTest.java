package dev.analytics.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.of(values));
    assertTrue(e.getMessage().contains(key), e.getMessage());
    assertTrue(e.getMessage().contains("credentials"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "http://user:s3cr3t@ch_host:8123/x, http://user:******@ch_host:8123/x",
    "jdbc:postgresql://h/db?password=s3cr3t&ssl=true, jdbc:postgresql://h/db?password=******&ssl=true",
    "http://localhost:8123, http://localhost:8123"
  })
  void messagesAndTheDumpMaskPasswordsInUrls(String text, String shown) {
    org.junit.jupiter.api.Assertions.assertEquals(shown, JobConfig.redactCredentials(text));
    org.junit.jupiter.api.Assertions.assertEquals(shown, JobConfig.display(text));
  }
}
