package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.sinks.postgres.PostgresOptions.PostgresMode;
import java.io.Serializable;
import java.util.List;
import java.util.Properties;

/**
 * The PostgreSQL settings the sinks need, taken from a validated {@link JobConfig}. Serializable:
 * it travels in the job graph (so the password does too, as with any JDBC sink; it never appears in
 * {@link #toString()}).
 */
public record PostgresSettings(
    String url,
    String user,
    String password,
    PostgresMode mode,
    boolean createTables,
    boolean dailyCounters,
    List<String> dailyCounterDimensions,
    int batchSize,
    long lockTimeoutMillis,
    int connectTimeoutSeconds,
    int socketTimeoutSeconds,
    String aggregatesTable,
    String alertsTable,
    String dailyCountersTable,
    String commitsTable,
    long commitRecordRetentionMillis,
    String transactionIdPrefix)
    implements Serializable {

  public PostgresSettings {
    dailyCounterDimensions = List.copyOf(dailyCounterDimensions);
  }

  /** The settings, or null when {@code postgres.url} is empty (PostgreSQL is off). */
  public static PostgresSettings from(JobConfig config) {
    String url = config.get(PostgresOptions.POSTGRES_URL);
    if (url.isEmpty()) {
      return null;
    }
    return new PostgresSettings(
        url,
        config.get(PostgresOptions.POSTGRES_USER),
        config.get(PostgresOptions.POSTGRES_PASSWORD),
        config.get(PostgresOptions.POSTGRES_MODE),
        config.get(PostgresOptions.POSTGRES_CREATE_TABLES),
        config.get(PostgresOptions.POSTGRES_DAILY_COUNTERS),
        config.get(PostgresOptions.POSTGRES_DAILY_COUNTER_DIMENSIONS),
        config.get(PostgresOptions.POSTGRES_BATCH_SIZE),
        config.get(PostgresOptions.POSTGRES_LOCK_TIMEOUT).toMillis(),
        (int) config.get(PostgresOptions.POSTGRES_CONNECT_TIMEOUT).toSeconds(),
        (int) config.get(PostgresOptions.POSTGRES_SOCKET_TIMEOUT).toSeconds(),
        config.get(PostgresOptions.POSTGRES_TABLE_AGGREGATES),
        config.get(PostgresOptions.POSTGRES_TABLE_ALERTS),
        config.get(PostgresOptions.POSTGRES_TABLE_DAILY_COUNTERS),
        config.get(PostgresOptions.POSTGRES_TABLE_COMMITS),
        config.get(PostgresOptions.POSTGRES_COMMIT_RECORD_RETENTION).toMillis(),
        config.instanceId());
  }

  /**
   * The driver properties of every connection: credentials, the timeouts, and the server-side
   * {@code lock_timeout} and {@code statement_timeout}.
   */
  public Properties connectionProperties() {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", String.valueOf(connectTimeoutSeconds));
    p.setProperty("loginTimeout", String.valueOf(connectTimeoutSeconds));
    p.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
    p.setProperty("tcpKeepAlive", "true");
    // The server's keepalive ends the session of a client cut off by the network within about
    // two minutes, and with it the writer's advisory lock (InstanceLock).
    p.setProperty(
        "options",
        "-c lock_timeout="
            + lockTimeoutMillis
            + " -c statement_timeout="
            + Math.max(1, socketTimeoutSeconds * 1000L - 1000)
            + " -c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10"
            + " -c tcp_keepalives_count=6");
    return p;
  }

  /** The URL without secrets: a password in its user information or parameters is masked. */
  public String redactedUrl() {
    return JobConfig.redactCredentials(url);
  }

  public boolean exactlyOnce() {
    return mode == PostgresMode.EXACTLY_ONCE;
  }

  @Override
  public String toString() {
    return "PostgresSettings{url="
        + redactedUrl()
        + ", user="
        + user
        + ", password="
        + (password == null ? "(none)" : "******")
        + ", mode="
        + mode
        + ", tables="
        + List.of(aggregatesTable, alertsTable, dailyCountersTable)
        + "}";
  }
}
