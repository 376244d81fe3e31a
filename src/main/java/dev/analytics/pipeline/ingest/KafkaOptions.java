package dev.analytics.pipeline.ingest;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.config.KeyStores;
import dev.analytics.pipeline.config.StageOptions;
import dev.analytics.pipeline.config.TransportSecurity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/** The options of this stage. */
public final class KafkaOptions implements StageOptions {
  private static final Pattern EPOCH_MILLIS = Pattern.compile("[0-9]{1,18}");
  private static final List<String> SASL_MECHANISMS =
      List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  /**
   * Kafka client properties that hold credentials or key material besides those containing
   * "password" or "secret": refused in kafka.properties, which is committed and logged.
   */
  private static final Set<String> SECRET_KAFKA_PROPERTIES =
      Set.of("sasl.jaas.config", "ssl.keystore.key", "ssl.keystore.certificate.chain");

  public KafkaOptions() {}

  /** The transactional-id prefix of the Kafka sinks: the option, or the job's instance id. */
  public static String transactionalIdPrefix(JobConfig config) {
    String prefix = config.get(KAFKA_TRANSACTIONAL_ID_PREFIX);
    return prefix.isEmpty() ? config.instanceId() : prefix;
  }

  @Override
  public void check(ConfigChecks c) {
    kafka(c);
  }

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

  public enum SecurityProtocol {
    PLAINTEXT,
    SSL,
    SASL_PLAINTEXT,
    SASL_SSL
  }

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

  private static void kafka(ConfigChecks c) {
    String servers = c.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS);
    String serversKey = KafkaOptions.KAFKA_BOOTSTRAP_SERVERS.key();
    if (servers == null) {
      if (c.requireKafka()) {
        throw new ConfigException(
            serversKey,
            "is required: host:port[,host:port] (set it in the YAML file, as "
                + JobConfig.environmentVariable(serversKey)
                + " or as --"
                + serversKey
                + ")");
      }
    } else {
      for (String server : servers.split(",", -1)) {
        if (!isHostPort(server.trim())) {
          throw new ConfigException(
              serversKey,
              "'"
                  + server.trim()
                  + "' is not host:port with a port in [1, 65535]"
                  + c.origin(serversKey));
        }
      }
    }
    c.topic(KafkaOptions.KAFKA_TOPIC);
    c.topic(EventOptions.DEAD_LETTER_TOPIC);
    c.notBlank(KafkaOptions.KAFKA_GROUP_ID);
    String prefix = c.get(KafkaOptions.KAFKA_TRANSACTIONAL_ID_PREFIX);
    if (!prefix.isEmpty() && !ConfigChecks.ID.matcher(prefix).matches()) {
      throw c.fail(
          KafkaOptions.KAFKA_TRANSACTIONAL_ID_PREFIX,
          "must be empty (the instance id) or [A-Za-z0-9._-], at most 60 characters");
    }
    String instance = c.get(JobOptions.JOB_INSTANCE_ID);
    if (!instance.isEmpty() && !ConfigChecks.ID.matcher(instance).matches()) {
      throw c.fail(
          JobOptions.JOB_INSTANCE_ID,
          "must be empty (derived from job.name) or [A-Za-z0-9._-], at most 60 characters");
    }

    String startKey = KafkaOptions.KAFKA_START_TIMESTAMP.key();
    String start = c.get(KafkaOptions.KAFKA_START_TIMESTAMP);
    if (start == null) {
      if (c.get(KafkaOptions.KAFKA_START_POSITION) == KafkaOptions.StartPosition.TIMESTAMP) {
        throw new ConfigException(
            startKey,
            "is required when kafka.start-position is timestamp: an ISO-8601 instant (e.g."
                + " 2024-05-01T00:00:00Z) or epoch milliseconds");
      }
    } else if (!EPOCH_MILLIS.matcher(start).matches() && !ConfigChecks.isInstant(start)) {
      throw new ConfigException(
          startKey,
          "'"
              + start
              + "' is neither an ISO-8601 instant (e.g. 2024-05-01T00:00:00Z) nor epoch"
              + " milliseconds"
              + c.origin(startKey));
    }

    String mechanism = c.get(KafkaOptions.KAFKA_SASL_MECHANISM);
    if (!SASL_MECHANISMS.contains(mechanism.toUpperCase(Locale.ROOT))) {
      throw new ConfigException(
          KafkaOptions.KAFKA_SASL_MECHANISM.key(),
          "'"
              + mechanism
              + "' is not one of "
              + SASL_MECHANISMS
              + c.origin(KafkaOptions.KAFKA_SASL_MECHANISM.key()));
    }
    KafkaOptions.SecurityProtocol protocol = c.get(KafkaOptions.KAFKA_SECURITY_PROTOCOL);
    if (protocol.name().startsWith("SASL_")) {
      String user = c.get(KafkaOptions.KAFKA_SASL_USERNAME);
      if (user == null || user.isBlank()) {
        throw new ConfigException(
            KafkaOptions.KAFKA_SASL_USERNAME.key(),
            "is required with kafka.security-protocol " + protocol.name().toLowerCase(Locale.ROOT));
      }
      String passwordKey = KafkaOptions.KAFKA_SASL_PASSWORD.key();
      if (c.get(KafkaOptions.KAFKA_SASL_PASSWORD) == null) {
        throw new ConfigException(
            passwordKey,
            "is required with kafka.security-protocol "
                + protocol.name().toLowerCase(Locale.ROOT)
                + ": set the environment variable "
                + JobConfig.environmentVariable(passwordKey)
                + " or name a file holding it with "
                + passwordKey
                + JobConfig.SECRET_FILE_SUFFIX);
      }
    }

    kafkaTls(c, protocol);

    for (String property : c.get(KafkaOptions.KAFKA_PROPERTIES).keySet()) {
      String key = KafkaOptions.KAFKA_PROPERTIES.key() + "." + property;
      String lower = property.toLowerCase(Locale.ROOT);
      if (lower.contains("password")
          || lower.contains("secret")
          || SECRET_KAFKA_PROPERTIES.contains(lower)) {
        throw new ConfigException(
            key,
            "credentials are not accepted in kafka.properties, nor is key material (it is"
                + " logged and committed): give SASL credentials with kafka.sasl.username and the"
                + " secret kafka.sasl.password ("
                + JobConfig.environmentVariable(KafkaOptions.KAFKA_SASL_PASSWORD.key())
                + " or kafka.sasl.password-file), TLS stores with kafka.ssl.truststore-* and"
                + " kafka.ssl.keystore-* (their passwords are secrets too)");
      }
      String typed = TYPED_KAFKA_PROPERTIES.get(lower);
      if (typed != null) {
        throw new ConfigException(key, "is set by the option " + typed + "; set that instead");
      }
      if (property.isBlank()) {
        throw new ConfigException(key, "a Kafka property needs a name");
      }
    }

    Duration timeout = c.get(KafkaOptions.KAFKA_TRANSACTION_TIMEOUT);
    Duration interval = c.get(JobOptions.CHECKPOINT_INTERVAL);
    if (timeout.compareTo(interval) <= 0) {
      throw c.fail(
          KafkaOptions.KAFKA_TRANSACTION_TIMEOUT,
          "is not > checkpoint.interval ("
              + JobConfig.display(interval)
              + "): a transaction stays open until the next checkpoint commits it");
    }
  }

  /**
   * TLS options only with ssl/sasl_ssl; the trust store and key store exist, open with their type
   * and password, and the key store holds a key that opens with the key password.
   */
  private static void kafkaTls(ConfigChecks c, KafkaOptions.SecurityProtocol protocol) {
    boolean tls =
        protocol == KafkaOptions.SecurityProtocol.SSL
            || protocol == KafkaOptions.SecurityProtocol.SASL_SSL;
    List<ConfigOption<?>> tlsOptions =
        List.of(
            KafkaOptions.KAFKA_SSL_TRUSTSTORE_LOCATION,
            KafkaOptions.KAFKA_SSL_TRUSTSTORE_TYPE,
            KafkaOptions.KAFKA_SSL_TRUSTSTORE_PASSWORD,
            KafkaOptions.KAFKA_SSL_KEYSTORE_LOCATION,
            KafkaOptions.KAFKA_SSL_KEYSTORE_TYPE,
            KafkaOptions.KAFKA_SSL_KEYSTORE_PASSWORD,
            KafkaOptions.KAFKA_SSL_KEY_PASSWORD,
            KafkaOptions.KAFKA_SSL_ENDPOINT_IDENTIFICATION);
    if (!tls) {
      for (ConfigOption<?> option : tlsOptions) {
        if (c.isSet(option.key()) || c.isSet(option.key() + JobConfig.SECRET_FILE_SUFFIX)) {
          throw new ConfigException(
              option.key(),
              "is set, but kafka.security-protocol is "
                  + protocol.name().toLowerCase(Locale.ROOT)
                  + ", which uses no TLS: set kafka.security-protocol ssl or sasl_ssl"
                  + c.origin(option.key()));
        }
      }
      return;
    }
    c.storeFile(
        KafkaOptions.KAFKA_SSL_TRUSTSTORE_LOCATION,
        KafkaOptions.KAFKA_SSL_TRUSTSTORE_TYPE,
        KafkaOptions.KAFKA_SSL_TRUSTSTORE_PASSWORD);
    String keystore = c.get(KafkaOptions.KAFKA_SSL_KEYSTORE_LOCATION);
    if (keystore == null) {
      for (ConfigOption<?> option :
          List.of(KafkaOptions.KAFKA_SSL_KEYSTORE_PASSWORD, KafkaOptions.KAFKA_SSL_KEY_PASSWORD)) {
        if (c.get(option) != null) {
          throw new ConfigException(
              option.key(), "is set without kafka.ssl.keystore-location" + c.origin(option.key()));
        }
      }
      return;
    }
    if (c.get(KafkaOptions.KAFKA_SSL_KEYSTORE_PASSWORD) == null) {
      String passwordKey = KafkaOptions.KAFKA_SSL_KEYSTORE_PASSWORD.key();
      throw new ConfigException(
          passwordKey,
          "is required with kafka.ssl.keystore-location (a key store without a password"
              + " leaves its private key unprotected): set the environment variable "
              + JobConfig.environmentVariable(passwordKey)
              + " or name a file holding it with "
              + passwordKey
              + JobConfig.SECRET_FILE_SUFFIX);
    }
    try {
      KeyStores.checkKeyStore(
          keystore,
          c.get(KafkaOptions.KAFKA_SSL_KEYSTORE_TYPE),
          c.get(KafkaOptions.KAFKA_SSL_KEYSTORE_PASSWORD),
          c.get(KafkaOptions.KAFKA_SSL_KEY_PASSWORD));
    } catch (IllegalArgumentException e) {
      String key =
          e.getMessage().contains("key password")
              ? KafkaOptions.KAFKA_SSL_KEY_PASSWORD.key()
              : KafkaOptions.KAFKA_SSL_KEYSTORE_LOCATION.key();
      throw new ConfigException(
          key, e.getMessage() + c.origin(KafkaOptions.KAFKA_SSL_KEYSTORE_LOCATION.key()));
    }
  }

  static boolean isHostPort(String server) {
    int colon = server.lastIndexOf(':');
    if (colon <= 0 || colon == server.length() - 1) {
      return false;
    }
    String port = server.substring(colon + 1);
    if (!port.chars().allMatch(Character::isDigit) || port.length() > 5) {
      return false;
    }
    int number = Integer.parseInt(port);
    return number >= 1 && number <= 65535;
  }

  /** Kafka client properties that have a typed option; kafka.properties must not set them. */
  private static final Map<String, String> TYPED_KAFKA_PROPERTIES =
      Map.ofEntries(
          Map.entry("bootstrap.servers", KafkaOptions.KAFKA_BOOTSTRAP_SERVERS.key()),
          Map.entry("group.id", KafkaOptions.KAFKA_GROUP_ID.key()),
          Map.entry("isolation.level", KafkaOptions.KAFKA_ISOLATION_LEVEL.key()),
          Map.entry("security.protocol", KafkaOptions.KAFKA_SECURITY_PROTOCOL.key()),
          Map.entry("sasl.mechanism", KafkaOptions.KAFKA_SASL_MECHANISM.key()),
          Map.entry("transaction.timeout.ms", KafkaOptions.KAFKA_TRANSACTION_TIMEOUT.key()),
          Map.entry("transactional.id", KafkaOptions.KAFKA_TRANSACTIONAL_ID_PREFIX.key()),
          Map.entry("ssl.truststore.location", KafkaOptions.KAFKA_SSL_TRUSTSTORE_LOCATION.key()),
          Map.entry("ssl.truststore.type", KafkaOptions.KAFKA_SSL_TRUSTSTORE_TYPE.key()),
          Map.entry("ssl.keystore.location", KafkaOptions.KAFKA_SSL_KEYSTORE_LOCATION.key()),
          Map.entry("ssl.keystore.type", KafkaOptions.KAFKA_SSL_KEYSTORE_TYPE.key()),
          Map.entry(
              "ssl.endpoint.identification.algorithm",
              KafkaOptions.KAFKA_SSL_ENDPOINT_IDENTIFICATION.key()));

  @Override
  public List<TransportSecurity.Plaintext> plaintext(ReadableConfig conf) {
    List<TransportSecurity.Plaintext> found = new ArrayList<>();
    KafkaOptions.SecurityProtocol protocol = conf.get(KafkaOptions.KAFKA_SECURITY_PROTOCOL);
    String servers = conf.getOptional(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS).orElse("");
    if (!servers.isEmpty()
        && (protocol == KafkaOptions.SecurityProtocol.PLAINTEXT
            || protocol == KafkaOptions.SecurityProtocol.SASL_PLAINTEXT)) {
      boolean clearPassword =
          protocol == KafkaOptions.SecurityProtocol.SASL_PLAINTEXT
              && conf.get(KafkaOptions.KAFKA_SASL_MECHANISM).equalsIgnoreCase("PLAIN");
      List<String> hosts = new ArrayList<>();
      for (String server : servers.split(",")) {
        String s = server.trim();
        int colon = s.lastIndexOf(':');
        hosts.add(colon < 0 ? s : s.substring(0, colon));
      }
      found.add(
          new TransportSecurity.Plaintext(
              KafkaOptions.KAFKA_SECURITY_PROTOCOL,
              "is "
                  + protocol
                  + (clearPassword
                      ? ": the SASL PLAIN password goes in clear; use SASL_SSL"
                      : ": records go unencrypted; use SSL or SASL_SSL"),
              clearPassword && !TransportSecurity.loopback(hosts)));
    }
    return found;
  }
}
