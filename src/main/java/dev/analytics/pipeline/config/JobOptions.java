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

  /** Which records of producer transactions the source reads. */
  public enum IsolationLevel {
    READ_COMMITTED,
    READ_UNCOMMITTED
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

  public static final ConfigOption<String> JOB_INSTANCE_ID =
      key("job.instance-id")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Names this job instance in every id it shares with other jobs on the same"
                  + " PostgreSQL, Kafka and ClickHouse: prepared-transaction ids, Kafka"
                  + " transactional ids, ClickHouse deduplication tokens. [A-Za-z0-9._-], at most"
                  + " 60 characters. Empty: job.name itself when it is such a name, otherwise its"
                  + " first 47 characters made so plus '-' and 12 hex digits of its SHA-256 (so"
                  + " 'a b' and 'a_b' differ). Two jobs that run at the same time against the same"
                  + " servers (a backfill beside production) need different instance ids.");

  public static final ConfigOption<Boolean> SECURITY_REQUIRE_TLS =
      key("security.require-tls")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Refuse at start-up, naming the key, every configured connection that would not use"
                  + " TLS: clickhouse.url http://, postgres.url without sslmode=require,"
                  + " verify-ca or verify-full, kafka.security-protocol PLAINTEXT or"
                  + " SASL_PLAINTEXT. Off: the job starts and warns about those that send a"
                  + " password in clear or leave this host without TLS (loopback hosts are not"
                  + " warned about).");

  public static final ConfigOption<Integer> PARALLELISM =
      key("job.parallelism")
          .intType()
          .defaultValue(0)
          .withDescription("Parallelism of the job; 0 keeps the cluster's default.");

  public static final ConfigOption<Integer> JOB_MAX_PARALLELISM =
      key("job.max-parallelism")
          .intType()
          .defaultValue(128)
          .withDescription(
              "Maximum parallelism (number of key groups) of the keyed state, in [1, 32768]: the"
                  + " job can be rescaled from a savepoint up to this parallelism. Fixed for the"
                  + " life of the state: a savepoint does not restore into a different value.");

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

  public static final ConfigOption<String> KAFKA_SSL_TRUSTSTORE_LOCATION =
      key("kafka.ssl.truststore-location")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "With ssl or sasl_ssl: trust store of the CA that signed the brokers' certificates"
                  + " (ssl.truststore.location); unset trusts the JVM's default CAs. Checked at"
                  + " start-up: it must exist and open with kafka.ssl.truststore-type and"
                  + " -password.");

  public static final ConfigOption<KeyStores.StoreType> KAFKA_SSL_TRUSTSTORE_TYPE =
      key("kafka.ssl.truststore-type")
          .enumType(KeyStores.StoreType.class)
          .defaultValue(KeyStores.StoreType.PKCS12)
          .withDescription(
              "pkcs12, jks or pem (X.509 certificates) of kafka.ssl.truststore-location.");

  /** Secret: only from the environment or a file (kafka.ssl.truststore-password-file). */
  public static final ConfigOption<String> KAFKA_SSL_TRUSTSTORE_PASSWORD =
      key("kafka.ssl.truststore-password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Password of the pkcs12/jks trust store (none for pem). Secret: only from the"
                  + " environment (ANALYTICS_KAFKA_SSL_TRUSTSTORE_PASSWORD) or"
                  + " kafka.ssl.truststore-password-file.");

  public static final ConfigOption<String> KAFKA_SSL_KEYSTORE_LOCATION =
      key("kafka.ssl.keystore-location")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "With ssl or sasl_ssl: key store of the client certificate, for brokers that"
                  + " authenticate clients by TLS (ssl.client.auth); pkcs12 or jks. Checked at"
                  + " start-up: it must open with its password and hold a private key.");

  public static final ConfigOption<KeyStores.StoreType> KAFKA_SSL_KEYSTORE_TYPE =
      key("kafka.ssl.keystore-type")
          .enumType(KeyStores.StoreType.class)
          .defaultValue(KeyStores.StoreType.PKCS12)
          .withDescription("pkcs12 or jks: format of kafka.ssl.keystore-location.");

  /** Secret: only from the environment or a file (kafka.ssl.keystore-password-file). */
  public static final ConfigOption<String> KAFKA_SSL_KEYSTORE_PASSWORD =
      key("kafka.ssl.keystore-password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Password of the key store; required with kafka.ssl.keystore-location. Secret: only"
                  + " from the environment (ANALYTICS_KAFKA_SSL_KEYSTORE_PASSWORD) or"
                  + " kafka.ssl.keystore-password-file.");

  /** Secret: only from the environment or a file (kafka.ssl.key-password-file). */
  public static final ConfigOption<String> KAFKA_SSL_KEY_PASSWORD =
      key("kafka.ssl.key-password")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Password of the private key in the key store, when it differs from the store's."
                  + " Secret: only from the environment (ANALYTICS_KAFKA_SSL_KEY_PASSWORD) or"
                  + " kafka.ssl.key-password-file.");

  public static final ConfigOption<Boolean> KAFKA_SSL_ENDPOINT_IDENTIFICATION =
      key("kafka.ssl.endpoint-identification")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Check that the broker's certificate names the host connected to"
                  + " (ssl.endpoint.identification.algorithm https). Turn off only for"
                  + " certificates without the brokers' names, never across untrusted networks.");

  public static final ConfigOption<Map<String, String>> KAFKA_PROPERTIES =
      key("kafka.properties")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Extra Kafka client properties for the source and sinks (e.g. ssl.protocol,"
                  + " client.dns.lookup). Refused: credentials and key material (passwords,"
                  + " sasl.jaas.config, inline keys and certificates), which belong in the secret"
                  + " options, and properties that have a typed option.");

  public static final ConfigOption<IsolationLevel> KAFKA_ISOLATION_LEVEL =
      key("kafka.isolation-level")
          .enumType(IsolationLevel.class)
          .defaultValue(IsolationLevel.READ_COMMITTED)
          .withDescription(
              "read_committed: the source skips the records of producer transactions that were"
                  + " aborted (and waits for open ones); read_uncommitted reads them too, for"
                  + " topics whose producers are not transactional and must not be held back.");

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
          .defaultValue("")
          .withDescription(
              "Prefix of the transactional ids of the exactly-once Kafka sinks; unique per job"
                  + " on a Kafka cluster. Empty: the job's instance id (job.instance-id).");

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

  public static final ConfigOption<Duration> EVENTS_MAX_FUTURE_SKEW =
      key("events.max-future-skew")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "An event whose time is further than this after its Kafka record timestamp (when"
                  + " it reached us) is a dead letter (timestamp_in_future): a client clock"
                  + " ahead. No event moves the watermark past its record's timestamp.");

  public static final ConfigOption<Duration> EVENTS_MAX_PAST_AGE =
      key("events.max-past-age")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription(
              "An event whose time is further than this before its Kafka record timestamp is a"
                  + " dead letter (timestamp_too_old); 0 disables (events behind the watermark"
                  + " are late dead letters either way).");

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

  public static final ConfigOption<List<String>> PRIORITY_TRUST_EXPLICIT =
      key("priority.trust-explicit")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Glob patterns of the event types whose own priority field is trusted (* for all);"
                  + " the rules decide for every other event, and each priority field they"
                  + " ignore is counted (untrustedPriorityClaims). Empty (the default): no"
                  + " producer can promote its events past sampling into the raw table.");

  public static final ConfigOption<Integer> PRIORITY_HIGH_MAX_PROPERTIES_BYTES =
      key("priority.high.max-properties-bytes")
          .intType()
          .defaultValue(16384)
          .withDescription(
              "Bytes (UTF-8) of a high-priority event's properties kept in its raw row; larger"
                  + " properties are dropped (null) and counted (propertiesDropped).");

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

  public static final ConfigOption<Map<String, String>> AGGREGATION_DIMENSIONS =
      key("aggregation.dimensions")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Per event type, the dimensions (separated by spaces or ';') that join the event"
                  + " type in the aggregation key, e.g. api.error: error_type region. An absent"
                  + " dimension counts as the empty string.");

  public static final ConfigOption<List<String>> AGGREGATION_DEFAULT_DIMENSIONS =
      key("aggregation.default-dimensions")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Dimensions of the aggregation key of event types not in aggregation.dimensions.");

  public static final ConfigOption<Integer> AGGREGATION_MAX_EVENT_TYPES =
      key("aggregation.max-event-types")
          .intType()
          .defaultValue(10_000)
          .withDescription(
              "Event types active at once, at most (each of 256 shards of the type hash admits"
                  + " 1/256 of it); events of further types are counted as type __other__"
                  + " (eventTypeOverflow). A type stays active until detection.ttl-windows windows"
                  + " passed without its events. Keep it several times the real number of types;"
                  + " 0 disables.");

  public static final ConfigOption<Integer> AGGREGATION_MAX_KEYS_PER_TYPE =
      key("aggregation.max-keys-per-type")
          .intType()
          .defaultValue(1000)
          .withDescription(
              "Dimension combinations of one event type active at once (like event types:"
                  + " until detection.ttl-windows windows passed without them); the events of"
                  + " further combinations are folded into the __other__ bucket (and counted as"
                  + " dimensionOverflow), so no client can blow up state.");

  public static final ConfigOption<List<String>> WINDOW_ROLLUPS =
      key("window.rollups")
          .stringType()
          .asList()
          .defaultValues("1 h", "1 d")
          .withDescription(
              "Coarser windows computed by merging the accumulators of the finer ones; each a"
                  + " multiple of the previous size. Empty: no rollups.");

  public static final ConfigOption<Boolean> WINDOW_PRE_AGGREGATE =
      key("window.pre-aggregate")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Pre-aggregate per key before the shuffle (flushed at watermarks and checkpoints):"
                  + " the same results with one state update per key and flush instead of one"
                  + " per event (about 5x the throughput on RocksDB). false aggregates events"
                  + " in the window directly.");

  public static final ConfigOption<Integer> WINDOW_PRE_AGGREGATE_MAX_KEYS =
      key("window.pre-aggregate.max-keys")
          .intType()
          .defaultValue(10_000)
          .withDescription(
              "Pre-aggregation: partial accumulators held per subtask before flushing early.");

  // ---- privacy (local differential privacy) ----

  public static final ConfigOption<List<String>> PRIVACY_GROUPS =
      key("privacy.groups")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Groups of event types whose clients report through k-ary randomized response;"
                  + " their window counts are corrected (unbiased estimate and standard"
                  + " deviation per type). Each item is name:epsilon:type1,type2,...,typek with a"
                  + " unique name of [A-Za-z0-9_.-], epsilon > 0 and finite, k >= 2 distinct"
                  + " event types, no type in two groups; e.g. 'consent:1.0:consent.yes,consent.no'.");

  // ---- detection ----

  public static final ConfigOption<Boolean> DETECTION_ENABLED =
      key("detection.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Pattern detection (spike, drop, anomaly, trend) over the fine window aggregates.");

  public static final ConfigOption<String> DETECTION_METRIC =
      key("detection.metric")
          .stringType()
          .defaultValue("count")
          .withDescription(
              "Watched metric of event types not in detection.metrics: count (the estimated"
                  + " number of events) or a value statistic: mean, min, max, sum, stddev, p50,"
                  + " p75, p90, p95, p99, p999.");

  public static final ConfigOption<Map<String, String>> DETECTION_METRICS =
      key("detection.metrics")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Watched metric per event type (same values as detection.metric), e.g."
                  + " performance.response_time: p95.");

  public static final ConfigOption<Integer> DETECTION_HISTORY =
      key("detection.history")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Windows of history of the baseline (median) and of its spread (MAD), 3..1000.");

  public static final ConfigOption<Integer> DETECTION_WARMUP =
      key("detection.warmup")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Windows of history needed before the first judgement, 3..detection.history.");

  public static final ConfigOption<Double> DETECTION_SPIKE_FACTOR =
      key("detection.spike-factor")
          .doubleType()
          .defaultValue(2.0)
          .withDescription("Spike: the metric at least this many times the baseline, > 1.");

  public static final ConfigOption<Double> DETECTION_DROP_FACTOR =
      key("detection.drop-factor")
          .doubleType()
          .defaultValue(0.5)
          .withDescription("Drop: the metric at most this fraction of the baseline, in [0, 1).");

  public static final ConfigOption<Double> DETECTION_SIGMA =
      key("detection.sigma")
          .doubleType()
          .defaultValue(3.0)
          .withDescription(
              "Robust standard deviations (1.4826 x MAD) from the baseline that every spike,"
                  + " drop and anomaly must also exceed, > 0.");

  public static final ConfigOption<Double> DETECTION_ANOMALY_MIN_CHANGE =
      key("detection.anomaly.min-change")
          .doubleType()
          .defaultValue(0.25)
          .withDescription(
              "Anomaly: beyond detection.sigma and at least this relative change from the"
                  + " baseline (0.25 = 25%), >= 0.");

  public static final ConfigOption<Integer> DETECTION_ANOMALY_WINDOWS =
      key("detection.anomaly.windows")
          .intType()
          .defaultValue(3)
          .withDescription(
              "Anomaly: consecutive outlying windows that confirm it (a single window beyond 3"
                  + " sigma is expected every few hundred windows of pure noise), 1..100.");

  public static final ConfigOption<Integer> DETECTION_TREND_WINDOWS =
      key("detection.trend.windows")
          .intType()
          .defaultValue(60)
          .withDescription("Trend: windows of the regression, 5..1000.");

  public static final ConfigOption<Double> DETECTION_TREND_SIGNIFICANCE =
      key("detection.trend.significance")
          .doubleType()
          .defaultValue(1e-6)
          .withDescription("Trend: the regression slope's p-value must be below this, in (0, 1).");

  public static final ConfigOption<Double> DETECTION_TREND_MIN_CHANGE =
      key("detection.trend.min-change")
          .doubleType()
          .defaultValue(0.3)
          .withDescription(
              "Trend: relative change of the fitted line over detection.trend.windows, > 0.");

  public static final ConfigOption<Integer> DETECTION_COOLDOWN =
      key("detection.cooldown")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Consecutive normal windows that resolve an incident (then a resolved alert); no"
                  + " new alert before, so one alert per incident, >= 1.");

  public static final ConfigOption<Integer> DETECTION_SHIFT_WINDOWS =
      key("detection.shift-windows")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Consecutive abnormal windows on the same side of the baseline that make a level"
                  + " shift: the incident is resolved and the baseline restarts from them, >= 2.");

  public static final ConfigOption<Double> DETECTION_MIN_BASELINE_COUNT =
      key("detection.min-baseline-count")
          .doubleType()
          .defaultValue(100.0)
          .withDescription(
              "Count metric: no judgement while the baseline is below this many kept (sampled)"
                  + " events per window: below about 100, doubling or halving is within a few"
                  + " standard deviations of Poisson noise, >= 0.");

  public static final ConfigOption<Integer> DETECTION_MIN_VALUES =
      key("detection.min-values")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Statistic metrics: a window with fewer kept values is not judged (the key is"
                  + " reported once in the log and counted in the detectionSparseWindows and"
                  + " detectionSparseKeys metrics), >= 1. The default 1 judges a gauge with one"
                  + " value per window.");

  public static final ConfigOption<Boolean> DETECTION_SEASONAL_ENABLED =
      key("detection.seasonal.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Adjust the history by a daily profile (24 hour-of-day levels) once every hour has"
                  + " been seen on detection.seasonal.min-days days; windows up to 1 h only.");

  public static final ConfigOption<Integer> DETECTION_SEASONAL_MIN_DAYS =
      key("detection.seasonal.min-days")
          .intType()
          .defaultValue(1)
          .withDescription("Days of observations every hour of the profile needs, 1..365.");

  public static final ConfigOption<Integer> DETECTION_SEASONAL_MEMORY_DAYS =
      key("detection.seasonal.memory-days")
          .intType()
          .defaultValue(7)
          .withDescription("Memory of the profile's moving averages (EWMA), in days, 1..365.");

  public static final ConfigOption<Integer> DETECTION_TTL_WINDOWS =
      key("detection.ttl-windows")
          .intType()
          .defaultValue(1440)
          .withDescription(
              "A key without aggregates for this many windows loses its state and timers, >= 2.");

  public static final ConfigOption<String> DETECTION_MODE =
      key("detection.mode")
          .stringType()
          .defaultValue("likelihood")
          .withDescription(
              "likelihood: every window gets an anomaly score (the anomaly likelihood of a robust"
                  + " streaming model of the key, with daily and weekly profiles where the history"
                  + " shows them) and an alert opens at detection.alert-likelihood; seed: the seed"
                  + " rules (robust sigma over detection.history, spike and drop factors, the trend"
                  + " regression), for comparison.");

  public static final ConfigOption<Double> DETECTION_ALERT_LIKELIHOOD =
      key("detection.alert-likelihood")
          .doubleType()
          .defaultValue(0.9999999)
          .withDescription(
              "Likelihood mode: the anomaly likelihood at which an alert opens (and the window"
                  + " itself outlying, tail probability <= 1%), in [0.5, 1); the default, 1 -"
                  + " 1e-7, was chosen on the evaluation corpus.");

  public static final ConfigOption<Integer> DETECTION_SUPPRESSION_WINDOWS =
      key("detection.suppression-windows")
          .intType()
          .defaultValue(72)
          .withDescription(
              "Likelihood mode: windows after an alert in which no new alert opens (a burst or a"
                  + " regime change is one alert), 1..100000.");

  public static final ConfigOption<Integer> DETECTION_WARMUP_WINDOWS =
      key("detection.warmup-windows")
          .intType()
          .defaultValue(100)
          .withDescription(
              "Likelihood mode: windows learnt before the first alert (and detection.warmup-days),"
                  + " 3..100000.");

  public static final ConfigOption<Double> DETECTION_WARMUP_DAYS =
      key("detection.warmup-days")
          .doubleType()
          .defaultValue(0.5)
          .withDescription(
              "Likelihood mode: the warm-up also lasts this fraction of a day of windows, 0..28.");

  public static final ConfigOption<Map<String, String>> DETECTION_OVERRIDES =
      key("detection.overrides")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Per event type, thresholds that replace the defaults above: space-separated"
                  + " key=value pairs whose keys are the detection.* keys without the prefix"
                  + " (history, warmup, spike-factor, drop-factor, sigma, anomaly.min-change,"
                  + " anomaly.windows,"
                  + " trend.windows, trend.significance, trend.min-change, cooldown,"
                  + " shift-windows, min-baseline-count, min-values, seasonal.enabled,"
                  + " seasonal.min-days, seasonal.memory-days, ttl-windows, mode,"
                  + " alert-likelihood, suppression-windows, warmup-windows, warmup-days), e.g."
                  + " api.error:"
                  + " 'spike-factor=3 min-baseline-count=50'.");

  // ---- outputs ----

  public static final ConfigOption<String> OUTPUT_AGGREGATES_TOPIC =
      key("output.aggregates-topic")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Kafka topic for window aggregates as JSON (exactly-once); empty disables it.");

  public static final ConfigOption<String> OUTPUT_ALERTS_TOPIC =
      key("output.alerts-topic")
          .stringType()
          .defaultValue("")
          .withDescription("Kafka topic for alerts as JSON (exactly-once); empty disables it.");

  public static final ConfigOption<Boolean> OUTPUT_CONSOLE =
      key("output.console")
          .booleanType()
          .defaultValue(false)
          .withDescription("Print a compact line per closed window to standard output.");

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
              "Create the database and tables (sql/clickhouse/*.sql) if missing; otherwise the"
                  + " job checks at start-up that they exist with the expected columns.");

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
