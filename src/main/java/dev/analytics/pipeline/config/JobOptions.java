package dev.analytics.pipeline.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;

/**
 * Every configuration key of the job, typed, with its default and description. {@link JobConfig}
 * refuses any key not declared here. The README's configuration table lists the same keys.
 */
public final class JobOptions {
  private JobOptions() {}

  /** Where the job starts reading when it has no state to restore. */
  public enum StartPosition {
    COMMITTED,
    EARLIEST,
    LATEST,
    TIMESTAMP
  }

  /** Where to start when {@link StartPosition#COMMITTED} finds no committed offset. */
  public enum OffsetReset {
    EARLIEST,
    LATEST
  }

  public enum SamplingMode {
    FIXED,
    ADAPTIVE
  }

  public enum StateBackend {
    ROCKSDB,
    HASHMAP
  }

  public enum SecurityProtocol {
    PLAINTEXT,
    SSL,
    SASL_PLAINTEXT,
    SASL_SSL
  }

  // ---- job ----

  public static final ConfigOption<String> JOB_NAME =
      key("job.name")
          .stringType()
          .defaultValue("analytics-pipeline")
          .withDescription("Name of the Flink job.");

  public static final ConfigOption<Integer> PARALLELISM =
      key("job.parallelism")
          .intType()
          .defaultValue(0)
          .withDescription("Parallelism of the job; 0 keeps the cluster's default.");

  // ---- Kafka source ----

  public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
      key("kafka.bootstrap-servers")
          .stringType()
          .noDefaultValue()
          .withDescription("Kafka bootstrap servers, host:port[,host:port]. Required.");

  public static final ConfigOption<String> KAFKA_TOPIC =
      key("kafka.topic")
          .stringType()
          .defaultValue("analytics-events")
          .withDescription("Topic of the JSON events.");

  public static final ConfigOption<String> KAFKA_GROUP_ID =
      key("kafka.group-id")
          .stringType()
          .defaultValue("analytics-pipeline")
          .withDescription(
              "Consumer group id; offsets are committed to it on checkpoints (for monitoring"
                  + " only: the job restores offsets from its own state).");

  public static final ConfigOption<StartPosition> KAFKA_START_POSITION =
      key("kafka.start-position")
          .enumType(StartPosition.class)
          .defaultValue(StartPosition.COMMITTED)
          .withDescription(
              "Where to start without restored state: committed (the group's offsets),"
                  + " earliest, latest, or timestamp (see kafka.start-timestamp).");

  public static final ConfigOption<OffsetReset> KAFKA_OFFSET_RESET =
      key("kafka.offset-reset")
          .enumType(OffsetReset.class)
          .defaultValue(OffsetReset.EARLIEST)
          .withDescription("With start-position committed: where to start when none is committed.");

  public static final ConfigOption<String> KAFKA_START_TIMESTAMP =
      key("kafka.start-timestamp")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "With start-position timestamp: ISO-8601 instant or epoch milliseconds; reading"
                  + " starts at the first record at or after it.");

  public static final ConfigOption<Boolean> KAFKA_BOUNDED =
      key("kafka.bounded")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Stop at the offsets that are latest when the job starts (backfills, tests); the"
                  + " last windows then fire at end of input.");

  public static final ConfigOption<SecurityProtocol> KAFKA_SECURITY_PROTOCOL =
      key("kafka.security-protocol")
          .enumType(SecurityProtocol.class)
          .defaultValue(SecurityProtocol.PLAINTEXT)
          .withDescription("Kafka security.protocol for the source and the sinks.");

  public static final ConfigOption<String> KAFKA_SASL_MECHANISM =
      key("kafka.sasl.mechanism")
          .stringType()
          .defaultValue("PLAIN")
          .withDescription("SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with SASL_*.");

  public static final ConfigOption<String> KAFKA_SASL_USERNAME =
      key("kafka.sasl.username")
          .stringType()
          .noDefaultValue()
          .withDescription("SASL user name, with a SASL_* security protocol.");

  /** Secret: only from the environment or a file (kafka.sasl.password-file). */
  public static final ConfigOption<String> KAFKA_SASL_PASSWORD =
      key("kafka.sasl.password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "SASL password. Secret: only from the environment (ANALYTICS_KAFKA_SASL_PASSWORD)"
                  + " or kafka.sasl.password-file; never logged.");

  public static final ConfigOption<Map<String, String>> KAFKA_PROPERTIES =
      key("kafka.properties")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Extra Kafka client properties for the source and sinks (e.g. ssl.truststore.location)."
                  + " Credentials do not belong here.");

  public static final ConfigOption<Duration> KAFKA_TRANSACTION_TIMEOUT =
      key("kafka.transaction-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(15))
          .withDescription(
              "transaction.timeout.ms of the exactly-once Kafka sinks; must exceed the checkpoint"
                  + " interval plus the longest expected restart, and stay within the broker's"
                  + " transaction.max.timeout.ms.");

  public static final ConfigOption<String> KAFKA_TRANSACTIONAL_ID_PREFIX =
      key("kafka.transactional-id-prefix")
          .stringType()
          .defaultValue("analytics-pipeline")
          .withDescription(
              "Prefix of the transactional ids of the exactly-once Kafka sinks; unique per job"
                  + " on a cluster.");

  // ---- events ----

  public static final ConfigOption<Integer> EVENTS_MAX_RECORD_BYTES =
      key("events.max-record-bytes")
          .intType()
          .defaultValue(1 << 20)
          .withDescription("A record larger than this is a dead letter (record_too_large).");

  public static final ConfigOption<Integer> EVENTS_MAX_NESTING_DEPTH =
      key("events.max-nesting-depth")
          .intType()
          .defaultValue(32)
          .withDescription("Deeper JSON nesting is a dead letter (nesting_too_deep).");

  public static final ConfigOption<String> EVENTS_MIN_TIMESTAMP =
      key("events.min-timestamp")
          .stringType()
          .defaultValue("2000-01-01T00:00:00Z")
          .withDescription("Earliest accepted event time (ISO-8601); older is out of range.");

  public static final ConfigOption<String> EVENTS_MAX_TIMESTAMP =
      key("events.max-timestamp")
          .stringType()
          .defaultValue("2100-01-01T00:00:00Z")
          .withDescription("Event times at or after this (ISO-8601) are out of range.");

  // ---- dead letters ----

  public static final ConfigOption<String> DEAD_LETTER_TOPIC =
      key("dead-letter.topic")
          .stringType()
          .defaultValue("analytics-dead-letters")
          .withDescription("Topic of the dead letters (written exactly-once).");

  public static final ConfigOption<Integer> DEAD_LETTER_MAX_RAW_BYTES =
      key("dead-letter.max-raw-bytes")
          .intType()
          .defaultValue(16384)
          .withDescription(
              "Bytes of the original record kept in a dead letter; its full size is kept too.");

  // ---- watermarks ----

  public static final ConfigOption<Duration> WATERMARK_OUT_OF_ORDERNESS =
      key("watermark.out-of-orderness")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("Bounded out-of-orderness of event time.");

  public static final ConfigOption<Duration> WATERMARK_IDLENESS =
      key("watermark.idleness")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "A Kafka partition without records for this long stops holding back the"
                  + " watermark; 0 disables.");

  // ---- priority ----

  public static final ConfigOption<List<String>> PRIORITY_HIGH_EVENT_TYPES =
      key("priority.high.event-types")
          .stringType()
          .asList()
          .defaultValues("*error*", "*fail*", "*critical*", "*exception*", "*crash*")
          .withDescription(
              "Glob patterns (* and ?, case-insensitive) of event types that are high priority.");

  public static final ConfigOption<List<String>> PRIORITY_HIGH_CATEGORIES =
      key("priority.high.categories")
          .stringType()
          .asList()
          .defaultValues("error", "failure", "critical", "security")
          .withDescription("Categories that are high priority.");

  public static final ConfigOption<List<String>> PRIORITY_LOW_EVENT_TYPES =
      key("priority.low.event-types")
          .stringType()
          .asList()
          .defaultValues(
              "*cache_hit*",
              "performance.memory_usage",
              "performance.cpu_usage",
              "*heartbeat*",
              "*health_check*")
          .withDescription("Glob patterns of event types that are low priority.");

  public static final ConfigOption<List<String>> PRIORITY_LOW_CATEGORIES =
      key("priority.low.categories")
          .stringType()
          .asList()
          .defaultValues("cache", "debug")
          .withDescription("Categories that are low priority.");

  // ---- sampling ----

  public static final ConfigOption<SamplingMode> SAMPLING_MODE =
      key("sampling.mode")
          .enumType(SamplingMode.class)
          .defaultValue(SamplingMode.FIXED)
          .withDescription(
              "fixed: the configured rate per type; adaptive: the rate of each window is derived"
                  + " from the volume of the previous one to keep at most"
                  + " sampling.adaptive.max-events-per-second (never above the fixed rate).");

  public static final ConfigOption<Map<String, String>> SAMPLING_RATES =
      key("sampling.rates")
          .mapType()
          .defaultValue(
              Map.of(
                  "message_processed", "0.1",
                  "cache_hit", "0.05",
                  "performance.response_time", "0.5",
                  "performance.memory_usage", "0.1",
                  "performance.cache_hit_rate", "0.05"))
          .withDescription("Sampling rate in (0, 1] per event type; other types use default-rate.");

  public static final ConfigOption<Double> SAMPLING_DEFAULT_RATE =
      key("sampling.default-rate")
          .doubleType()
          .defaultValue(1.0)
          .withDescription("Sampling rate of event types not listed in sampling.rates.");

  public static final ConfigOption<Double> SAMPLING_ADAPTIVE_MAX_EVENTS_PER_SECOND =
      key("sampling.adaptive.max-events-per-second")
          .doubleType()
          .defaultValue(1000.0)
          .withDescription(
              "Adaptive mode: target maximum of kept events per second of event time per type.");

  // ---- windows ----

  public static final ConfigOption<Duration> WINDOW_SIZE =
      key("window.size")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription("Size of the tumbling event-time windows.");

  public static final ConfigOption<Duration> WINDOW_ALLOWED_LATENESS =
      key("window.allowed-lateness")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription("How long after a window closes a late event still updates it.");

  // ---- outputs ----

  public static final ConfigOption<String> OUTPUT_AGGREGATES_TOPIC =
      key("output.aggregates-topic")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Kafka topic for window aggregates as JSON (exactly-once); empty disables it.");

  public static final ConfigOption<Boolean> OUTPUT_CONSOLE =
      key("output.console")
          .booleanType()
          .defaultValue(false)
          .withDescription("Print a compact line per closed window to standard output.");

  // ---- state, checkpoints, restarts ----

  public static final ConfigOption<StateBackend> STATE_BACKEND =
      key("state.backend")
          .enumType(StateBackend.class)
          .defaultValue(StateBackend.ROCKSDB)
          .withDescription("rocksdb (incremental checkpoints) or hashmap.");

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      key("checkpoint.interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription(
              "Exactly-once checkpoint interval; results become visible at this pace.");

  public static final ConfigOption<String> CHECKPOINT_DIR =
      key("checkpoint.dir")
          .stringType()
          .defaultValue("file:///tmp/analytics-pipeline/checkpoints")
          .withDescription("Checkpoint directory URI (file://, s3://, hdfs://...).");

  public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT =
      key("checkpoint.timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription("A checkpoint taking longer is aborted.");

  public static final ConfigOption<String> SAVEPOINT_DIR =
      key("savepoint.dir")
          .stringType()
          .defaultValue("file://" + System.getProperty("user.dir") + "/savepoints")
          .withDescription("Default target directory of savepoints.");

  public static final ConfigOption<Duration> RESTART_INITIAL_BACKOFF =
      key("restart.initial-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription("Exponential-delay restart strategy: first delay.");

  public static final ConfigOption<Duration> RESTART_MAX_BACKOFF =
      key("restart.max-backoff")
          .durationType()
          .defaultValue(Duration.ofMinutes(1))
          .withDescription("Exponential-delay restart strategy: largest delay.");

  public static final ConfigOption<Double> RESTART_BACKOFF_MULTIPLIER =
      key("restart.backoff-multiplier")
          .doubleType()
          .defaultValue(2.0)
          .withDescription("Exponential-delay restart strategy: multiplier, > 1.");

  public static final ConfigOption<Duration> RESTART_RESET_THRESHOLD =
      key("restart.reset-backoff-threshold")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription("Running this long without failure resets the delay.");

  public static final ConfigOption<Double> RESTART_JITTER =
      key("restart.jitter-factor")
          .doubleType()
          .defaultValue(0.1)
          .withDescription("Random jitter in [0, 1) applied to restart delays.");

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
                  + " instead of hanging; 0 waits forever.");

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

  // ---- local run (jobs/run-local.sh) ----

  public static final ConfigOption<Double> GENERATOR_RATE =
      key("generator.rate")
          .doubleType()
          .defaultValue(2000.0)
          .withDescription("Local run: generated events per second (wall clock).");

  public static final ConfigOption<Double> GENERATOR_INVALID_FRACTION =
      key("generator.invalid-fraction")
          .doubleType()
          .defaultValue(0.01)
          .withDescription("Local run: fraction of generated records that are invalid.");

  public static final ConfigOption<Double> GENERATOR_TIME_SCALE =
      key("generator.time-scale")
          .doubleType()
          .defaultValue(10.0)
          .withDescription(
              "Local run: event time runs this many times faster than the wall clock, so that"
                  + " windows close often and the daily rhythm shows.");

  public static final ConfigOption<Duration> LOCAL_DURATION =
      key("local.duration")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription("Local run: stop (draining the last windows) after this; 0 = Ctrl-C.");

  public static final ConfigOption<Integer> LOCAL_WEB_PORT =
      key("local.web-port")
          .intType()
          .defaultValue(8081)
          .withDescription("Local run: port of the Flink web UI.");
}
