package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;
import java.time.Duration;

/**
 * Where and how to reach ClickHouse over HTTP. {@link #toString()} never shows the password.
 *
 * @param url {@code http(s)://host:port} of the HTTP interface
 * @param gzip whether request bodies are gzip-compressed (responses are never compressed: the
 *     Debian 18.16 build mishandles compressed responses)
 */
public record ClickHouseConnection(
    String url,
    String database,
    String user,
    String password,
    boolean gzip,
    Duration connectTimeout,
    Duration requestTimeout)
    implements Serializable {

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
        + "}";
  }
}
