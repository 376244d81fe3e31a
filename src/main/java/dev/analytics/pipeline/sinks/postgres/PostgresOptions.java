package dev.analytics.pipeline.sinks.postgres;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.StageOptions;
import dev.analytics.pipeline.config.TransportSecurity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/** The options of this stage. */
public final class PostgresOptions implements StageOptions {
  private static final Pattern SQL_COLUMN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern SQL_TABLE =
      Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");

  public PostgresOptions() {}

  @Override
  public void check(ConfigChecks c) {
    postgres(c);
  }

  // ---- PostgreSQL (window aggregates, alerts, daily counters) ----

  /** Delivery guarantee of the PostgreSQL sinks. */
  public enum PostgresMode {
    /** Prepared transactions committed when the checkpoint that holds them completes. */
    EXACTLY_ONCE("exactly-once"),
    /** Idempotent versioned upserts, flushed on every checkpoint; replays rewrite equal rows. */
    AT_LEAST_ONCE("at-least-once");

    private final String text;

    PostgresMode(String text) {
      this.text = text;
    }

    /** The configuration value; Flink parses enum options by their toString. */
    @Override
    public String toString() {
      return text;
    }
  }

  public static final ConfigOption<String> POSTGRES_URL =
      key("postgres.url")
          .stringType()
          .defaultValue("")
          .withDescription(
              "JDBC URL of the PostgreSQL database (jdbc:postgresql://host:port/db); empty"
                  + " disables the PostgreSQL sinks.");

  public static final ConfigOption<String> POSTGRES_USER =
      key("postgres.user")
          .stringType()
          .noDefaultValue()
          .withDescription("PostgreSQL user; required with postgres.url.");

  /** Secret: only from the environment or a file (postgres.password-file). */
  public static final ConfigOption<String> POSTGRES_PASSWORD =
      key("postgres.password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "PostgreSQL password. Secret: only from the environment"
                  + " (ANALYTICS_POSTGRES_PASSWORD) or postgres.password-file; never logged.");

  public static final ConfigOption<PostgresMode> POSTGRES_MODE =
      key("postgres.mode")
          .enumType(PostgresMode.class)
          .defaultValue(PostgresMode.EXACTLY_ONCE)
          .withDescription(
              "exactly-once: one prepared transaction per checkpoint and subtask, committed when"
                  + " the checkpoint completes (needs max_prepared_transactions > 0 on the"
                  + " server); at-least-once: idempotent versioned upserts (no daily counters).");

  public static final ConfigOption<Boolean> POSTGRES_CREATE_TABLES =
      key("postgres.create-tables")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Create the tables (sql/postgres/) if they do not exist; otherwise the job checks"
                  + " at start-up that they exist with their columns.");

  public static final ConfigOption<Boolean> POSTGRES_DAILY_COUNTERS =
      key("postgres.daily-counters")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Increment the daily counters (postgres.table.daily-counters) from the window"
                  + " counts; needs postgres.mode exactly-once.");

  public static final ConfigOption<List<String>> POSTGRES_DAILY_COUNTER_DIMENSIONS =
      key("postgres.daily-counter-dimensions")
          .stringType()
          .asList()
          .defaultValues(
              "template_id", "jurisdiction", "delivery_method", "utm_source", "error_type")
          .withDescription(
              "Dimensions that are columns of the daily counters (empty string when an event"
                  + " lacks one); lower-case SQL identifiers.");

  public static final ConfigOption<Integer> POSTGRES_BATCH_SIZE =
      key("postgres.batch-size")
          .intType()
          .defaultValue(1000)
          .withDescription(
              "Rows sent to PostgreSQL in one JDBC batch; a partial batch is sent at every"
                  + " checkpoint.");

  public static final ConfigOption<Duration> POSTGRES_LOCK_TIMEOUT =
      key("postgres.lock-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(1))
          .withDescription(
              "lock_timeout of the sink connections: a write blocked this long by a row lock"
                  + " (e.g. of an orphaned prepared transaction) fails and the job restarts"
                  + " instead of hanging; also the longest an exactly-once writer waits at end of"
                  + " input for its own prepared transactions to be committed; 0 waits forever.");

  public static final ConfigOption<Duration> POSTGRES_CONNECT_TIMEOUT =
      key("postgres.connect-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription(
              "Longest wait to open a connection and log in (pgjdbc connectTimeout and"
                  + " loginTimeout): a server behind a dropped route fails the task with that"
                  + " reason instead of blocking it. Whole seconds, at least 1 s.");

  public static final ConfigOption<Duration> POSTGRES_SOCKET_TIMEOUT =
      key("postgres.socket-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(2))
          .withDescription(
              "Longest wait for any answer of the server on an open connection (pgjdbc"
                  + " socketTimeout; the server's statement_timeout is set to the same, so it"
                  + " gives up first). Must exceed postgres.lock-timeout. Whole seconds, at least"
                  + " 1 s.");

  public static final ConfigOption<String> POSTGRES_TABLE_AGGREGATES =
      key("postgres.table.aggregates")
          .stringType()
          .defaultValue("analytics_window_aggregate")
          .withDescription("Table of the window aggregates ([schema.]name).");

  public static final ConfigOption<String> POSTGRES_TABLE_ALERTS =
      key("postgres.table.alerts")
          .stringType()
          .defaultValue("analytics_alert")
          .withDescription("Table of the alerts ([schema.]name).");

  public static final ConfigOption<String> POSTGRES_TABLE_DAILY_COUNTERS =
      key("postgres.table.daily-counters")
          .stringType()
          .defaultValue("analytics_aggregate")
          .withDescription("Table of the daily counters ([schema.]name).");

  public static final ConfigOption<String> POSTGRES_TABLE_COMMITS =
      key("postgres.table.commits")
          .stringType()
          .defaultValue("analytics_sink_commit")
          .withDescription(
              "Table of the exactly-once sinks' commit records ([schema.]name): one row per"
                  + " prepared transaction, written in it, the proof that a transaction found gone"
                  + " at a retried commit was committed rather than rolled back.");

  public static final ConfigOption<Duration> POSTGRES_COMMIT_RECORD_RETENTION =
      key("postgres.commit-record-retention")
          .durationType()
          .defaultValue(Duration.ofDays(7))
          .withDescription(
              "How long commit records are kept. A transaction gone at a retried commit whose"
                  + " record is missing fails the job (it was rolled back outside the job: its"
                  + " rows are lost) when it was prepared within this time, and counts as"
                  + " committed, with a warning, when it is older (a savepoint older than this,"
                  + " restored). At least 1 h; as long as the Kafka brokers'"
                  + " transactional.id.expiration.ms (7 days) by default.");

  private static void postgres(ConfigChecks c) {
    String url = c.get(PostgresOptions.POSTGRES_URL);
    String urlKey = PostgresOptions.POSTGRES_URL.key();
    if (!url.isEmpty()) {
      // Credentials first, before any message shows the URL.
      int authority = url.indexOf("//");
      int end = authority < 0 ? -1 : url.indexOf('/', authority + 2);
      String hosts =
          authority < 0 ? "" : url.substring(authority + 2, end < 0 ? url.length() : end);
      if (JobConfig.hasPasswordParameter(url) || hosts.contains("@")) {
        throw new ConfigException(
            urlKey,
            "must not contain credentials (it is logged and committed): set postgres.user and "
                + JobConfig.environmentVariable(PostgresOptions.POSTGRES_PASSWORD.key())
                + " or postgres.password-file"
                + c.origin(urlKey));
      }
      if (!url.startsWith("jdbc:postgresql:")) {
        throw c.fail(
            PostgresOptions.POSTGRES_URL,
            "is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)");
      }
      String user = c.get(PostgresOptions.POSTGRES_USER);
      if (user == null || user.isBlank()) {
        throw new ConfigException(
            PostgresOptions.POSTGRES_USER.key(),
            "is required with postgres.url" + c.origin(urlKey));
      }
    }
    c.between(PostgresOptions.POSTGRES_BATCH_SIZE, 1, 100_000, "1", "100000");
    c.atLeast(PostgresOptions.POSTGRES_LOCK_TIMEOUT, Duration.ZERO);
    c.atLeast(PostgresOptions.POSTGRES_CONNECT_TIMEOUT, Duration.ofSeconds(1));
    c.atLeast(PostgresOptions.POSTGRES_COMMIT_RECORD_RETENTION, Duration.ofHours(1));
    c.atLeast(PostgresOptions.POSTGRES_SOCKET_TIMEOUT, Duration.ofSeconds(1));
    Duration lock = c.get(PostgresOptions.POSTGRES_LOCK_TIMEOUT);
    Duration socket = c.get(PostgresOptions.POSTGRES_SOCKET_TIMEOUT);
    if (lock.isZero() || socket.compareTo(lock) <= 0) {
      throw c.fail(
          PostgresOptions.POSTGRES_SOCKET_TIMEOUT,
          "must exceed postgres.lock-timeout ("
              + (lock.isZero() ? "0: waits forever" : lock.toString())
              + "), or a statement waiting for a row lock is cut off as if the server were gone");
    }

    List<ConfigOption<String>> tables =
        List.of(
            PostgresOptions.POSTGRES_TABLE_AGGREGATES,
            PostgresOptions.POSTGRES_TABLE_ALERTS,
            PostgresOptions.POSTGRES_TABLE_DAILY_COUNTERS,
            PostgresOptions.POSTGRES_TABLE_COMMITS);
    Map<String, String> seen = new LinkedHashMap<>();
    for (ConfigOption<String> table : tables) {
      String name = c.get(table);
      if (!SQL_TABLE.matcher(name).matches()) {
        throw c.fail(
            table,
            "is not a table name: [schema.]name of lower-case letters, digits and _ (at most"
                + " 63 each, not starting with a digit)");
      }
      String previous = seen.put(name, table.key());
      if (previous != null) {
        throw c.fail(table, "must differ from " + previous + " (the tables have other columns)");
      }
    }

    ConfigOption<List<String>> dimensions = PostgresOptions.POSTGRES_DAILY_COUNTER_DIMENSIONS;
    List<String> columns = c.get(dimensions);
    if (columns.size() > 16) {
      throw c.fail(dimensions, "has more than 16 dimensions (an event has at most 16)");
    }
    Set<String> distinct = new java.util.HashSet<>();
    for (String column : columns) {
      if (!SQL_COLUMN.matcher(column).matches()) {
        throw c.fail(
            dimensions,
            "has '"
                + column
                + "', which is not a column name: lower-case letters, digits and _ (at most"
                + " 63, not starting with a digit)");
      }
      if (List.of("metric", "day", "count").contains(column)) {
        throw c.fail(dimensions, "has '" + column + "', a column the table already has");
      }
      if (!distinct.add(column)) {
        throw c.fail(dimensions, "has '" + column + "' twice");
      }
    }

    if (c.get(PostgresOptions.POSTGRES_DAILY_COUNTERS)
        && c.get(PostgresOptions.POSTGRES_MODE) != PostgresOptions.PostgresMode.EXACTLY_ONCE) {
      String countersKey = PostgresOptions.POSTGRES_DAILY_COUNTERS.key();
      throw new ConfigException(
          countersKey,
          "is true, which needs postgres.mode exactly-once (postgres.mode is "
              + c.get(PostgresOptions.POSTGRES_MODE)
              + c.origin(PostgresOptions.POSTGRES_MODE.key())
              + "): a replayed increment would be added twice; set "
              + countersKey
              + " false or postgres.mode exactly-once");
    }
  }

  @Override
  public List<TransportSecurity.Plaintext> plaintext(ReadableConfig conf) {
    List<TransportSecurity.Plaintext> found = new ArrayList<>();
    String postgres = conf.get(PostgresOptions.POSTGRES_URL);
    if (!postgres.isEmpty()) {
      String mode = sslmode(postgres);
      if (!TLS_SSLMODES.contains(mode)) {
        found.add(
            new TransportSecurity.Plaintext(
                PostgresOptions.POSTGRES_URL,
                "has sslmode="
                    + mode
                    + (mode.equals("prefer") ? " (the driver's default)" : "")
                    + ": the connection may go without TLS; add sslmode=verify-full (or require)",
                !TransportSecurity.loopback(postgresHosts(postgres))));
      }
    }
    return found;
  }

  private static final Set<String> TLS_SSLMODES = Set.of("require", "verify-ca", "verify-full");

  /** The sslmode of a PostgreSQL JDBC URL as the driver takes it. */
  public static String sslmode(String url) {
    int q = url.indexOf('?');
    String mode = null;
    boolean ssl = false;
    if (q >= 0) {
      for (String param : url.substring(q + 1).split("&")) {
        int eq = param.indexOf('=');
        String name = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : param.substring(eq + 1).toLowerCase(Locale.ROOT);
        if (name.equals("sslmode")) {
          mode = value;
        } else if (name.equals("ssl") && !value.equals("false")) {
          ssl = true;
        }
      }
    }
    // pgjdbc: ssl=true without sslmode is verify-full; neither is prefer.
    return mode != null ? mode : ssl ? "verify-full" : "prefer";
  }

  private static List<String> postgresHosts(String url) {
    int authority = url.indexOf("//");
    if (authority < 0) {
      return List.of("localhost"); // jdbc:postgresql:database
    }
    int end = url.indexOf('/', authority + 2);
    int q = url.indexOf('?', authority + 2);
    if (end < 0 || (q >= 0 && q < end)) {
      end = q;
    }
    List<String> hosts = new ArrayList<>();
    for (String hp : url.substring(authority + 2, end < 0 ? url.length() : end).split(",")) {
      String h = hp.startsWith("[") ? hp.substring(1, Math.max(1, hp.indexOf(']'))) : hp;
      int colon = h.indexOf(':');
      hosts.add(hp.startsWith("[") || colon < 0 ? h : h.substring(0, colon));
    }
    return hosts;
  }
}
