package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.config.KeyStores;
import java.io.Serializable;
import java.time.Duration;

/**
 * Where and how to reach ClickHouse over HTTP. {@link #toString()} never shows the password.
 *
 * @param url {@code http(s)://host:port} of the HTTP interface
 * @param gzip whether request bodies are gzip-compressed (responses are never compressed: the
 *     Debian 18.16 build mishandles compressed responses)
 * @param trustStore the CA certificates an https server must present a certificate of, or null for
 *     the JVM's default CAs
 */
public record ClickHouseConnection(
    String url,
    String database,
    String user,
    String password,
    boolean gzip,
    Duration connectTimeout,
    Duration requestTimeout,
    TrustStore trustStore)
    implements Serializable {

  /** A connection trusting the JVM's default CAs. */
  public ClickHouseConnection(
      String url,
      String database,
      String user,
      String password,
      boolean gzip,
      Duration connectTimeout,
      Duration requestTimeout) {
    this(url, database, user, password, gzip, connectTimeout, requestTimeout, null);
  }

  /**
   * A trust store file (read on the TaskManagers: it must exist there too). {@link #toString()}
   * never shows the password.
   */
  public record TrustStore(String path, KeyStores.StoreType type, String password)
      implements Serializable {
    @Override
    public String toString() {
      return "TrustStore{" + path + ", " + type + "}";
    }
  }

  @Override
  public String toString() {
    return "ClickHouseConnection{"
        + url
        + ", database="
        + database
        + ", user="
        + user
        + ", password="
        + (password == null || password.isEmpty() ? "(none)" : "******")
        + ", gzip="
        + gzip
        + (trustStore == null ? "" : ", trustStore=" + trustStore)
        + "}";
  }
}
