package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.config.JobOptions.PostgresMode;
import java.io.Serializable;
import java.util.List;

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
    String aggregatesTable,
    String alertsTable,
    String dailyCountersTable,
    String transactionIdPrefix)
    implements Serializable {

  public PostgresSettings {
    dailyCounterDimensions = List.copyOf(dailyCounterDimensions);
  }

  /** The settings, or null when {@code postgres.url} is empty (PostgreSQL is off). */
  public static PostgresSettings from(JobConfig config) {
    String url = config.get(JobOptions.POSTGRES_URL);
    if (url.isEmpty()) {
      return null;
    }
    return new PostgresSettings(
        url,
        config.get(JobOptions.POSTGRES_USER),
        config.get(JobOptions.POSTGRES_PASSWORD),
        config.get(JobOptions.POSTGRES_MODE),
        config.get(JobOptions.POSTGRES_CREATE_TABLES),
        config.get(JobOptions.POSTGRES_DAILY_COUNTERS),
        config.get(JobOptions.POSTGRES_DAILY_COUNTER_DIMENSIONS),
        config.get(JobOptions.POSTGRES_BATCH_SIZE),
        config.get(JobOptions.POSTGRES_LOCK_TIMEOUT).toMillis(),
        config.get(JobOptions.POSTGRES_TABLE_AGGREGATES),
        config.get(JobOptions.POSTGRES_TABLE_ALERTS),
        config.get(JobOptions.POSTGRES_TABLE_DAILY_COUNTERS),
        transactionIdPrefix(config.get(JobOptions.JOB_NAME)));
  }

  /** The job name as a transaction id prefix: [A-Za-z0-9._-], at most 60 characters. */
  static String transactionIdPrefix(String jobName) {
    String clean = jobName.replaceAll("[^A-Za-z0-9._-]", "_");
    return clean.length() <= 60 ? clean : clean.substring(0, 60);
  }

  public boolean exactlyOnce() {
    return mode == PostgresMode.EXACTLY_ONCE;
  }

  @Override
  public String toString() {
    return "PostgresSettings{url="
        + url
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
