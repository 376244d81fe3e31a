package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.aggregation.AggregationOptions;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.priority.PriorityOptions;
import dev.analytics.pipeline.sampling.SamplingOptions;
import dev.analytics.pipeline.sinks.OutputOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobConfigTest {
  private static final String SERVERS = "kafka.bootstrap-servers";
  private static final String SECRET = "s3cr3t-Pa55";

  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    Path file = Files.createTempFile(dir, "job", ".yaml");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  /** Loads with the bootstrap servers given as the first arguments. */
  private static JobConfig loadWith(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("--" + SERVERS, "broker:9092"));
    all.addAll(Arrays.asList(args));
    return JobConfig.load(all.toArray(String[]::new), env);
  }

  private static ConfigException loadFails(Map<String, String> env, String... args) {
    return assertThatExceptionOfType(ConfigException.class)
        .isThrownBy(() -> JobConfig.load(args, env))
        .actual();
  }

  // ---- sources and precedence ----

  @Test
  void shouldApplyDefaultsThenFileThenEnvironmentThenArguments() throws IOException {
    Path file = yaml("window:\n  size: 30 s\njob:\n  name: from-file\n");
    String config = file.toString();

    assertThat(loadWith(Map.of()).get(AggregationOptions.WINDOW_SIZE))
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(loadWith(Map.of(), "--config", config).get(AggregationOptions.WINDOW_SIZE))
        .isEqualTo(Duration.ofSeconds(30));

    Map<String, String> env = Map.of("ANALYTICS_WINDOW_SIZE", "20 s");
    JobConfig fromEnv = loadWith(env, "--config", config);
    assertThat(fromEnv.get(AggregationOptions.WINDOW_SIZE)).isEqualTo(Duration.ofSeconds(20));
    assertThat(fromEnv.get(JobOptions.JOB_NAME)).isEqualTo("from-file");

    JobConfig fromArgs = loadWith(env, "--config", config, "--window.size", "PT10S");
    assertThat(fromArgs.get(AggregationOptions.WINDOW_SIZE)).isEqualTo(Duration.ofSeconds(10));
    assertThat(fromArgs.get(JobOptions.JOB_NAME)).isEqualTo("from-file");
  }

  @Test
  void shouldAcceptKeyEqualsValueArgumentsAndLaterArgumentsWin() {
    JobConfig config = loadWith(Map.of(), "--window.size=500ms", "--window.size", "2 min");
    assertThat(config.get(AggregationOptions.WINDOW_SIZE)).isEqualTo(Duration.ofMinutes(2));
    assertThat(loadWith(Map.of(), "--job.name=a=b").get(JobOptions.JOB_NAME)).isEqualTo("a=b");
  }

  @Test
  void shouldFindTheFileInAnalyticsConfigUnlessConfigArgumentIsGiven() throws IOException {
    Path fromEnv = yaml("job.name: env-file\n");
    Path fromArg = yaml("job.name: arg-file\n");
    Map<String, String> env = Map.of("ANALYTICS_CONFIG", fromEnv.toString());

    assertThat(loadWith(env).get(JobOptions.JOB_NAME)).isEqualTo("env-file");
    assertThat(loadWith(env, "--config", fromArg.toString()).get(JobOptions.JOB_NAME))
        .isEqualTo("arg-file");
  }

  @Test
  void shouldIgnoreEnvironmentVariablesWithoutThePrefix() {
    JobConfig config =
        loadWith(Map.of("PATH", "/usr/bin", "HOME", "/root", "KAFKA_TOPIC", "ignored"));
    assertThat(config.get(KafkaOptions.KAFKA_TOPIC)).isEqualTo("analytics-events");
  }

  @Test
  void shouldTakeMapOptionSubtreesWithDottedKeysFromYaml() throws IOException {
    Path file =
        yaml(
            """
            sampling:
              rates:
                performance.response_time: 0.25
                performance:
                  cpu_usage: 0.5
                cache_hit: 1
            kafka.properties:
              ssl:
                enabled.protocols: TLSv1.3
              client.dns.lookup: use_all_dns_ips
            """);
    JobConfig config = loadWith(Map.of(), "--config", file.toString());

    assertThat(config.get(SamplingOptions.SAMPLING_RATES))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "performance.response_time", "0.25",
                "performance.cpu_usage", "0.5",
                "cache_hit", "1"));
    assertThat(config.get(KafkaOptions.KAFKA_PROPERTIES))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("ssl.enabled.protocols", "TLSv1.3", "client.dns.lookup", "use_all_dns_ips"));
  }

  @Test
  void shouldTreatFlatAndNestedYamlKeysAlikeAndRefuseBoth() throws IOException {
    Path flat = yaml("kafka.topic: events-a\nsampling.rates: {a.b: 0.5}\n");
    JobConfig config = loadWith(Map.of(), "--config", flat.toString());
    assertThat(config.get(KafkaOptions.KAFKA_TOPIC)).isEqualTo("events-a");
    assertThat(config.get(SamplingOptions.SAMPLING_RATES))
        .containsExactlyEntriesOf(Map.of("a.b", "0.5"));

    Path both = yaml("kafka.topic: a\nkafka:\n  topic: b\n");
    ConfigException e = loadFails(Map.of(), "--config", both.toString());
    assertThat(e.key()).isEqualTo("kafka.topic");
    assertThat(e.getMessage()).contains("is given twice in file");
  }

  @Test
  void shouldReadListsAndMapsInYamlAndFlinkFormats() throws IOException {
    Path file =
        yaml(
            "priority:\n  high:\n    categories:\n      - error\n      - panic\n    event-types: []\n");
    JobConfig fromYaml = loadWith(Map.of(), "--config", file.toString());
    assertThat(fromYaml.get(PriorityOptions.PRIORITY_HIGH_CATEGORIES))
        .containsExactly("error", "panic");
    assertThat(fromYaml.get(PriorityOptions.PRIORITY_HIGH_EVENT_TYPES)).isEmpty();

    JobConfig fromArgs =
        loadWith(
            Map.of("ANALYTICS_SAMPLING_RATES", "x.y:0.5,z:1"),
            "--priority.low.categories",
            "cache;'semi;colon'",
            "--kafka.properties",
            "{linger.ms: 5, acks: all}");
    assertThat(fromArgs.get(PriorityOptions.PRIORITY_LOW_CATEGORIES))
        .containsExactly("cache", "semi;colon");
    assertThat(fromArgs.get(SamplingOptions.SAMPLING_RATES))
        .containsExactlyInAnyOrderEntriesOf(Map.of("x.y", "0.5", "z", "1"));
    assertThat(fromArgs.get(KafkaOptions.KAFKA_PROPERTIES))
        .containsExactlyInAnyOrderEntriesOf(Map.of("linger.ms", "5", "acks", "all"));
  }

  @Test
  void shouldLeaveEmptyYamlValuesUnsetAndParseEnumsCaseInsensitively() throws IOException {
    Path file = yaml("kafka:\n  start-timestamp:\n  start-position: LaTeSt\n");
    JobConfig config = loadWith(Map.of(), "--config", file.toString());
    assertThat(config.getOptional(KafkaOptions.KAFKA_START_TIMESTAMP)).isEmpty();
    assertThat(config.get(KafkaOptions.KAFKA_START_POSITION))
        .isEqualTo(KafkaOptions.StartPosition.LATEST);
    assertThat(config.getOptional(KafkaOptions.KAFKA_TOPIC)).isEmpty();
  }

  // ---- validation ----

  static Stream<Arguments> badConfigurations() {
    return Stream.of(
        bad(
            "sampling.mode",
            "'sometimes' is not one of [fixed, adaptive]",
            "--sampling.mode",
            "sometimes"),
        bad(
            "state.backend",
            "'memory' is not one of [rocksdb, hashmap]",
            "--state.backend",
            "memory"),
        bad("job.parallelism", "'1.5' is not an integer", "--job.parallelism", "1.5"),
        bad(
            "job.parallelism",
            "'-1' is not >= 0 (from argument --job.parallelism)",
            "--job.parallelism",
            "-1"),
        bad("output.console", "'yes' is not a boolean: true or false", "--output.console", "yes"),
        bad(
            "window.size",
            "'abc' is not a duration: a number with a unit (d, h, min, s, ms)",
            "--window.size",
            "abc"),
        bad("window.allowed-lateness", "not negative", "--window.allowed-lateness", "-5 s"),
        bad(
            "window.size",
            "is not > 0 and a whole number of milliseconds",
            "--window.size",
            "0 ms"),
        bad(
            "window.size",
            "'1500 µs' is not > 0 and a whole number of milliseconds (from argument --window.size)",
            "--window.size",
            "1500 µs"),
        bad(
            "checkpoint.interval",
            "'50 ms' is not >= 100 ms (from argument --checkpoint.interval)",
            "--checkpoint.interval",
            "50 ms"),
        bad(
            "sampling.default-rate",
            "'1.5' is not in (0, 1] (from argument --sampling.default-rate)",
            "--sampling.default-rate",
            "1.5"),
        bad(
            "sampling.default-rate",
            "'0' is not in (0, 1] (from argument --sampling.default-rate)",
            "--sampling.default-rate",
            "0"),
        bad(
            "sampling.rates.cache_hit",
            "'1.5' is not in (0, 1]",
            "--sampling.rates",
            "cache_hit:1.5,a:1"),
        bad(
            "sampling.rates.performance.response_time",
            "'fast' is not a number in (0, 1]",
            "--sampling.rates",
            "performance.response_time:fast"),
        bad(
            "sampling.rates",
            "is not a map: entries key:value separated by ','",
            "--sampling.rates",
            "nocolon"),
        bad(
            "sampling.adaptive.max-events-per-second",
            "is not a finite number > 0",
            "--sampling.adaptive.max-events-per-second",
            "0"),
        bad(
            "events.max-record-bytes",
            "'512' is not in [1024 (1 KiB), 67108864 (64 MiB)] (from argument --events.max-record-bytes)",
            "--events.max-record-bytes",
            "512"),
        bad(
            "events.max-nesting-depth",
            "is not in [2, 1000]",
            "--events.max-nesting-depth",
            "1001"),
        bad(
            "dead-letter.max-raw-bytes",
            "'4096' is not in [0, events.max-record-bytes (2048)] (from argument --dead-letter.max-raw-bytes)",
            "--events.max-record-bytes",
            "2048",
            "--dead-letter.max-raw-bytes",
            "4096"),
        bad(
            "events.max-timestamp",
            "'tomorrow' is not an ISO-8601 instant (e.g. 2000-01-01T00:00:00Z) (from argument --events.max-timestamp)",
            "--events.max-timestamp",
            "tomorrow"),
        bad(
            "events.min-timestamp",
            "is not before events.max-timestamp (2100-01-01T00:00:00Z)",
            "--events.min-timestamp",
            "2100-01-01T00:00:00Z"),
        bad(
            "events.min-timestamp",
            "is before 1970-01-01T00:00:00Z, the first time ClickHouse's DateTime can store",
            "--events.min-timestamp",
            "1969-12-31T23:59:59Z"),
        bad(
            "events.max-timestamp",
            "is after 2106-02-07T06:28:16Z, past the last time ClickHouse's DateTime can store",
            "--events.max-timestamp",
            "2200-01-01T00:00:00Z"),
        bad(
            "kafka.start-timestamp",
            "is required when kafka.start-position is timestamp: an ISO-8601 instant (e.g. 2024-05-01T00:00:00Z) or epoch milliseconds",
            "--kafka.start-position",
            "timestamp"),
        bad(
            "kafka.start-timestamp",
            "'soon' is neither an ISO-8601 instant (e.g. 2024-05-01T00:00:00Z) nor epoch milliseconds",
            "--kafka.start-position",
            "timestamp",
            "--kafka.start-timestamp",
            "soon"),
        bad(
            "restart.backoff-multiplier",
            "'1.0' is not a finite number > 1 (from argument --restart.backoff-multiplier)",
            "--restart.backoff-multiplier",
            "1.0"),
        bad("restart.jitter-factor", "is not in [0, 1)", "--restart.jitter-factor", "1"),
        bad(
            "checkpoint.tolerable-failures",
            "'-1' is not in [0, 1000]",
            "--checkpoint.tolerable-failures",
            "-1"),
        bad(
            "restart.max-backoff",
            "is not >= restart.initial-backoff (1 s)",
            "--restart.max-backoff",
            "500 ms"),
        bad("generator.rate", "is not a finite number > 0", "--generator.rate", "0"),
        bad(
            "generator.invalid-fraction",
            "is not in [0, 1]",
            "--generator.invalid-fraction",
            "1.5"),
        bad("generator.time-scale", "is not a finite number > 0", "--generator.time-scale", "NaN"),
        bad("local.web-port", "is not in [1, 65535]", "--local.web-port", "70000"),
        bad("local.results-port", "is not in [0, 65535]", "--local.results-port", "-1"),
        bad(
            "local.results-port",
            "must differ from local.web-port (the Flink web UI)",
            "--local.results-port",
            "8081"),
        bad(
            "generator.incident-probability",
            "is not in [0, 1]",
            "--generator.incident-probability",
            "2"),
        bad(
            "generator.spike-type",
            "is not a generated event type (one of message_processed, cache_hit,",
            "--generator.spike-type",
            "page_view"),
        bad(
            "generator.spike-factor",
            "must be above 1 (a spike)",
            "--generator.spike-factor",
            "0.5"),
        bad(
            "generator.spike-duration",
            "must be at least 1 min",
            "--generator.spike-duration",
            "30 s"),
        bad(
            "kafka.transaction-timeout",
            "'30 s' is not > checkpoint.interval (1 min): a transaction stays open until the next"
                + " checkpoint commits it (from argument --kafka.transaction-timeout)",
            "--checkpoint.interval",
            "1 min",
            "--kafka.transaction-timeout",
            "30 s"),
        bad(
            "kafka.sasl.username",
            "is required with kafka.security-protocol sasl_ssl",
            "--kafka.security-protocol",
            "sasl_ssl"),
        bad(
            "kafka.sasl.password",
            "is required with kafka.security-protocol sasl_plaintext: set the environment variable ANALYTICS_KAFKA_SASL_PASSWORD or name a file holding it with kafka.sasl.password-file",
            "--kafka.security-protocol",
            "SASL_PLAINTEXT",
            "--kafka.sasl.username",
            "job"),
        bad(
            "kafka.sasl.mechanism",
            "'GSSAPI' is not one of [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512] (from argument --kafka.sasl.mechanism)",
            "--kafka.sasl.mechanism",
            "GSSAPI"),
        bad(
            "kafka.properties.sasl.jaas.config",
            "credentials are not accepted in kafka.properties",
            "--kafka.properties",
            "sasl.jaas.config:x"),
        bad(
            "kafka.properties.ssl.keystore.password",
            "kafka.sasl.password (ANALYTICS_KAFKA_SASL_PASSWORD or kafka.sasl.password-file)",
            "--kafka.properties",
            "ssl.keystore.password:x"),
        bad(
            "kafka.properties.group.id",
            "is set by the option kafka.group-id; set that instead",
            "--kafka.properties",
            "group.id:other"),
        bad(
            "kafka.topic",
            "is not a Kafka topic name: 1 to 249 characters of [a-zA-Z0-9._-]",
            "--kafka.topic",
            "bad topic"),
        bad(
            "dead-letter.topic",
            "must differ from kafka.topic",
            "--dead-letter.topic",
            "analytics-events"),
        bad(
            "kafka.bootstrap-servers",
            "'broker' is not host:port with a port in [1, 65535]",
            "--kafka.bootstrap-servers",
            "broker:9092,broker"),
        bad("job.name", "must not be empty", "--job.name", " "));
  }

  private static Arguments bad(String key, String message, String... args) {
    return Arguments.of(key, message, args);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("badConfigurations")
  void shouldRefuseBadValueNamingKeyAndAllowedValues(String key, String message, String[] args) {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> loadWith(Map.of(), args))
            .actual();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.getMessage()).startsWith("Configuration error at '" + key + "': ");
    assertThat(e.getMessage()).contains(message);
  }

  @Test
  void shouldPhraseABadEnumExactly() {
    ConfigException e =
        loadFails(Map.of(), "--kafka.bootstrap-servers", "b:1", "--sampling.mode", "sometimes");
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'sampling.mode': 'sometimes' is not one of [fixed, adaptive]"
                + " (from argument --sampling.mode)");
  }

  @Test
  void shouldNameTheSourceOfABadValue() throws IOException {
    ConfigException fromEnv =
        loadFails(Map.of("ANALYTICS_JOB_PARALLELISM", "many"), "--kafka.bootstrap-servers", "b:1");
    assertThat(fromEnv.getMessage())
        .isEqualTo(
            "Configuration error at 'job.parallelism': 'many' is not an integer (from environment"
                + " variable ANALYTICS_JOB_PARALLELISM)");

    Path file = yaml("sampling:\n  rates:\n    a: 2\n");
    ConfigException fromFile =
        loadFails(Map.of(), "--kafka.bootstrap-servers", "b:1", "--config", file.toString());
    assertThat(fromFile.key()).isEqualTo("sampling.rates.a");
    assertThat(fromFile.getMessage())
        .endsWith("'2' is not in (0, 1] (in file " + file + " (--config))");
  }

  @Test
  void shouldRequireBootstrapServers() {
    ConfigException e = loadFails(Map.of());
    assertThat(e.key()).isEqualTo("kafka.bootstrap-servers");
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'kafka.bootstrap-servers': is required: host:port[,host:port]"
                + " (set it in the YAML file, as ANALYTICS_KAFKA_BOOTSTRAP_SERVERS or as"
                + " --kafka.bootstrap-servers)");
  }

  @Test
  void shouldRefuseArgumentsThatAreNotPairs() {
    ConfigException dangling =
        loadFails(Map.of(), "--kafka.bootstrap-servers", "b:1", "--window.size");
    assertThat(dangling.key()).isEqualTo("window.size");
    assertThat(dangling.getMessage()).contains("argument --window.size has no value");

    ConfigException followedByKey = loadFails(Map.of(), "--window.size", "--job.name", "x");
    assertThat(followedByKey.key()).isEqualTo("window.size");

    ConfigException stray = loadFails(Map.of(), "--job.name", "x", "stray");
    assertThat(stray.key()).isEqualTo("stray");
    assertThat(stray.getMessage())
        .isEqualTo(
            "Configuration error at 'stray': unexpected argument 'stray': arguments are pairs"
                + " --key value (or --key=value)");
  }

  @Test
  void shouldRefuseUnknownKeysWithASuggestion() throws IOException {
    ConfigException arg = loadFails(Map.of(), "--kafka.topik", "x");
    assertThat(arg.key()).isEqualTo("kafka.topik");
    assertThat(arg.getMessage())
        .isEqualTo(
            "Configuration error at 'kafka.topik': unknown key (from argument --kafka.topik); did"
                + " you mean 'kafka.topic'?");

    Path file = yaml("windw:\n  size: 10 s\n");
    ConfigException nested = loadFails(Map.of(), "--config", file.toString());
    assertThat(nested.key()).isEqualTo("windw.size");
    assertThat(nested.getMessage()).endsWith("did you mean 'window.size'?");

    ConfigException far = loadFails(Map.of(), "--completely.unrelated", "x");
    assertThat(far.getMessage())
        .isEqualTo(
            "Configuration error at 'completely.unrelated': unknown key (from argument"
                + " --completely.unrelated)");
  }

  @Test
  void shouldRefuseUnknownAnalyticsEnvironmentVariables() {
    ConfigException e =
        loadFails(Map.of("ANALYTICS_KAFKA_TOPIK", "x"), "--kafka.bootstrap-servers", "b:1");
    assertThat(e.key()).isEqualTo("ANALYTICS_KAFKA_TOPIK");
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'ANALYTICS_KAFKA_TOPIK': environment variable matches no"
                + " configuration key (every ANALYTICS_* variable must); did you mean"
                + " ANALYTICS_KAFKA_TOPIC (kafka.topic)?");
  }

  @Test
  void shouldRefuseFilesThatAreNotValidYaml() throws IOException {
    Path file = yaml("kafka:\n  topic: [unclosed\n");
    ConfigException broken = loadFails(Map.of(), "--config", file.toString());
    assertThat(broken.key()).isEqualTo("config");
    assertThat(broken.getMessage()).contains("is not valid YAML at line");

    ConfigException missing =
        loadFails(Map.of(), "--config", dir.resolve("absent.yaml").toString());
    assertThat(missing.key()).isEqualTo("config");
    assertThat(missing.getMessage()).contains("cannot read file").contains("NoSuchFileException");

    ConfigException list = loadFails(Map.of(), "--config", yaml("- a\n- b\n").toString());
    assertThat(list.getMessage()).contains("must be a YAML mapping of keys to values");

    ConfigException scalarList =
        loadFails(Map.of(), "--config", yaml("kafka.topic: [a, b]\n").toString());
    assertThat(scalarList.key()).isEqualTo("kafka.topic");
    assertThat(scalarList.getMessage()).contains("'[a, b]' is a list, but expected a String");
  }

  // ---- secrets ----

  @Test
  void shouldRefuseSecretsInYamlAndArguments() throws IOException {
    Path file = yaml("kafka:\n  sasl:\n    password: " + SECRET + "\n");
    ConfigException inFile = loadFails(Map.of(), "--config", file.toString());
    assertThat(inFile.key()).isEqualTo("kafka.sasl.password");
    assertThat(inFile.getMessage())
        .isEqualTo(
            "Configuration error at 'kafka.sasl.password': is a secret and is not accepted in a"
                + " configuration file (it would be committed): set the environment variable"
                + " ANALYTICS_KAFKA_SASL_PASSWORD or name a file holding it with"
                + " kafka.sasl.password-file (e.g. /run/secrets/...)");

    for (String[] args :
        List.of(
            new String[] {"--kafka.sasl.password", SECRET},
            new String[] {"--kafka.sasl.password=" + SECRET})) {
      ConfigException asArgument = loadFails(Map.of(), args);
      assertThat(asArgument.key()).isEqualTo("kafka.sasl.password");
      assertThat(asArgument.getMessage())
          .contains("is not accepted as an argument (it would show in process lists)")
          .doesNotContain(SECRET);
    }
  }

  @Test
  void shouldTakeSecretFromEnvironmentAndNeverShowIt() {
    Map<String, String> env =
        Map.of(
            "ANALYTICS_KAFKA_SASL_PASSWORD", SECRET,
            "ANALYTICS_KAFKA_SASL_USERNAME", "job",
            "ANALYTICS_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    JobConfig config = loadWith(env);
    assertThat(config.get(KafkaOptions.KAFKA_SASL_PASSWORD)).isEqualTo(SECRET);
    assertThat(config.describe()).contains("kafka.sasl.password = ******\n").doesNotContain(SECRET);
    assertThat(config.toString()).isEqualTo(config.describe());

    Map<String, String> withBadValue = new HashMap<>(env);
    withBadValue.put("ANALYTICS_WINDOW_SIZE", "soon");
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> loadWith(withBadValue))
            .actual();
    assertThat(e.getMessage()).doesNotContain(SECRET);
  }

  @Test
  void shouldTakeSecretFromFileNamedByTheFileOption() throws IOException {
    Path secret = dir.resolve("kafka-password");
    Files.writeString(secret, SECRET + "\n");
    Path file =
        yaml(
            "kafka:\n  security-protocol: SASL_SSL\n  sasl:\n    username: job\n"
                + "    password-file: "
                + secret
                + "\n");
    JobConfig config = loadWith(Map.of(), "--config", file.toString());

    assertThat(config.get(KafkaOptions.KAFKA_SASL_PASSWORD)).isEqualTo(SECRET);
    assertThat(config.describe())
        .contains("kafka.sasl.password = ******\n")
        .contains("kafka.sasl.password-file = " + secret + "\n")
        .doesNotContain(SECRET);

    ConfigException both =
        loadFails(
            Map.of("ANALYTICS_KAFKA_SASL_PASSWORD", SECRET),
            "--kafka.bootstrap-servers",
            "b:1",
            "--config",
            file.toString());
    assertThat(both.key()).isEqualTo("kafka.sasl.password");
    assertThat(both.getMessage()).contains("give it one way only").doesNotContain(SECRET);

    ConfigException missing =
        loadFails(
            Map.of(),
            "--kafka.bootstrap-servers",
            "b:1",
            "--kafka.sasl.password-file",
            dir.resolve("absent").toString());
    assertThat(missing.key()).isEqualTo("kafka.sasl.password-file");
    assertThat(missing.getMessage()).contains("cannot read the secret file");

    Files.writeString(secret, "\n");
    ConfigException empty =
        loadFails(Map.of(), "--kafka.bootstrap-servers", "b:1", "--config", file.toString());
    assertThat(empty.key()).isEqualTo("kafka.sasl.password-file");
    assertThat(empty.getMessage()).contains("is empty");
  }

  @Test
  void shouldGenerateAFileOptionForEverySecretOption() {
    assertThat(JobConfig.secretKeys()).contains("kafka.sasl.password");
    assertThat(JobConfig.acceptedOptions())
        .extracting(option -> option.key())
        .contains("kafka.sasl.password-file");
    assertThat(JobConfig.environmentVariable("kafka.sasl.password-file"))
        .isEqualTo("ANALYTICS_KAFKA_SASL_PASSWORD_FILE");
  }

  // ---- outputs ----

  @Test
  void shouldDescribeEveryOptionSortedWithDefaults() {
    JobConfig config = loadWith(Map.of(), "--window.size", "90 s");
    List<String> lines = config.describe().lines().toList();

    assertThat(lines).isSorted();
    assertThat(lines)
        .contains(
            "kafka.bootstrap-servers = broker:9092",
            "window.size = 90 s",
            "checkpoint.interval = 10 s",
            "sampling.mode = fixed",
            "kafka.start-timestamp = (none)",
            "kafka.sasl.password = (none)",
            "output.aggregates-topic = \"\"",
            "priority.low.categories = [cache, debug]",
            "sampling.rates = {cache_hit: 0.05, message_processed: 0.1,"
                + " performance.cache_hit_rate: 0.05, performance.memory_usage: 0.1,"
                + " performance.response_time: 0.5}");
    assertThat(lines).noneMatch(line -> line.startsWith("kafka.sasl.password-file"));
    long declared =
        JobConfig.acceptedOptions().stream()
            .filter(option -> !option.key().endsWith(JobConfig.SECRET_FILE_SUFFIX))
            .count();
    assertThat(lines).hasSize((int) declared);
  }

  @Test
  void shouldDeriveFlinkSettings() {
    JobConfig config =
        loadWith(
            Map.of(),
            "--job.name",
            "analytics-test",
            "--job.parallelism",
            "3",
            "--checkpoint.interval",
            "30 s",
            "--checkpoint.timeout",
            "5 min",
            "--checkpoint.tolerable-failures",
            "7",
            "--checkpoint.dir",
            "s3://bucket/checkpoints",
            "--savepoint.dir",
            "s3://bucket/savepoints",
            "--restart.initial-backoff",
            "2 s",
            "--restart.max-backoff",
            "3 min",
            "--restart.backoff-multiplier",
            "1.5",
            "--restart.reset-backoff-threshold",
            "1 h",
            "--restart.jitter-factor",
            "0.2");
    Configuration flink = config.flinkConfiguration();

    assertThat(flink.get(PipelineOptions.NAME)).isEqualTo("analytics-test");
    assertThat(flink.get(PipelineOptions.GENERIC_TYPES)).isFalse();
    assertThat(flink.get(PipelineOptions.OBJECT_REUSE)).isTrue();
    assertThat(flink.get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(3);
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
        .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
    assertThat(flink.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
        .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo("s3://bucket/checkpoints");
    assertThat(flink.get(CheckpointingOptions.SAVEPOINT_DIRECTORY))
        .isEqualTo("s3://bucket/savepoints");
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(flink.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isEqualTo(7);
    assertThat(flink.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
    assertThat(flink.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
    assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
    assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
        .isEqualTo(Duration.ofMinutes(3));
    assertThat(
            flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
        .isEqualTo(1.5);
    assertThat(
            flink.get(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
        .isEqualTo(Duration.ofHours(1));
    assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR))
        .isEqualTo(0.2);
    assertThat(flink.toMap())
        .containsEntry("execution.checkpointing.mode", "EXACTLY_ONCE")
        .containsEntry("state.backend.type", "rocksdb")
        .containsEntry("pipeline.generic-types", "false");
  }

  @Test
  void shouldLeaveParallelismAndIncrementalCheckpointsToTheClusterWhenNotAsked() {
    Configuration flink = loadWith(Map.of(), "--state.backend", "HashMap").flinkConfiguration();
    assertThat(flink.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
    assertThat(flink.getOptional(CoreOptions.DEFAULT_PARALLELISM)).isEmpty();
    assertThat(flink.getOptional(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isEmpty();
  }

  // ---- JobConfig.of and the shipped files ----

  @Test
  void shouldValidateExplicitValuesWithoutRequiringKafka() {
    JobConfig config = JobConfig.of(Map.of("sampling.mode", "adaptive"));
    assertThat(config.get(SamplingOptions.SAMPLING_MODE))
        .isEqualTo(SamplingOptions.SamplingMode.ADAPTIVE);
    assertThat(config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS)).isNull();
    assertThat(JobConfig.of(Map.of("kafka.sasl.password", SECRET)).describe())
        .doesNotContain(SECRET);

    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> JobConfig.of(Map.of("window.size", "0 s")))
            .actual();
    assertThat(e.key()).isEqualTo("window.size");
    assertThat(e.getMessage()).contains("(in JobConfig.of)");
  }

  @Test
  void shouldLoadTheLocalFile() {
    JobConfig config = JobConfig.load(new String[] {"--config", "jobs/local.yaml"}, Map.of());
    assertThat(config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS)).isEqualTo("localhost:9092");
    assertThat(config.get(OutputOptions.OUTPUT_CONSOLE)).isTrue();
    assertThat(config.get(SamplingOptions.SAMPLING_RATES))
        .isEqualTo(SamplingOptions.SAMPLING_RATES.defaultValue());
    assertThat(config.get(PriorityOptions.PRIORITY_HIGH_EVENT_TYPES))
        .isEqualTo(PriorityOptions.PRIORITY_HIGH_EVENT_TYPES.defaultValue());
    assertThat(config.get(PriorityOptions.PRIORITY_LOW_EVENT_TYPES))
        .isEqualTo(PriorityOptions.PRIORITY_LOW_EVENT_TYPES.defaultValue());
    assertThat(config.get(EventOptions.EVENTS_MIN_TIMESTAMP))
        .isEqualTo(EventOptions.EVENTS_MIN_TIMESTAMP.defaultValue());
  }

  @Test
  void shouldLoadTheProductionTemplateWithItsEnvironment() throws IOException {
    Path secret = dir.resolve("kafka-sasl-password");
    Files.writeString(secret, SECRET);
    JobConfig config =
        JobConfig.load(
            new String[] {
              "--config", "jobs/production.yaml", "--kafka.sasl.password-file", secret.toString()
            },
            Map.of(
                "ANALYTICS_KAFKA_BOOTSTRAP_SERVERS", "broker1:9093,broker2:9093",
                "ANALYTICS_KAFKA_SASL_USERNAME", "analytics"));

    assertThat(config.get(KafkaOptions.KAFKA_SECURITY_PROTOCOL))
        .isEqualTo(KafkaOptions.SecurityProtocol.SASL_SSL);
    assertThat(config.get(KafkaOptions.KAFKA_SASL_PASSWORD)).isEqualTo(SECRET);
    assertThat(config.get(JobOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.get(SamplingOptions.SAMPLING_RATES))
        .containsEntry("performance.response_time", "0.5");
    assertThat(config.describe()).doesNotContain(SECRET);
  }

  @Test
  void shouldListEveryKeyInTheReferenceTable() {
    String table = ConfigReference.markdownTable();
    for (var option : JobConfig.acceptedOptions()) {
      assertThat(table).contains("| `" + option.key() + "` |");
    }
    assertThat(table)
        .contains("| `kafka.bootstrap-servers` | (required) |")
        .contains("| `window.size` | `1 min` | Size of the tumbling event-time windows. |");
  }

  /**
   * The configuration table of docs/configuration.md, from the line {@code | Key | Default |
   * Meaning |} to the first blank line, is exactly what {@link ConfigReference} prints: a key
   * added, renamed or re-described in the code fails here until the document follows.
   */
  @Test
  void shouldDocumentTheReferenceTableAsGenerated() throws IOException {
    Path doc = Path.of("docs", "configuration.md");
    List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
    String header = "| Key | Default | Meaning |";
    int start = lines.indexOf(header);
    assertThat(start).as("the line '%s' in %s", header, doc).isNotNegative();
    assertThat(lines.lastIndexOf(header)).as("one configuration table in %s", doc).isEqualTo(start);
    StringBuilder documented = new StringBuilder();
    for (int i = start; i < lines.size() && !lines.get(i).isBlank(); i++) {
      documented.append(lines.get(i)).append('\n');
    }
    assertThat(documented.toString())
        .as(
            "the configuration table of %s (its header to the first blank line) must be what"
                + " ConfigReference prints; replace it with the output of ConfigReference.main",
            doc)
        .isEqualTo(ConfigReference.markdownTable());
  }
}
