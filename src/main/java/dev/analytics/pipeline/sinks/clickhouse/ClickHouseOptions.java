package dev.analytics.pipeline.sinks.clickhouse;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.KeyStores;
import dev.analytics.pipeline.config.StageOptions;
import dev.analytics.pipeline.config.TransportSecurity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/** The options of this stage. */
public final class ClickHouseOptions implements StageOptions {
  private static final Pattern CLICKHOUSE_IDENTIFIER =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final int CLICKHOUSE_MAX_INSERT_ROWS = 1_048_576;

  public ClickHouseOptions() {}

  @Override
  public void check(ConfigChecks c) {
    clickhouse(c);
  }

  // ---- ClickHouse sinks (sinks.clickhouse.ClickHouseSinks) ----

  /** Compression of the request bodies sent to ClickHouse. */
  public enum ClickHouseCompression {
    NONE,
    GZIP
  }

  public static final ConfigOption<String> CLICKHOUSE_URL =
      key("clickhouse.url")
          .stringType()
          .defaultValue("")
          .withDescription(
              "HTTP interface of ClickHouse, http(s)://host:port (e.g. http://localhost:8123);"
                  + " empty disables the ClickHouse sinks.");

  public static final ConfigOption<String> CLICKHOUSE_DATABASE =
      key("clickhouse.database")
          .stringType()
          .defaultValue("default")
          .withDescription("Database of the ClickHouse tables.");

  public static final ConfigOption<String> CLICKHOUSE_USER =
      key("clickhouse.user")
          .stringType()
          .defaultValue("default")
          .withDescription("ClickHouse user (HTTP basic authentication: a header, never the URL).");

  /** Secret: only from the environment or a file (clickhouse.password-file). */
  public static final ConfigOption<String> CLICKHOUSE_PASSWORD =
      key("clickhouse.password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "ClickHouse password. Secret: only from the environment"
                  + " (ANALYTICS_CLICKHOUSE_PASSWORD) or clickhouse.password-file; never logged.");

  public static final ConfigOption<String> CLICKHOUSE_TLS_TRUSTSTORE_LOCATION =
      key("clickhouse.tls.truststore-location")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "With an https:// clickhouse.url: trust store of the CA that signed the server's"
                  + " certificate (e.g. a private CA); unset trusts the JVM's default CAs. The"
                  + " host name is always verified. Checked at start-up; the file must exist on"
                  + " every TaskManager too.");

  public static final ConfigOption<KeyStores.StoreType> CLICKHOUSE_TLS_TRUSTSTORE_TYPE =
      key("clickhouse.tls.truststore-type")
          .enumType(KeyStores.StoreType.class)
          .defaultValue(KeyStores.StoreType.PKCS12)
          .withDescription(
              "pkcs12, jks or pem (X.509 certificates) of clickhouse.tls.truststore-location.");

  /** Secret: only from the environment or a file (clickhouse.tls.truststore-password-file). */
  public static final ConfigOption<String> CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD =
      key("clickhouse.tls.truststore-password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Password of the pkcs12/jks trust store (none for pem). Secret: only from the"
                  + " environment (ANALYTICS_CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD) or"
                  + " clickhouse.tls.truststore-password-file.");

  public static final ConfigOption<Boolean> CLICKHOUSE_CREATE_TABLES =
      key("clickhouse.create-tables")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Create the database and tables if missing (sql/clickhouse/*.sql, on ClickHouse 22.2"
                  + " and later sql/clickhouse/current/*.sql); otherwise the job checks at start-up"
                  + " that they exist with the columns of either. The table's columns decide"
                  + " which of the two layouts the job writes.");

  public static final ConfigOption<Integer> CLICKHOUSE_MAX_PARTITIONS_PER_INSERT =
      key("clickhouse.max-partitions-per-insert")
          .intType()
          .defaultValue(100)
          .withDescription(
              "Table partitions (UTC days) one insert may touch, at most; every insert and"
                  + " exactly-once part is cut before a row of one more. Keep it at or below the"
                  + " server's max_partitions_per_insert_block (100 by default), beyond which"
                  + " ClickHouse refuses the insert.");

  public static final ConfigOption<ClickHouseCompression> CLICKHOUSE_COMPRESSION =
      key("clickhouse.compression")
          .enumType(ClickHouseCompression.class)
          .defaultValue(ClickHouseCompression.NONE)
          .withDescription(
              "none or gzip: compression of the insert bodies (responses are never compressed).");

  public static final ConfigOption<Duration> CLICKHOUSE_CONNECT_TIMEOUT =
      key("clickhouse.connect-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("Timeout of a connection to ClickHouse.");

  public static final ConfigOption<Duration> CLICKHOUSE_REQUEST_TIMEOUT =
      key("clickhouse.request-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription("Timeout of one request (an insert); a timeout is retried.");

  public static final ConfigOption<Integer> CLICKHOUSE_RETRY_MAX_ATTEMPTS =
      key("clickhouse.retry.max-attempts")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Attempts of an insert before the job fails and restarts from its last checkpoint"
                  + " (transient errors only; permanent ones fail at once). 10 attempts bridge"
                  + " about 50 s with the default backoff.");

  public static final ConfigOption<Duration> CLICKHOUSE_RETRY_INITIAL_BACKOFF =
      key("clickhouse.retry.initial-backoff")
          .durationType()
          .defaultValue(Duration.ofMillis(100))
          .withDescription("Delay before the first retry.");

  public static final ConfigOption<Duration> CLICKHOUSE_RETRY_MAX_BACKOFF =
      key("clickhouse.retry.max-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription("Largest delay between retries.");

  public static final ConfigOption<Double> CLICKHOUSE_RETRY_MULTIPLIER =
      key("clickhouse.retry.multiplier")
          .doubleType()
          .defaultValue(2.0)
          .withDescription("Factor between successive retry delays, >= 1.");

  public static final ConfigOption<Double> CLICKHOUSE_RETRY_JITTER =
      key("clickhouse.retry.jitter")
          .doubleType()
          .defaultValue(0.2)
          .withDescription(
              "Up to this fraction of each retry delay is removed at random, in [0, 1).");

  public static final ConfigOption<Duration> CLICKHOUSE_BREAKER_PROBE_INTERVAL =
      key("clickhouse.breaker.probe-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription(
              "Circuit breaker of every ClickHouse writer and committer: once an insert has failed"
                  + " after its retries (clickhouse.retry.*) the breaker opens, the sink holds"
                  + " back its input (backpressure) and sends one probe insert per this interval"
                  + " until ClickHouse takes it, instead of failing the job; checkpoints fail by"
                  + " their timeout meanwhile, within checkpoint.tolerable-failures. 0 disables"
                  + " the breaker: exhausted retries fail the job, which restarts from its last"
                  + " checkpoint. Between 100 ms and 10 min, or 0.");

  public static final ConfigOption<Boolean> CLICKHOUSE_BATCH_ADAPTIVE =
      key("clickhouse.batch.adaptive")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "At-least-once tables with a row bound (size, hybrid): adapt the rows per insert"
                  + " between the table's batch.min-rows and batch.max-rows, toward"
                  + " clickhouse.batch.target-inserts-per-second, halving when an insert is slow"
                  + " (longer than the target interval) or needed retries; false: always"
                  + " batch.max-rows. Exactly-once tables (checkpoint) keep one insert per part"
                  + " and checkpoint.");

  public static final ConfigOption<Double> CLICKHOUSE_BATCH_TARGET_INSERTS_PER_SECOND =
      key("clickhouse.batch.target-inserts-per-second")
          .doubleType()
          .defaultValue(1.0)
          .withDescription(
              "Adaptive batching: the insert rate aimed at per table, all its writers together"
                  + " (ClickHouse asks for about one insert per second); in (0, 100]. The time"
                  + " trigger (batch.interval) still bounds the latency.");

  public static final ConfigOption<String> CLICKHOUSE_AGGREGATES_TABLE =
      key("clickhouse.aggregates.table")
          .stringType()
          .defaultValue("window_aggregates")
          .withDescription(
              "Table of the window aggregates (sql/clickhouse/window_aggregates.sql).");

  public static final ConfigOption<dev.analytics.pipeline.sinks.clickhouse.BatchStrategy>
      CLICKHOUSE_AGGREGATES_STRATEGY =
          key("clickhouse.aggregates.batch.strategy")
              .enumType(dev.analytics.pipeline.sinks.clickhouse.BatchStrategy.class)
              .defaultValue(dev.analytics.pipeline.sinks.clickhouse.BatchStrategy.CHECKPOINT)
              .withDescription(
                  "Window aggregates: checkpoint (exactly-once: inserted when the checkpoint"
                      + " completes), or at-least-once immediate, time, size, hybrid, bytes.");

  public static final ConfigOption<Integer> CLICKHOUSE_AGGREGATES_MAX_ROWS =
      key("clickhouse.aggregates.batch.max-rows")
          .intType()
          .defaultValue(100_000)
          .withDescription("Window aggregates: rows per insert.");

  public static final ConfigOption<Integer> CLICKHOUSE_AGGREGATES_MIN_ROWS =
      key("clickhouse.aggregates.batch.min-rows")
          .intType()
          .defaultValue(1000)
          .withDescription(
              "Window aggregates: the smallest row bound of adaptive batching (clickhouse.batch.adaptive),"
                  + " its start; at most batch.max-rows. Ignored by the checkpoint strategy.");

  public static final ConfigOption<Integer> CLICKHOUSE_AGGREGATES_MAX_BYTES =
      key("clickhouse.aggregates.batch.max-bytes")
          .intType()
          .defaultValue(32 << 20)
          .withDescription("Window aggregates: RowBinary bytes per insert.");

  public static final ConfigOption<Duration> CLICKHOUSE_AGGREGATES_INTERVAL =
      key("clickhouse.aggregates.batch.interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription("Window aggregates: insert interval of the time and hybrid strategies.");

  public static final ConfigOption<Duration> CLICKHOUSE_AGGREGATES_TTL =
      key("clickhouse.aggregates.ttl")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription(
              "Window aggregates: retention (TTL) of the table the job creates, whole seconds (e.g. 400 d);"
                  + " 0 = none. Needs clickhouse.create-tables; an existing table keeps its own"
                  + " (ALTER TABLE ... MODIFY TTL, docs/clickhouse.md).");

  public static final ConfigOption<String> CLICKHOUSE_ALERTS_TABLE =
      key("clickhouse.alerts.table")
          .stringType()
          .defaultValue("alerts")
          .withDescription("Table of the alerts (sql/clickhouse/alerts.sql).");

  public static final ConfigOption<dev.analytics.pipeline.sinks.clickhouse.BatchStrategy>
      CLICKHOUSE_ALERTS_STRATEGY =
          key("clickhouse.alerts.batch.strategy")
              .enumType(dev.analytics.pipeline.sinks.clickhouse.BatchStrategy.class)
              .defaultValue(dev.analytics.pipeline.sinks.clickhouse.BatchStrategy.CHECKPOINT)
              .withDescription(
                  "Alerts: checkpoint (exactly-once), or at-least-once immediate, time, size,"
                      + " hybrid, bytes.");

  public static final ConfigOption<Integer> CLICKHOUSE_ALERTS_MAX_ROWS =
      key("clickhouse.alerts.batch.max-rows")
          .intType()
          .defaultValue(100_000)
          .withDescription("Alerts: rows per insert.");

  public static final ConfigOption<Integer> CLICKHOUSE_ALERTS_MIN_ROWS =
      key("clickhouse.alerts.batch.min-rows")
          .intType()
          .defaultValue(1000)
          .withDescription(
              "Alerts: the smallest row bound of adaptive batching (clickhouse.batch.adaptive),"
                  + " its start; at most batch.max-rows. Ignored by the checkpoint strategy.");

  public static final ConfigOption<Integer> CLICKHOUSE_ALERTS_MAX_BYTES =
      key("clickhouse.alerts.batch.max-bytes")
          .intType()
          .defaultValue(32 << 20)
          .withDescription("Alerts: RowBinary bytes per insert.");

  public static final ConfigOption<Duration> CLICKHOUSE_ALERTS_INTERVAL =
      key("clickhouse.alerts.batch.interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription("Alerts: insert interval of the time and hybrid strategies.");

  public static final ConfigOption<Duration> CLICKHOUSE_ALERTS_TTL =
      key("clickhouse.alerts.ttl")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription(
              "Alerts: retention (TTL) of the table the job creates, whole seconds (e.g. 400 d);"
                  + " 0 = none. Needs clickhouse.create-tables; an existing table keeps its own"
                  + " (ALTER TABLE ... MODIFY TTL, docs/clickhouse.md).");

  public static final ConfigOption<String> CLICKHOUSE_EVENTS_TABLE =
      key("clickhouse.events.table")
          .stringType()
          .defaultValue("high_priority_events")
          .withDescription(
              "Table of the raw high-priority events (sql/clickhouse/high_priority_events.sql).");

  public static final ConfigOption<dev.analytics.pipeline.sinks.clickhouse.BatchStrategy>
      CLICKHOUSE_EVENTS_STRATEGY =
          key("clickhouse.events.batch.strategy")
              .enumType(dev.analytics.pipeline.sinks.clickhouse.BatchStrategy.class)
              .defaultValue(dev.analytics.pipeline.sinks.clickhouse.BatchStrategy.HYBRID)
              .withDescription(
                  "High-priority events: hybrid (low latency, at-least-once, idempotent by"
                      + " event_id), immediate, time, size, bytes, or checkpoint (exactly-once).");

  public static final ConfigOption<Integer> CLICKHOUSE_EVENTS_MAX_ROWS =
      key("clickhouse.events.batch.max-rows")
          .intType()
          .defaultValue(5000)
          .withDescription(
              "High-priority events: rows per insert (the interval bounds the latency; ClickHouse"
                  + " wants few, large inserts).");

  public static final ConfigOption<Integer> CLICKHOUSE_EVENTS_MIN_ROWS =
      key("clickhouse.events.batch.min-rows")
          .intType()
          .defaultValue(500)
          .withDescription(
              "High-priority events: the smallest row bound of adaptive batching (clickhouse.batch.adaptive),"
                  + " its start; at most batch.max-rows. Ignored by the checkpoint strategy.");

  public static final ConfigOption<Integer> CLICKHOUSE_EVENTS_MAX_BYTES =
      key("clickhouse.events.batch.max-bytes")
          .intType()
          .defaultValue(1 << 20)
          .withDescription("High-priority events: RowBinary bytes per insert.");

  public static final ConfigOption<Duration> CLICKHOUSE_EVENTS_INTERVAL =
      key("clickhouse.events.batch.interval")
          .durationType()
          .defaultValue(Duration.ofMillis(200))
          .withDescription(
              "High-priority events: insert interval of the time and hybrid strategies.");

  public static final ConfigOption<Duration> CLICKHOUSE_EVENTS_TTL =
      key("clickhouse.events.ttl")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription(
              "High-priority events: retention (TTL) of the table the job creates, whole seconds (e.g. 90 d);"
                  + " 0 = none. Needs clickhouse.create-tables; an existing table keeps its own"
                  + " (ALTER TABLE ... MODIFY TTL, docs/clickhouse.md).");

  private static void clickhouse(ConfigChecks c) {
    String url = c.get(ClickHouseOptions.CLICKHOUSE_URL);
    if (!url.isBlank()) {
      String problem = clickHouseUrlProblem(url);
      if (problem != null && problem.contains("credentials")) {
        // Not the URL as given: it holds a password.
        throw new ConfigException(
            ClickHouseOptions.CLICKHOUSE_URL.key(),
            problem + c.origin(ClickHouseOptions.CLICKHOUSE_URL.key()));
      }
      if (problem != null) {
        throw c.fail(ClickHouseOptions.CLICKHOUSE_URL, problem);
      }
    }
    identifier(c, ClickHouseOptions.CLICKHOUSE_DATABASE);
    c.notBlank(ClickHouseOptions.CLICKHOUSE_USER);
    if (c.get(ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION) != null
        && !url.toLowerCase(Locale.ROOT).startsWith("https://")) {
      throw c.fail(
          ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION,
          "is set, but clickhouse.url is not https:// ('"
              + url
              + "'"
              + c.origin(ClickHouseOptions.CLICKHOUSE_URL.key())
              + "): the trust store would be ignored");
    }
    c.storeFile(
        ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION,
        ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_TYPE,
        ClickHouseOptions.CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD);
    c.atLeast(ClickHouseOptions.CLICKHOUSE_CONNECT_TIMEOUT, Duration.ofMillis(100));
    c.atLeast(ClickHouseOptions.CLICKHOUSE_REQUEST_TIMEOUT, Duration.ofSeconds(1));

    c.between(ClickHouseOptions.CLICKHOUSE_RETRY_MAX_ATTEMPTS, 1, 1000, "1", "1000");
    c.between(ClickHouseOptions.CLICKHOUSE_MAX_PARTITIONS_PER_INSERT, 1, 100_000, "1", "100000");
    Duration probe = c.get(ClickHouseOptions.CLICKHOUSE_BREAKER_PROBE_INTERVAL);
    if (!probe.isZero()
        && (probe.compareTo(Duration.ofMillis(100)) < 0
            || probe.compareTo(Duration.ofMinutes(10)) > 0)) {
      throw c.fail(
          ClickHouseOptions.CLICKHOUSE_BREAKER_PROBE_INTERVAL,
          "is not 0 (no breaker) or between 100 ms and 10 min");
    }
    double target = c.get(ClickHouseOptions.CLICKHOUSE_BATCH_TARGET_INSERTS_PER_SECOND);
    if (!(target > 0 && target <= 100)) {
      throw c.fail(
          ClickHouseOptions.CLICKHOUSE_BATCH_TARGET_INSERTS_PER_SECOND, "is not in (0, 100]");
    }
    Duration initial = c.get(ClickHouseOptions.CLICKHOUSE_RETRY_INITIAL_BACKOFF);
    c.atLeast(ClickHouseOptions.CLICKHOUSE_RETRY_INITIAL_BACKOFF, Duration.ofMillis(1));
    if (c.get(ClickHouseOptions.CLICKHOUSE_RETRY_MAX_BACKOFF).compareTo(initial) < 0) {
      throw c.fail(
          ClickHouseOptions.CLICKHOUSE_RETRY_MAX_BACKOFF,
          "is not >= clickhouse.retry.initial-backoff (" + JobConfig.display(initial) + ")");
    }
    double multiplier = c.get(ClickHouseOptions.CLICKHOUSE_RETRY_MULTIPLIER);
    if (!(multiplier >= 1 && Double.isFinite(multiplier))) {
      throw c.fail(ClickHouseOptions.CLICKHOUSE_RETRY_MULTIPLIER, "is not a finite number >= 1");
    }
    double jitter = c.get(ClickHouseOptions.CLICKHOUSE_RETRY_JITTER);
    if (!(jitter >= 0 && jitter < 1)) {
      throw c.fail(ClickHouseOptions.CLICKHOUSE_RETRY_JITTER, "is not in [0, 1)");
    }

    List<ConfigOption<String>> tables =
        List.of(
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_TABLE,
            ClickHouseOptions.CLICKHOUSE_ALERTS_TABLE,
            ClickHouseOptions.CLICKHOUSE_EVENTS_TABLE);
    for (int i = 0; i < tables.size(); i++) {
      identifier(c, tables.get(i));
      for (int j = 0; j < i; j++) {
        if (c.get(tables.get(i)).equals(c.get(tables.get(j)))) {
          throw c.fail(tables.get(i), "must differ from " + tables.get(j).key());
        }
      }
    }
    clickHouseBatch(
        c,
        ClickHouseOptions.CLICKHOUSE_AGGREGATES_STRATEGY,
        ClickHouseOptions.CLICKHOUSE_AGGREGATES_MAX_ROWS,
        ClickHouseOptions.CLICKHOUSE_AGGREGATES_MIN_ROWS,
        ClickHouseOptions.CLICKHOUSE_AGGREGATES_MAX_BYTES,
        ClickHouseOptions.CLICKHOUSE_AGGREGATES_INTERVAL);
    clickHouseBatch(
        c,
        ClickHouseOptions.CLICKHOUSE_ALERTS_STRATEGY,
        ClickHouseOptions.CLICKHOUSE_ALERTS_MAX_ROWS,
        ClickHouseOptions.CLICKHOUSE_ALERTS_MIN_ROWS,
        ClickHouseOptions.CLICKHOUSE_ALERTS_MAX_BYTES,
        ClickHouseOptions.CLICKHOUSE_ALERTS_INTERVAL);
    clickHouseBatch(
        c,
        ClickHouseOptions.CLICKHOUSE_EVENTS_STRATEGY,
        ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_ROWS,
        ClickHouseOptions.CLICKHOUSE_EVENTS_MIN_ROWS,
        ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_BYTES,
        ClickHouseOptions.CLICKHOUSE_EVENTS_INTERVAL);
    for (ConfigOption<Duration> ttl :
        List.of(
            ClickHouseOptions.CLICKHOUSE_AGGREGATES_TTL,
            ClickHouseOptions.CLICKHOUSE_ALERTS_TTL,
            ClickHouseOptions.CLICKHOUSE_EVENTS_TTL)) {
      ttl(c, ttl);
    }
  }

  /** A TTL: 0 (none) or whole seconds, for the tables the job creates. */
  private static void ttl(ConfigChecks c, ConfigOption<Duration> option) {
    Duration ttl = c.get(option);
    c.atLeast(option, Duration.ZERO);
    if (ttl.isZero()) {
      return;
    }
    if (ttl.getNano() != 0) {
      throw c.fail(option, "is not a whole number of seconds");
    }
    if (!c.get(ClickHouseOptions.CLICKHOUSE_CREATE_TABLES)) {
      throw c.fail(
          option,
          "applies only to the tables the job creates, and clickhouse.create-tables is false:"
              + " set it, or ALTER TABLE ... MODIFY TTL (docs/clickhouse.md)");
    }
  }

  private static void clickHouseBatch(
      ConfigChecks c,
      ConfigOption<dev.analytics.pipeline.sinks.clickhouse.BatchStrategy> strategy,
      ConfigOption<Integer> maxRows,
      ConfigOption<Integer> minRows,
      ConfigOption<Integer> maxBytes,
      ConfigOption<Duration> interval) {
    // An INSERT is atomic only up to max_insert_block_size rows (1,048,576 by default).
    c.between(maxRows, 1, CLICKHOUSE_MAX_INSERT_ROWS, "1", "1,048,576 (max_insert_block_size)");
    c.atLeast(minRows, 1);
    BatchStrategy s = c.get(strategy);
    if (c.get(ClickHouseOptions.CLICKHOUSE_BATCH_ADAPTIVE)
        && (s == BatchStrategy.SIZE || s == BatchStrategy.HYBRID)
        && c.get(minRows) > c.get(maxRows)) {
      throw c.fail(minRows, "is above " + maxRows.key() + " (" + c.get(maxRows) + ")");
    }
    c.between(maxBytes, ConfigChecks.KIB, 256 * ConfigChecks.MIB, "1 KiB", "256 MiB");
    if (c.get(strategy).timed()) {
      c.atLeast(interval, Duration.ofMillis(1));
    } else {
      c.atLeast(interval, Duration.ZERO);
    }
  }

  /** A ClickHouse database or table name, used unquoted in SQL files and messages. */
  private static void identifier(ConfigChecks c, ConfigOption<String> option) {
    if (!CLICKHOUSE_IDENTIFIER.matcher(c.get(option)).matches()) {
      throw c.fail(
          option,
          "is not a ClickHouse identifier: 1 to 64 characters of [A-Za-z0-9_], not a digit first");
    }
  }

  static String clickHouseUrlProblem(String url) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      return "is not a URL (" + e.getReason() + "); expected http(s)://host:port";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    // Before anything that could echo the URL. Java's parser reports no user information for a
    // host it does not take for a host name (ch_host), so the authority itself is looked at.
    if (uri.getRawUserInfo() != null
        || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      return "must not hold credentials: set clickhouse.user and the secret clickhouse.password";
    }
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return "is not an http:// or https:// URL (the HTTP interface, e.g. http://localhost:8123)";
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return "has no host; expected http(s)://host:port";
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return "must not have a query or fragment; settings have their own options";
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
      return "must not have a path; expected http(s)://host:port";
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      return "has a port outside [1, 65535]";
    }
    return null;
  }

  @Override
  public List<TransportSecurity.Plaintext> plaintext(ReadableConfig conf) {
    List<TransportSecurity.Plaintext> found = new ArrayList<>();
    String clickhouse = conf.get(ClickHouseOptions.CLICKHOUSE_URL);
    if (!clickhouse.isBlank() && clickhouse.toLowerCase(Locale.ROOT).startsWith("http://")) {
      boolean password = !isNullOrEmpty(conf.get(ClickHouseOptions.CLICKHOUSE_PASSWORD));
      found.add(
          new TransportSecurity.Plaintext(
              ClickHouseOptions.CLICKHOUSE_URL,
              password
                  ? "is http://: the password of clickhouse.user goes in clear (HTTP basic"
                      + " authentication); use https://"
                  : "is http://: rows go unencrypted; use https://",
              password
                  && !TransportSecurity.loopback(List.of(TransportSecurity.host(clickhouse)))));
    }
    return found;
  }

  private static boolean isNullOrEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
