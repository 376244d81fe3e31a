package dev.analytics.pipeline.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.analytics.pipeline.detection.DetectionSettings;
import dev.analytics.pipeline.privacy.PrivacyGroups;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.util.TimeUtils;

/**
 * The job's configuration, loaded and validated once at start-up.
 *
 * <p><b>Takes</b> the options declared in {@link JobOptions} from four sources, lowest to highest
 * precedence: the option defaults; a YAML file named by {@code --config PATH} (or the environment
 * variable {@code ANALYTICS_CONFIG}); environment variables {@code ANALYTICS_<KEY>} (upper case,
 * {@code .} and {@code -} replaced by {@code _}, e.g. {@code ANALYTICS_KAFKA_BOOTSTRAP_SERVERS});
 * command-line arguments {@code --key value} or {@code --key=value}. A higher source replaces a
 * value as a whole (a map given on the command line replaces the file's map, it is not merged).
 *
 * <p>Value formats are Flink's: durations {@code 10 s}, {@code 500ms}, {@code 1 min}, {@code 2 h},
 * {@code 1 d} or ISO-8601 {@code PT10S} (a bare number is milliseconds; negative durations are
 * refused); enums case-insensitive; booleans {@code true}/{@code false}. Lists are {@code a;b;c}
 * (an item containing {@code ;} is quoted with {@code '} or {@code "}) or a YAML flow list {@code
 * [a, b]}; maps are {@code k1:v1,k2:v2} (an entry whose key or value contains {@code :} or {@code
 * ,} is quoted as a whole, e.g. {@code "'a:b':1",c:2}) or a YAML flow map {@code {k1: v1, k2: v2}}.
 * In the YAML file, lists may also be YAML sequences and maps YAML mappings. Nested YAML mappings
 * are flattened with dots ({@code kafka: {topic: x}} is {@code kafka.topic: x}) except below a map
 * option ({@code sampling.rates}, {@code kafka.properties}): there the subtree is the map, so event
 * types may contain dots ({@code performance.response_time: 0.5}). An empty YAML value ({@code
 * key:} or {@code key: null}) leaves the option unset.
 *
 * <p>Secret options (keys ending in {@code password}) are accepted only from the environment or
 * from the file named by the generated option {@code <key>-file} (e.g. {@code
 * kafka.sasl.password-file: /run/secrets/kafka}; one trailing line break of the file is dropped).
 *
 * <p><b>Guarantees</b>: every key is declared (an unknown key, or an {@code ANALYTICS_*} variable
 * matching none, is refused with a "did you mean" suggestion); every value parses as its type and
 * lies in its range (rates in (0, 1], window size a positive whole number of milliseconds,
 * checkpoint interval at least 100 ms, record size in [1 KiB, 64 MiB], ...); rules between options
 * hold (transaction timeout above the checkpoint interval, dead-letter bytes at most the record
 * size, min before max timestamp, a start timestamp with start-position timestamp, user name and
 * password with SASL, no credentials or typed settings in {@code kafka.properties}, distinct
 * topics). Any violation is a {@link ConfigException} naming the key (for a map entry {@code
 * <option>.<entry>}, e.g. {@code sampling.rates.cache_hit}), the value, what is allowed and where
 * the value came from. Secret values never appear in messages, {@link #describe()} or {@link
 * #toString()}.
 *
 * <p><b>Gives</b> typed values ({@link #get}), a start-up dump ({@link #describe()}) and the Flink
 * settings derived from the options ({@link #flinkConfiguration()}). Not serializable: operators
 * receive small settings records built from it.
 */
public final class JobConfig {
  /** Prefix of the environment variables that configure the job. */
  public static final String ENV_PREFIX = "ANALYTICS_";

  /** Environment variable naming the YAML file, when there is no {@code --config} argument. */
  public static final String CONFIG_ENV = "ANALYTICS_CONFIG";

  /** Argument naming the YAML file. */
  public static final String CONFIG_ARG = "config";

  /** Suffix of the generated option naming the file that holds a secret option's value. */
  public static final String SECRET_FILE_SUFFIX = "-file";

  static final String MASK = "******";

  private static final String SECRET_SUFFIX = "password";
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;

  /** The first second ClickHouse's DateTime (UInt32 seconds) cannot store: 2106-02-07T06:28:16Z. */
  private static final Instant CLICKHOUSE_DATETIME_END = Instant.ofEpochSecond(1L << 32);

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern EPOCH_MILLIS = Pattern.compile("[0-9]{1,18}");
  private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern DIMENSION_KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Pattern CLICKHOUSE_IDENTIFIER =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final int CLICKHOUSE_MAX_INSERT_ROWS = 1_048_576;
  private static final Pattern SQL_COLUMN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern SQL_TABLE =
      Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");

  /** An instance id or a transactional-id prefix. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,60}");

  private static final List<String> SASL_MECHANISMS =
      List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  /** Kafka client properties that have a typed option; kafka.properties must not set them. */
  private static final Map<String, String> TYPED_KAFKA_PROPERTIES =
      Map.ofEntries(
          Map.entry("bootstrap.servers", JobOptions.KAFKA_BOOTSTRAP_SERVERS.key()),
          Map.entry("group.id", JobOptions.KAFKA_GROUP_ID.key()),
          Map.entry("isolation.level", JobOptions.KAFKA_ISOLATION_LEVEL.key()),
          Map.entry("security.protocol", JobOptions.KAFKA_SECURITY_PROTOCOL.key()),
          Map.entry("sasl.mechanism", JobOptions.KAFKA_SASL_MECHANISM.key()),
          Map.entry("transaction.timeout.ms", JobOptions.KAFKA_TRANSACTION_TIMEOUT.key()),
          Map.entry("transactional.id", JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX.key()),
          Map.entry("ssl.truststore.location", JobOptions.KAFKA_SSL_TRUSTSTORE_LOCATION.key()),
          Map.entry("ssl.truststore.type", JobOptions.KAFKA_SSL_TRUSTSTORE_TYPE.key()),
          Map.entry("ssl.keystore.location", JobOptions.KAFKA_SSL_KEYSTORE_LOCATION.key()),
          Map.entry("ssl.keystore.type", JobOptions.KAFKA_SSL_KEYSTORE_TYPE.key()),
          Map.entry(
              "ssl.endpoint.identification.algorithm",
              JobOptions.KAFKA_SSL_ENDPOINT_IDENTIFICATION.key()));

  /**
   * Kafka client properties that hold credentials or key material besides those containing
   * "password" or "secret": refused in kafka.properties, which is committed and logged.
   */
  private static final Set<String> SECRET_KAFKA_PROPERTIES =
      Set.of("sasl.jaas.config", "ssl.keystore.key", "ssl.keystore.certificate.chain");

  /** Every accepted option by key: those of {@link JobOptions} and the generated file options. */
  private static final Map<String, Spec> SPECS = specs();

  /** Accepted key by environment variable name. */
  private static final Map<String, String> KEY_BY_ENV = keysByEnvironmentVariable();

  /** Where a value came from; decides where secrets are allowed and how messages name it. */
  private enum Source {
    FILE,
    ENVIRONMENT,
    ARGUMENT,
    PROGRAM
  }

  private enum Kind {
    SCALAR,
    LIST,
    MAP
  }

  /** An accepted option with its value type (element type for lists). */
  private record Spec(ConfigOption<?> option, Kind kind, Class<?> type) {
    String key() {
      return option.key();
    }

    boolean secret() {
      return key().endsWith(SECRET_SUFFIX);
    }
  }

  /** A value as given, before parsing: a String, or from YAML a List or Map of strings. */
  private record Raw(Object value, Source source, String origin) {
    /** The value for a message: credentials in URLs masked. */
    String shown() {
      return redactCredentials(value instanceof String s ? s : String.valueOf(value));
    }
  }

  private static final Pattern URL_USER_INFO = Pattern.compile("(//[^/?#@\\s]*?:)[^/?#\\s]*@");
  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)((?:password|passwd|pwd|sslpassword)=)[^&;\\s]*");

  /**
   * {@code text} with what looks like a password in a URL masked: the password of user information
   * ({@code //user:secret@host}, whatever the host) and password parameters.
   */
  public static String redactCredentials(String text) {
    String masked = URL_USER_INFO.matcher(text).replaceAll("$1" + MASK + "@");
    return URL_PASSWORD.matcher(masked).replaceAll("$1" + MASK);
  }

  /** The explicitly given values, typed (secrets resolved); defaults come from the options. */
  private final Configuration conf;

  private JobConfig(Configuration conf) {
    this.conf = conf;
  }

  /**
   * Loads and validates the configuration from the YAML file named by {@code --config PATH} (or
   * {@code ANALYTICS_CONFIG}), the {@code ANALYTICS_*} variables of {@code env} and the {@code
   * --key value} pairs of {@code args}.
   *
   * @throws ConfigException naming the offending key (or argument, variable) and what is allowed
   */
  public static JobConfig load(String[] args, Map<String, String> env) {
    return load(args, env, true);
  }

  /**
   * Like {@link #load}, for commands that read no Kafka (the file replay): {@code
   * kafka.bootstrap-servers} is not required; everything else is checked the same way.
   */
  public static JobConfig loadWithoutKafka(String[] args, Map<String, String> env) {
    return load(args, env, false);
  }

  private static JobConfig load(String[] args, Map<String, String> env, boolean requireKafka) {
    Map<String, String> arguments = parseArguments(args);
    String file = arguments.remove(CONFIG_ARG);
    String fileOrigin = "file " + file + " (--" + CONFIG_ARG + ")";
    if (file == null && env.get(CONFIG_ENV) != null) {
      file = env.get(CONFIG_ENV);
      fileOrigin = "file " + file + " (" + CONFIG_ENV + ")";
    }
    Map<String, Raw> raw = new LinkedHashMap<>();
    if (file != null) {
      for (Map.Entry<String, Object> e : readYaml(Path.of(file)).entrySet()) {
        accept(raw, e.getKey(), new Raw(e.getValue(), Source.FILE, "in " + fileOrigin));
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(ENV_PREFIX) || name.equals(CONFIG_ENV)) {
        continue;
      }
      String key = KEY_BY_ENV.get(name);
      if (key == null) {
        throw new ConfigException(
            name,
            "environment variable matches no configuration key (every "
                + ENV_PREFIX
                + "* variable must)"
                + suggestion(name, KEY_BY_ENV.keySet(), n -> n + " (" + KEY_BY_ENV.get(n) + ")"));
      }
      accept(
          raw, key, new Raw(e.getValue(), Source.ENVIRONMENT, "from environment variable " + name));
    }
    for (Map.Entry<String, String> e : arguments.entrySet()) {
      accept(
          raw, e.getKey(), new Raw(e.getValue(), Source.ARGUMENT, "from argument --" + e.getKey()));
    }
    return build(raw, requireKafka);
  }

  /**
   * A configuration of explicit values over the defaults, for tests and the local run. The values
   * are checked like {@link #load} checks arguments, except that secrets are accepted (they come
   * from code, not from a committed file or a process list) and {@code kafka.bootstrap-servers} is
   * not required (tests of single operators need no Kafka).
   *
   * @throws ConfigException naming the offending key and what is allowed
   */
  public static JobConfig of(Map<String, String> values) {
    Map<String, Raw> raw = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      accept(raw, e.getKey(), new Raw(e.getValue(), Source.PROGRAM, "in JobConfig.of"));
    }
    return build(raw, false);
  }

  /** The option's value: the one given, else its default (null for an unset optional option). */
  /**
   * The job instance's namespace in shared servers: {@code job.instance-id}, or one derived from
   * {@code job.name} without collisions (see the option).
   */
  public String instanceId() {
    String explicit = get(JobOptions.JOB_INSTANCE_ID);
    return explicit.isEmpty() ? instanceIdOf(get(JobOptions.JOB_NAME)) : explicit;
  }

  /** The instance id derived from a job name. */
  static String instanceIdOf(String jobName) {
    if (ID.matcher(jobName).matches()) {
      return jobName;
    }
    String clean = jobName.replaceAll("[^A-Za-z0-9._-]", "_");
    try {
      byte[] hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(jobName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return clean.substring(0, Math.min(47, clean.length()))
          + "-"
          + java.util.HexFormat.of().formatHex(hash, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The transactional-id prefix of the Kafka sinks: the option, or the instance id. */
  public String kafkaTransactionalIdPrefix() {
    String prefix = get(JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX);
    return prefix.isEmpty() ? instanceId() : prefix;
  }

  public <T> T get(ConfigOption<T> option) {
    return conf.get(option);
  }

  /**
   * Warnings for the start-up log: connections that send a password in clear or leave this host
   * without TLS ({@code security.require-tls} refuses them instead), each naming its key.
   */
  public List<String> transportWarnings() {
    List<String> warnings = new ArrayList<>();
    for (TransportSecurity.Plaintext p : TransportSecurity.find(conf)) {
      if (p.warn()) {
        warnings.add(
            p.option().key()
                + " "
                + p.problem()
                + " (set "
                + JobOptions.SECURITY_REQUIRE_TLS.key()
                + ": true to refuse this at start-up)");
      }
    }
    return warnings;
  }

  /** The option's value if some source gave it; defaults do not count. */
  public <T> Optional<T> getOptional(ConfigOption<T> option) {
    return conf.getOptional(option);
  }

  /**
   * The Flink settings derived from the options: exactly-once checkpoints retained on cancellation,
   * their directories, interval and timeout; the state backend (incremental checkpoints with
   * RocksDB); the exponential-delay restart strategy; the pipeline name; generic (Kryo) types
   * disabled; object reuse; the default parallelism when {@code job.parallelism > 0}; the maximum
   * parallelism. Returns a new mutable copy on each call.
   *
   * <p>Object reuse: without it Flink deep-copies every record between chained operators (a
   * reflective POJO copy of the event and its maps at each of the five hops of the ingest chain:
   * about a fifth of the job's CPU in a profile). It is safe because no operator of the pipeline
   * keeps a reference to an input record after it returns, and none changes a record after emitting
   * it: the operators that change their input (priority, sampling weight) are its only consumer,
   * the sinks encode each record when it is written, and keyed operators receive fresh copies from
   * the network (Flink never reuses objects across a shuffle).
   */
  public Configuration flinkConfiguration() {
    Configuration flink = new Configuration();
    flink.set(PipelineOptions.NAME, get(JobOptions.JOB_NAME));
    flink.set(PipelineOptions.GENERIC_TYPES, false);
    flink.set(PipelineOptions.OBJECT_REUSE, true);
    int parallelism = get(JobOptions.PARALLELISM);
    if (parallelism > 0) {
      flink.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    }
    flink.set(PipelineOptions.MAX_PARALLELISM, get(JobOptions.JOB_MAX_PARALLELISM));
    flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, get(JobOptions.CHECKPOINT_INTERVAL));
    flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
    flink.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, get(JobOptions.CHECKPOINT_DIR));
    flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, get(JobOptions.SAVEPOINT_DIR));
    flink.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, get(JobOptions.CHECKPOINT_TIMEOUT));
    JobOptions.StateBackend backend = get(JobOptions.STATE_BACKEND);
    flink.set(StateBackendOptions.STATE_BACKEND, backend.name().toLowerCase(Locale.ROOT));
    if (backend == JobOptions.StateBackend.ROCKSDB) {
      flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    }
    flink.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    flink.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
        get(JobOptions.RESTART_INITIAL_BACKOFF));
    flink.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
        get(JobOptions.RESTART_MAX_BACKOFF));
    flink.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
        get(JobOptions.RESTART_BACKOFF_MULTIPLIER));
    flink.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
        get(JobOptions.RESTART_RESET_THRESHOLD));
    flink.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
        get(JobOptions.RESTART_JITTER));
    return flink;
  }

  /**
   * A sorted {@code key = value} line per option of {@link JobOptions} with its effective value
   * (defaults included, {@code (none)} when unset), plus the file options that are set; secrets
   * show as {@value #MASK}. For logging at start-up.
   */
  public String describe() {
    StringBuilder out = new StringBuilder();
    for (Spec spec : SPECS.values()) {
      Optional<?> given = conf.getOptional(spec.option());
      boolean generated = spec.key().endsWith(SECRET_FILE_SUFFIX) && isSecret(spec.key());
      if (generated && given.isEmpty()) {
        continue;
      }
      String value;
      if (spec.secret()) {
        value = given.isPresent() ? MASK : "(none)";
      } else {
        value = display(given.isPresent() ? given.get() : spec.option().defaultValue());
      }
      out.append(spec.key()).append(" = ").append(value).append('\n');
    }
    return out.toString();
  }

  /** Same as {@link #describe()}: never shows a secret. */
  @Override
  public String toString() {
    return describe();
  }

  /** Every accepted option, sorted by key: those of {@link JobOptions} and the file options. */
  static Collection<ConfigOption<?>> acceptedOptions() {
    return SPECS.values().stream().map(Spec::option).collect(Collectors.toUnmodifiableList());
  }

  /** The environment variable that sets {@code key}. */
  static String environmentVariable(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Whether {@code key} is a secret option or the file option of one. */
  static boolean isSecret(String key) {
    String base =
        key.endsWith(SECRET_FILE_SUFFIX)
            ? key.substring(0, key.length() - SECRET_FILE_SUFFIX.length())
            : key;
    return base.endsWith(SECRET_SUFFIX);
  }

  /** A value as {@link #describe()} shows it. */
  static String display(Object value) {
    if (value == null) {
      return "(none)";
    }
    if (value instanceof String text && !text.isEmpty()) {
      return redactCredentials(text);
    }
    if (value instanceof Duration d) {
      return TimeUtils.formatWithHighestUnit(d);
    }
    if (value instanceof Enum<?> e) {
      return e.toString().toLowerCase(Locale.ROOT);
    }
    if (value instanceof Map<?, ?> m) {
      return new TreeMap<>(m)
          .entrySet().stream()
              .map(e -> e.getKey() + ": " + e.getValue())
              .collect(Collectors.joining(", ", "{", "}"));
    }
    if (value instanceof List<?> l) {
      return l.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }
    if (value instanceof String s && s.isEmpty()) {
      return "\"\"";
    }
    return String.valueOf(value);
  }

  /** The plain text of an option's description. */
  static String descriptionText(ConfigOption<?> option) {
    StringBuilder text = new StringBuilder();
    for (BlockElement block : option.description().getBlocks()) {
      if (block instanceof TextElement t) {
        text.append(t.getFormat());
      }
    }
    return text.toString();
  }

  // ---- sources ----

  private static Map<String, String> parseArguments(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2 || arg.startsWith("--=")) {
        throw new ConfigException(
            arg,
            "unexpected argument '" + arg + "': arguments are pairs --key value (or --key=value)");
      }
      int eq = arg.indexOf('=');
      if (eq > 0) {
        values.put(arg.substring(2, eq), arg.substring(eq + 1));
        continue;
      }
      String key = arg.substring(2);
      if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
        throw new ConfigException(
            key,
            "argument --"
                + key
                + " has no value: arguments are pairs --key value (or --key=value, for a value"
                + " that starts with --)");
      }
      values.put(key, args[++i]);
    }
    return values;
  }

  /** The file's values by flattened key: Strings, and Lists and Maps of Strings. */
  private static Map<String, Object> readYaml(Path file) {
    JsonNode root;
    try {
      YAMLMapper mapper = new YAMLMapper();
      mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      root = mapper.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      // Only the position and the parser's problem: the excerpt of the file could hold a secret.
      throw new ConfigException(
          CONFIG_ARG,
          "file "
              + file
              + " is not valid YAML at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + yamlProblem(e));
    } catch (IOException e) {
      throw new ConfigException(
          CONFIG_ARG, "cannot read file " + file + ": " + e.getClass().getSimpleName());
    }
    Map<String, Object> values = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return values;
    }
    if (!root.isObject()) {
      throw new ConfigException(
          CONFIG_ARG, "file " + file + " must be a YAML mapping of keys to values");
    }
    flatten("", root, values, file);
    return values;
  }

  private static String yamlProblem(JsonProcessingException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
        return ": " + m.getProblem();
      }
    }
    String original = e.getOriginalMessage();
    return original != null && original.startsWith("Duplicate field") ? ": " + original : "";
  }

  private static void flatten(String path, JsonNode node, Map<String, Object> out, Path file) {
    if (node.isObject() && !isMapOption(path)) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String key = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        flatten(key, field.getValue(), out, file);
      }
      return;
    }
    if (node.isNull()) {
      return;
    }
    Object value;
    if (node.isObject()) {
      Map<String, String> map = new LinkedHashMap<>();
      flattenMap(path, "", node, map);
      value = map;
    } else if (node.isArray()) {
      List<String> items = new ArrayList<>();
      for (JsonNode item : node) {
        if (item.isContainerNode()) {
          throw new ConfigException(path, "list items must be plain values (in file " + file + ")");
        }
        items.add(item.asText());
      }
      value = items;
    } else {
      value = node.asText();
    }
    if (out.put(path, value) != null) {
      throw new ConfigException(
          path, "is given twice in file " + file + " (once with dots, once nested)");
    }
  }

  /** A map option's subtree: nested mappings are joined with dots into the map's keys. */
  private static void flattenMap(
      String option, String prefix, JsonNode node, Map<String, String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        flattenMap(option, key, value, out);
      } else if (value.isArray() || value.isNull()) {
        throw new ConfigException(
            option + "." + key, "a map entry needs a plain value, e.g. " + key + ": x");
      } else if (out.put(key, value.asText()) != null) {
        throw new ConfigException(
            option + "." + key, "is given twice (once with dots, once nested)");
      }
    }
  }

  private static boolean isMapOption(String key) {
    Spec spec = SPECS.get(key);
    return spec != null && spec.kind() == Kind.MAP;
  }

  /** Checks that {@code key} is accepted from the value's source and records the value. */
  private static void accept(Map<String, Raw> raw, String key, Raw value) {
    Spec spec = SPECS.get(key);
    if (spec == null) {
      throw new ConfigException(
          key,
          "unknown key ("
              + value.origin()
              + ")"
              + suggestion(key, SPECS.keySet(), k -> "'" + k + "'"));
    }
    if (spec.secret() && (value.source() == Source.FILE || value.source() == Source.ARGUMENT)) {
      throw new ConfigException(
          key,
          "is a secret and is not accepted "
              + (value.source() == Source.FILE
                  ? "in a configuration file (it would be committed)"
                  : "as an argument (it would show in process lists)")
              + ": set the environment variable "
              + environmentVariable(key)
              + " or name a file holding it with "
              + key
              + SECRET_FILE_SUFFIX
              + " (e.g. /run/secrets/...)");
    }
    raw.put(key, value);
  }

  // ---- parsing and validation ----

  private static JobConfig build(Map<String, Raw> raw, boolean requireBootstrapServers) {
    Configuration conf = new Configuration();
    for (Map.Entry<String, Raw> e : new TreeMap<>(raw).entrySet()) {
      Spec spec = SPECS.get(e.getKey());
      put(conf, spec.option(), parse(spec, e.getValue()));
    }
    resolveSecrets(conf, raw);
    new Validator(conf, raw).validate(requireBootstrapServers);
    return new JobConfig(conf);
  }

  private static Object parse(Spec spec, Raw raw) {
    String key = spec.key();
    if (raw.value() instanceof List<?> items) {
      if (spec.kind() != Kind.LIST) {
        throw new ConfigException(
            key, "'" + raw.shown() + "' is a list, but expected " + expected(spec) + at(raw));
      }
      return List.copyOf(items);
    }
    if (raw.value() instanceof Map<?, ?> map) {
      if (spec.kind() != Kind.MAP) {
        throw new ConfigException(
            key, "'" + raw.shown() + "' is a map, but expected " + expected(spec) + at(raw));
      }
      return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
    String text = (String) raw.value();
    Object value;
    try {
      value = Configuration.fromMap(Map.of(key, text)).get(spec.option());
    } catch (IllegalArgumentException e) {
      String detail =
          spec.kind() != Kind.SCALAR && e.getCause() != null
              ? " (" + e.getCause().getMessage() + ")"
              : "";
      String shown = spec.secret() ? MASK : "'" + text + "'";
      throw new ConfigException(key, shown + " is not " + expected(spec) + detail + at(raw));
    }
    if (value instanceof Duration d) {
      try {
        d.toMillis();
      } catch (ArithmeticException e) {
        throw new ConfigException(key, "'" + text + "' is too long a duration" + at(raw));
      }
    }
    return value;
  }

  private static String at(Raw raw) {
    return " (" + raw.origin() + ")";
  }

  private static String expected(Spec spec) {
    if (spec.kind() == Kind.LIST) {
      return "a list: items separated by ';' (e.g. 'a;b'; quote an item containing ';' with '"
          + " or \"), a YAML flow list '[a, b]' or, in the file, a YAML sequence";
    }
    if (spec.kind() == Kind.MAP) {
      return "a map: entries key:value separated by ',' (e.g. 'a:0.5,b:1'), a YAML flow map"
          + " '{a: 0.5, b: 1}' or, in the file, a YAML mapping";
    }
    Class<?> type = spec.type();
    if (type.isEnum()) {
      return "one of " + enumValues(type);
    }
    if (type == Integer.class) {
      return "an integer";
    }
    if (type == Long.class) {
      return "a long integer";
    }
    if (type == Double.class || type == Float.class) {
      return "a number";
    }
    if (type == Boolean.class) {
      return "a boolean: true or false";
    }
    if (type == Duration.class) {
      return "a duration: a number with a unit (d, h, min, s, ms), e.g. '10 s', '500 ms',"
          + " '1 min', or ISO-8601 such as 'PT10S'; not negative";
    }
    return "a " + type.getSimpleName();
  }

  private static List<String> enumValues(Class<?> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(c -> c.toString().toLowerCase(Locale.ROOT))
        .collect(Collectors.toList());
  }

  /** Puts a secret's value read from its file option; refuses it given in both places. */
  private static void resolveSecrets(Configuration conf, Map<String, Raw> raw) {
    for (Spec spec : SPECS.values()) {
      if (!spec.secret()) {
        continue;
      }
      String fileKey = spec.key() + SECRET_FILE_SUFFIX;
      Raw file = raw.get(fileKey);
      if (file == null) {
        continue;
      }
      if (raw.containsKey(spec.key())) {
        throw new ConfigException(
            spec.key(),
            "is given both "
                + raw.get(spec.key()).origin()
                + " and by "
                + fileKey
                + "; give it one way only");
      }
      String path = (String) file.value();
      String secret;
      try {
        secret = Files.readString(Path.of(path), StandardCharsets.UTF_8);
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(
            fileKey,
            "cannot read the secret file '"
                + path
                + "': "
                + e.getClass().getSimpleName()
                + at(file));
      }
      secret = secret.endsWith("\r\n") ? secret.substring(0, secret.length() - 2) : secret;
      secret = secret.endsWith("\n") ? secret.substring(0, secret.length() - 1) : secret;
      if (secret.isEmpty()) {
        throw new ConfigException(fileKey, "the secret file '" + path + "' is empty" + at(file));
      }
      conf.setString(spec.key(), secret);
    }
  }

  /** The start-up checks of values and of rules between options. */
  private static final class Validator {
    private final Configuration conf;
    private final Map<String, Raw> raw;

    Validator(Configuration conf, Map<String, Raw> raw) {
      this.conf = conf;
      this.raw = raw;
    }

    void validate(boolean requireBootstrapServers) {
      job();
      kafka(requireBootstrapServers);
      events();
      watermarks();
      priority();
      sampling();
      windows();
      privacy();
      detection();
      clickhouse();
      checkpoints();
      restarts();
      postgres();
      localRun();
      transportSecurity();
    }

    /** With security.require-tls, the first connection without TLS, refused naming its key. */
    private void transportSecurity() {
      if (!conf.get(JobOptions.SECURITY_REQUIRE_TLS)) {
        return;
      }
      for (TransportSecurity.Plaintext p : TransportSecurity.find(conf)) {
        String key = p.option().key();
        throw new ConfigException(
            key,
            p.problem()
                + origin(key)
                + "; refused because "
                + JobOptions.SECURITY_REQUIRE_TLS.key()
                + " is true"
                + origin(JobOptions.SECURITY_REQUIRE_TLS.key()));
      }
    }

    private void job() {
      notBlank(JobOptions.JOB_NAME);
      atLeast(JobOptions.PARALLELISM, 0);
      between(JobOptions.JOB_MAX_PARALLELISM, 1, 32768, "1", "32768");
      if (conf.get(JobOptions.PARALLELISM) > conf.get(JobOptions.JOB_MAX_PARALLELISM)) {
        throw fail(
            JobOptions.PARALLELISM,
            "is above job.max-parallelism (" + conf.get(JobOptions.JOB_MAX_PARALLELISM) + ")");
      }
    }

    private void kafka(boolean requireBootstrapServers) {
      String servers = conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS);
      String serversKey = JobOptions.KAFKA_BOOTSTRAP_SERVERS.key();
      if (servers == null) {
        if (requireBootstrapServers) {
          throw new ConfigException(
              serversKey,
              "is required: host:port[,host:port] (set it in the YAML file, as "
                  + environmentVariable(serversKey)
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
                    + origin(serversKey));
          }
        }
      }
      topic(JobOptions.KAFKA_TOPIC);
      topic(JobOptions.DEAD_LETTER_TOPIC);
      if (!conf.get(JobOptions.OUTPUT_AGGREGATES_TOPIC).isEmpty()) {
        topic(JobOptions.OUTPUT_AGGREGATES_TOPIC);
      }
      if (!conf.get(JobOptions.OUTPUT_ALERTS_TOPIC).isEmpty()) {
        topic(JobOptions.OUTPUT_ALERTS_TOPIC);
      }
      distinctTopics();
      notBlank(JobOptions.KAFKA_GROUP_ID);
      String prefix = conf.get(JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX);
      if (!prefix.isEmpty() && !ID.matcher(prefix).matches()) {
        throw fail(
            JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX,
            "must be empty (the instance id) or [A-Za-z0-9._-], at most 60 characters");
      }
      String instance = conf.get(JobOptions.JOB_INSTANCE_ID);
      if (!instance.isEmpty() && !ID.matcher(instance).matches()) {
        throw fail(
            JobOptions.JOB_INSTANCE_ID,
            "must be empty (derived from job.name) or [A-Za-z0-9._-], at most 60 characters");
      }

      String startKey = JobOptions.KAFKA_START_TIMESTAMP.key();
      String start = conf.get(JobOptions.KAFKA_START_TIMESTAMP);
      if (start == null) {
        if (conf.get(JobOptions.KAFKA_START_POSITION) == JobOptions.StartPosition.TIMESTAMP) {
          throw new ConfigException(
              startKey,
              "is required when kafka.start-position is timestamp: an ISO-8601 instant (e.g."
                  + " 2024-05-01T00:00:00Z) or epoch milliseconds");
        }
      } else if (!EPOCH_MILLIS.matcher(start).matches() && !isInstant(start)) {
        throw new ConfigException(
            startKey,
            "'"
                + start
                + "' is neither an ISO-8601 instant (e.g. 2024-05-01T00:00:00Z) nor epoch"
                + " milliseconds"
                + origin(startKey));
      }

      String mechanism = conf.get(JobOptions.KAFKA_SASL_MECHANISM);
      if (!SASL_MECHANISMS.contains(mechanism.toUpperCase(Locale.ROOT))) {
        throw new ConfigException(
            JobOptions.KAFKA_SASL_MECHANISM.key(),
            "'"
                + mechanism
                + "' is not one of "
                + SASL_MECHANISMS
                + origin(JobOptions.KAFKA_SASL_MECHANISM.key()));
      }
      JobOptions.SecurityProtocol protocol = conf.get(JobOptions.KAFKA_SECURITY_PROTOCOL);
      if (protocol.name().startsWith("SASL_")) {
        String user = conf.get(JobOptions.KAFKA_SASL_USERNAME);
        if (user == null || user.isBlank()) {
          throw new ConfigException(
              JobOptions.KAFKA_SASL_USERNAME.key(),
              "is required with kafka.security-protocol "
                  + protocol.name().toLowerCase(Locale.ROOT));
        }
        String passwordKey = JobOptions.KAFKA_SASL_PASSWORD.key();
        if (conf.get(JobOptions.KAFKA_SASL_PASSWORD) == null) {
          throw new ConfigException(
              passwordKey,
              "is required with kafka.security-protocol "
                  + protocol.name().toLowerCase(Locale.ROOT)
                  + ": set the environment variable "
                  + environmentVariable(passwordKey)
                  + " or name a file holding it with "
                  + passwordKey
                  + SECRET_FILE_SUFFIX);
        }
      }

      kafkaTls(protocol);

      for (String property : conf.get(JobOptions.KAFKA_PROPERTIES).keySet()) {
        String key = JobOptions.KAFKA_PROPERTIES.key() + "." + property;
        String lower = property.toLowerCase(Locale.ROOT);
        if (lower.contains("password")
            || lower.contains("secret")
            || SECRET_KAFKA_PROPERTIES.contains(lower)) {
          throw new ConfigException(
              key,
              "credentials are not accepted in kafka.properties, nor is key material (it is"
                  + " logged and committed): give SASL credentials with kafka.sasl.username and the"
                  + " secret kafka.sasl.password ("
                  + environmentVariable(JobOptions.KAFKA_SASL_PASSWORD.key())
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

      Duration timeout = conf.get(JobOptions.KAFKA_TRANSACTION_TIMEOUT);
      Duration interval = conf.get(JobOptions.CHECKPOINT_INTERVAL);
      if (timeout.compareTo(interval) <= 0) {
        throw fail(
            JobOptions.KAFKA_TRANSACTION_TIMEOUT,
            "is not > checkpoint.interval ("
                + display(interval)
                + "): a transaction stays open until the next checkpoint commits it");
      }
    }

    /**
     * TLS options only with ssl/sasl_ssl; the trust store and key store exist, open with their type
     * and password, and the key store holds a key that opens with the key password.
     */
    private void kafkaTls(JobOptions.SecurityProtocol protocol) {
      boolean tls =
          protocol == JobOptions.SecurityProtocol.SSL
              || protocol == JobOptions.SecurityProtocol.SASL_SSL;
      List<ConfigOption<?>> tlsOptions =
          List.of(
              JobOptions.KAFKA_SSL_TRUSTSTORE_LOCATION,
              JobOptions.KAFKA_SSL_TRUSTSTORE_TYPE,
              JobOptions.KAFKA_SSL_TRUSTSTORE_PASSWORD,
              JobOptions.KAFKA_SSL_KEYSTORE_LOCATION,
              JobOptions.KAFKA_SSL_KEYSTORE_TYPE,
              JobOptions.KAFKA_SSL_KEYSTORE_PASSWORD,
              JobOptions.KAFKA_SSL_KEY_PASSWORD,
              JobOptions.KAFKA_SSL_ENDPOINT_IDENTIFICATION);
      if (!tls) {
        for (ConfigOption<?> option : tlsOptions) {
          if (raw.containsKey(option.key()) || raw.containsKey(option.key() + SECRET_FILE_SUFFIX)) {
            throw new ConfigException(
                option.key(),
                "is set, but kafka.security-protocol is "
                    + protocol.name().toLowerCase(Locale.ROOT)
                    + ", which uses no TLS: set kafka.security-protocol ssl or sasl_ssl"
                    + origin(option.key()));
          }
        }
        return;
      }
      storeFile(
          JobOptions.KAFKA_SSL_TRUSTSTORE_LOCATION,
          JobOptions.KAFKA_SSL_TRUSTSTORE_TYPE,
          JobOptions.KAFKA_SSL_TRUSTSTORE_PASSWORD);
      String keystore = conf.get(JobOptions.KAFKA_SSL_KEYSTORE_LOCATION);
      if (keystore == null) {
        for (ConfigOption<?> option :
            List.of(JobOptions.KAFKA_SSL_KEYSTORE_PASSWORD, JobOptions.KAFKA_SSL_KEY_PASSWORD)) {
          if (conf.get(option) != null) {
            throw new ConfigException(
                option.key(), "is set without kafka.ssl.keystore-location" + origin(option.key()));
          }
        }
        return;
      }
      if (conf.get(JobOptions.KAFKA_SSL_KEYSTORE_PASSWORD) == null) {
        String passwordKey = JobOptions.KAFKA_SSL_KEYSTORE_PASSWORD.key();
        throw new ConfigException(
            passwordKey,
            "is required with kafka.ssl.keystore-location (a key store without a password"
                + " leaves its private key unprotected): set the environment variable "
                + environmentVariable(passwordKey)
                + " or name a file holding it with "
                + passwordKey
                + SECRET_FILE_SUFFIX);
      }
      try {
        KeyStores.checkKeyStore(
            keystore,
            conf.get(JobOptions.KAFKA_SSL_KEYSTORE_TYPE),
            conf.get(JobOptions.KAFKA_SSL_KEYSTORE_PASSWORD),
            conf.get(JobOptions.KAFKA_SSL_KEY_PASSWORD));
      } catch (IllegalArgumentException e) {
        String key =
            e.getMessage().contains("key password")
                ? JobOptions.KAFKA_SSL_KEY_PASSWORD.key()
                : JobOptions.KAFKA_SSL_KEYSTORE_LOCATION.key();
        throw new ConfigException(
            key, e.getMessage() + origin(JobOptions.KAFKA_SSL_KEYSTORE_LOCATION.key()));
      }
    }

    /** A trust store named by {@code location} (if set) opens with its type and password. */
    private void storeFile(
        ConfigOption<String> location,
        ConfigOption<KeyStores.StoreType> type,
        ConfigOption<String> password) {
      String path = conf.get(location);
      if (path == null) {
        if (conf.get(password) != null) {
          throw new ConfigException(password.key(), "is set without " + location.key());
        }
        return;
      }
      if (path.isBlank()) {
        throw new ConfigException(location.key(), "must not be empty" + origin(location.key()));
      }
      if (conf.get(type) == KeyStores.StoreType.PEM && conf.get(password) != null) {
        throw new ConfigException(
            password.key(), "is set, but a pem trust store has no password; unset it");
      }
      try {
        KeyStores.load(path, conf.get(type), conf.get(password));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(location.key(), e.getMessage() + origin(location.key()));
      }
    }

    private void events() {
      between(JobOptions.EVENTS_MAX_RECORD_BYTES, KIB, 64 * MIB, "1 KiB", "64 MiB");
      between(JobOptions.EVENTS_MAX_NESTING_DEPTH, 2, 1000, "2", "1000");
      int maxRecord = conf.get(JobOptions.EVENTS_MAX_RECORD_BYTES);
      int maxRaw = conf.get(JobOptions.DEAD_LETTER_MAX_RAW_BYTES);
      if (maxRaw < 0 || maxRaw > maxRecord) {
        throw fail(
            JobOptions.DEAD_LETTER_MAX_RAW_BYTES,
            "is not in [0, events.max-record-bytes (" + maxRecord + ")]");
      }
      Instant min = instant(JobOptions.EVENTS_MIN_TIMESTAMP);
      Instant max = instant(JobOptions.EVENTS_MAX_TIMESTAMP);
      if (!min.isBefore(max)) {
        throw fail(
            JobOptions.EVENTS_MIN_TIMESTAMP,
            "is not before events.max-timestamp ("
                + max
                + "): the accepted range [min, max) would be empty");
      }
      // Every table stores event time as ClickHouse DateTime (seconds, 1970..2106) or timestamptz.
      if (min.isBefore(Instant.EPOCH)) {
        throw fail(
            JobOptions.EVENTS_MIN_TIMESTAMP,
            "is before 1970-01-01T00:00:00Z, the first time ClickHouse's DateTime can store");
      }
      if (max.isAfter(CLICKHOUSE_DATETIME_END)) {
        throw fail(
            JobOptions.EVENTS_MAX_TIMESTAMP,
            "is after "
                + CLICKHOUSE_DATETIME_END
                + ", past the last time ClickHouse's DateTime can store");
      }
      atLeast(JobOptions.EVENTS_MAX_FUTURE_SKEW, Duration.ZERO);
      atLeast(JobOptions.EVENTS_MAX_PAST_AGE, Duration.ZERO);
    }

    private void watermarks() {
      atLeast(JobOptions.WATERMARK_OUT_OF_ORDERNESS, Duration.ZERO);
      atLeast(JobOptions.WATERMARK_IDLENESS, Duration.ZERO);
    }

    private void priority() {
      for (ConfigOption<List<String>> option :
          List.of(
              JobOptions.PRIORITY_HIGH_EVENT_TYPES,
              JobOptions.PRIORITY_HIGH_CATEGORIES,
              JobOptions.PRIORITY_LOW_EVENT_TYPES,
              JobOptions.PRIORITY_LOW_CATEGORIES,
              JobOptions.PRIORITY_TRUST_EXPLICIT)) {
        if (conf.get(option).stream().anyMatch(String::isBlank)) {
          throw fail(option, "has an empty item; every item must be a non-empty pattern");
        }
      }
      between(JobOptions.PRIORITY_HIGH_MAX_PROPERTIES_BYTES, 0, 64 * MIB, "0", "64 MiB");
    }

    private void sampling() {
      for (Map.Entry<String, String> rate :
          new TreeMap<>(conf.get(JobOptions.SAMPLING_RATES)).entrySet()) {
        String key = JobOptions.SAMPLING_RATES.key() + "." + rate.getKey();
        if (rate.getKey().isBlank()) {
          throw new ConfigException(key, "a sampling rate needs an event type");
        }
        double value;
        try {
          value = Double.parseDouble(rate.getValue().trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(
              key,
              "'"
                  + rate.getValue()
                  + "' is not a number in (0, 1]"
                  + origin(JobOptions.SAMPLING_RATES.key()));
        }
        if (!(value > 0 && value <= 1)) {
          throw new ConfigException(
              key,
              "'"
                  + rate.getValue()
                  + "' is not in (0, 1]"
                  + origin(JobOptions.SAMPLING_RATES.key()));
        }
      }
      double rate = conf.get(JobOptions.SAMPLING_DEFAULT_RATE);
      if (!(rate > 0 && rate <= 1)) {
        throw fail(JobOptions.SAMPLING_DEFAULT_RATE, "is not in (0, 1]");
      }
      positive(JobOptions.SAMPLING_ADAPTIVE_MAX_EVENTS_PER_SECOND);
    }

    private void windows() {
      Duration size = conf.get(JobOptions.WINDOW_SIZE);
      if (size.isZero() || size.isNegative() || size.getNano() % 1_000_000 != 0) {
        throw fail(JobOptions.WINDOW_SIZE, "is not > 0 and a whole number of milliseconds");
      }
      atLeast(JobOptions.WINDOW_ALLOWED_LATENESS, Duration.ZERO);
      Duration previous = size;
      for (String text : conf.get(JobOptions.WINDOW_ROLLUPS)) {
        Duration rollup;
        try {
          rollup = TimeUtils.parseDuration(text.trim());
        } catch (IllegalArgumentException e) {
          throw fail(JobOptions.WINDOW_ROLLUPS, "has '" + text + "', which is not a duration");
        }
        if (rollup.compareTo(previous) <= 0 || rollup.toMillis() % previous.toMillis() != 0) {
          throw fail(
              JobOptions.WINDOW_ROLLUPS,
              "has '"
                  + text
                  + "', which is not a multiple of, and larger than, the window before it ("
                  + display(previous)
                  + ")");
        }
        previous = rollup;
      }
      atLeast(JobOptions.WINDOW_PRE_AGGREGATE_MAX_KEYS, 1);
      atLeast(JobOptions.AGGREGATION_MAX_KEYS_PER_TYPE, 1);
      between(JobOptions.AGGREGATION_MAX_EVENT_TYPES, 0, 100_000_000, "0", "100000000");
      for (Map.Entry<String, String> e : conf.get(JobOptions.AGGREGATION_DIMENSIONS).entrySet()) {
        String key = JobOptions.AGGREGATION_DIMENSIONS.key() + "." + e.getKey();
        if (!EVENT_TYPE.matcher(e.getKey()).matches()) {
          throw new ConfigException(key, "is not a valid event type ([A-Za-z0-9_.:-]{1,128})");
        }
        for (String dim : AggregationDimensions.split(e.getValue())) {
          if (!DIMENSION_KEY.matcher(dim).matches()) {
            throw new ConfigException(
                key, "'" + dim + "' is not a valid dimension key ([A-Za-z0-9_.:-]{1,64})");
          }
        }
      }
      for (String dim : conf.get(JobOptions.AGGREGATION_DEFAULT_DIMENSIONS)) {
        if (!DIMENSION_KEY.matcher(dim.trim()).matches()) {
          throw fail(
              JobOptions.AGGREGATION_DEFAULT_DIMENSIONS,
              "has '" + dim + "', which is not a valid dimension key ([A-Za-z0-9_.:-]{1,64})");
        }
      }
    }

    private void privacy() {
      PrivacyGroups.parse(
          conf.get(JobOptions.PRIVACY_GROUPS), origin(JobOptions.PRIVACY_GROUPS.key()));
    }

    private void detection() {
      DetectionSettings.build(conf::get, this::origin);
    }

    private void clickhouse() {
      String url = conf.get(JobOptions.CLICKHOUSE_URL);
      if (!url.isBlank()) {
        String problem = clickHouseUrlProblem(url);
        if (problem != null && problem.contains("credentials")) {
          // Not the URL as given: it holds a password.
          throw new ConfigException(
              JobOptions.CLICKHOUSE_URL.key(), problem + origin(JobOptions.CLICKHOUSE_URL.key()));
        }
        if (problem != null) {
          throw fail(JobOptions.CLICKHOUSE_URL, problem);
        }
      }
      identifier(JobOptions.CLICKHOUSE_DATABASE);
      notBlank(JobOptions.CLICKHOUSE_USER);
      if (conf.get(JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION) != null
          && !url.toLowerCase(Locale.ROOT).startsWith("https://")) {
        throw fail(
            JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION,
            "is set, but clickhouse.url is not https:// ('"
                + url
                + "'"
                + origin(JobOptions.CLICKHOUSE_URL.key())
                + "): the trust store would be ignored");
      }
      storeFile(
          JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_LOCATION,
          JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_TYPE,
          JobOptions.CLICKHOUSE_TLS_TRUSTSTORE_PASSWORD);
      atLeast(JobOptions.CLICKHOUSE_CONNECT_TIMEOUT, Duration.ofMillis(100));
      atLeast(JobOptions.CLICKHOUSE_REQUEST_TIMEOUT, Duration.ofSeconds(1));

      between(JobOptions.CLICKHOUSE_RETRY_MAX_ATTEMPTS, 1, 1000, "1", "1000");
      between(JobOptions.CLICKHOUSE_MAX_PARTITIONS_PER_INSERT, 1, 100_000, "1", "100000");
      Duration initial = conf.get(JobOptions.CLICKHOUSE_RETRY_INITIAL_BACKOFF);
      atLeast(JobOptions.CLICKHOUSE_RETRY_INITIAL_BACKOFF, Duration.ofMillis(1));
      if (conf.get(JobOptions.CLICKHOUSE_RETRY_MAX_BACKOFF).compareTo(initial) < 0) {
        throw fail(
            JobOptions.CLICKHOUSE_RETRY_MAX_BACKOFF,
            "is not >= clickhouse.retry.initial-backoff (" + display(initial) + ")");
      }
      double multiplier = conf.get(JobOptions.CLICKHOUSE_RETRY_MULTIPLIER);
      if (!(multiplier >= 1 && Double.isFinite(multiplier))) {
        throw fail(JobOptions.CLICKHOUSE_RETRY_MULTIPLIER, "is not a finite number >= 1");
      }
      double jitter = conf.get(JobOptions.CLICKHOUSE_RETRY_JITTER);
      if (!(jitter >= 0 && jitter < 1)) {
        throw fail(JobOptions.CLICKHOUSE_RETRY_JITTER, "is not in [0, 1)");
      }

      List<ConfigOption<String>> tables =
          List.of(
              JobOptions.CLICKHOUSE_AGGREGATES_TABLE,
              JobOptions.CLICKHOUSE_ALERTS_TABLE,
              JobOptions.CLICKHOUSE_EVENTS_TABLE);
      for (int i = 0; i < tables.size(); i++) {
        identifier(tables.get(i));
        for (int j = 0; j < i; j++) {
          if (conf.get(tables.get(i)).equals(conf.get(tables.get(j)))) {
            throw fail(tables.get(i), "must differ from " + tables.get(j).key());
          }
        }
      }
      clickHouseBatch(
          JobOptions.CLICKHOUSE_AGGREGATES_STRATEGY,
          JobOptions.CLICKHOUSE_AGGREGATES_MAX_ROWS,
          JobOptions.CLICKHOUSE_AGGREGATES_MAX_BYTES,
          JobOptions.CLICKHOUSE_AGGREGATES_INTERVAL);
      clickHouseBatch(
          JobOptions.CLICKHOUSE_ALERTS_STRATEGY,
          JobOptions.CLICKHOUSE_ALERTS_MAX_ROWS,
          JobOptions.CLICKHOUSE_ALERTS_MAX_BYTES,
          JobOptions.CLICKHOUSE_ALERTS_INTERVAL);
      clickHouseBatch(
          JobOptions.CLICKHOUSE_EVENTS_STRATEGY,
          JobOptions.CLICKHOUSE_EVENTS_MAX_ROWS,
          JobOptions.CLICKHOUSE_EVENTS_MAX_BYTES,
          JobOptions.CLICKHOUSE_EVENTS_INTERVAL);
    }

    private void clickHouseBatch(
        ConfigOption<dev.analytics.pipeline.sinks.clickhouse.BatchStrategy> strategy,
        ConfigOption<Integer> maxRows,
        ConfigOption<Integer> maxBytes,
        ConfigOption<Duration> interval) {
      // An INSERT is atomic only up to max_insert_block_size rows (1,048,576 by default).
      between(maxRows, 1, CLICKHOUSE_MAX_INSERT_ROWS, "1", "1,048,576 (max_insert_block_size)");
      between(maxBytes, KIB, 256 * MIB, "1 KiB", "256 MiB");
      if (conf.get(strategy).timed()) {
        atLeast(interval, Duration.ofMillis(1));
      } else {
        atLeast(interval, Duration.ZERO);
      }
    }

    /** A ClickHouse database or table name, used unquoted in SQL files and messages. */
    private void identifier(ConfigOption<String> option) {
      if (!CLICKHOUSE_IDENTIFIER.matcher(conf.get(option)).matches()) {
        throw fail(
            option,
            "is not a ClickHouse identifier: 1 to 64 characters of [A-Za-z0-9_], not a digit first");
      }
    }

    private void checkpoints() {
      atLeast(JobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(100));
      // Flink's own lower bound of the checkpoint timeout.
      atLeast(JobOptions.CHECKPOINT_TIMEOUT, Duration.ofMillis(10));
      notBlank(JobOptions.CHECKPOINT_DIR);
      notBlank(JobOptions.SAVEPOINT_DIR);
    }

    private void restarts() {
      Duration initial = conf.get(JobOptions.RESTART_INITIAL_BACKOFF);
      atLeast(JobOptions.RESTART_INITIAL_BACKOFF, Duration.ofMillis(1));
      if (conf.get(JobOptions.RESTART_MAX_BACKOFF).compareTo(initial) < 0) {
        throw fail(
            JobOptions.RESTART_MAX_BACKOFF,
            "is not >= restart.initial-backoff (" + display(initial) + ")");
      }
      double multiplier = conf.get(JobOptions.RESTART_BACKOFF_MULTIPLIER);
      if (!(multiplier > 1 && Double.isFinite(multiplier))) {
        throw fail(JobOptions.RESTART_BACKOFF_MULTIPLIER, "is not a finite number > 1");
      }
      atLeast(JobOptions.RESTART_RESET_THRESHOLD, Duration.ofMillis(1));
      double jitter = conf.get(JobOptions.RESTART_JITTER);
      if (!(jitter >= 0 && jitter < 1)) {
        throw fail(JobOptions.RESTART_JITTER, "is not in [0, 1)");
      }
    }

    private void postgres() {
      String url = conf.get(JobOptions.POSTGRES_URL);
      String urlKey = JobOptions.POSTGRES_URL.key();
      if (!url.isEmpty()) {
        // Credentials first, before any message shows the URL.
        int authority = url.indexOf("//");
        int end = authority < 0 ? -1 : url.indexOf('/', authority + 2);
        String hosts =
            authority < 0 ? "" : url.substring(authority + 2, end < 0 ? url.length() : end);
        if (URL_PASSWORD.matcher(url).find() || hosts.contains("@")) {
          throw new ConfigException(
              urlKey,
              "must not contain credentials (it is logged and committed): set postgres.user and "
                  + environmentVariable(JobOptions.POSTGRES_PASSWORD.key())
                  + " or postgres.password-file"
                  + origin(urlKey));
        }
        if (!url.startsWith("jdbc:postgresql:")) {
          throw fail(
              JobOptions.POSTGRES_URL,
              "is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)");
        }
        String user = conf.get(JobOptions.POSTGRES_USER);
        if (user == null || user.isBlank()) {
          throw new ConfigException(
              JobOptions.POSTGRES_USER.key(), "is required with postgres.url" + origin(urlKey));
        }
      }
      between(JobOptions.POSTGRES_BATCH_SIZE, 1, 100_000, "1", "100000");
      atLeast(JobOptions.POSTGRES_LOCK_TIMEOUT, Duration.ZERO);
      atLeast(JobOptions.POSTGRES_CONNECT_TIMEOUT, Duration.ofSeconds(1));
      atLeast(JobOptions.POSTGRES_COMMIT_RECORD_RETENTION, Duration.ofHours(1));
      atLeast(JobOptions.POSTGRES_SOCKET_TIMEOUT, Duration.ofSeconds(1));
      Duration lock = conf.get(JobOptions.POSTGRES_LOCK_TIMEOUT);
      Duration socket = conf.get(JobOptions.POSTGRES_SOCKET_TIMEOUT);
      if (lock.isZero() || socket.compareTo(lock) <= 0) {
        throw fail(
            JobOptions.POSTGRES_SOCKET_TIMEOUT,
            "must exceed postgres.lock-timeout ("
                + (lock.isZero() ? "0: waits forever" : lock.toString())
                + "), or a statement waiting for a row lock is cut off as if the server were gone");
      }

      List<ConfigOption<String>> tables =
          List.of(
              JobOptions.POSTGRES_TABLE_AGGREGATES,
              JobOptions.POSTGRES_TABLE_ALERTS,
              JobOptions.POSTGRES_TABLE_DAILY_COUNTERS,
              JobOptions.POSTGRES_TABLE_COMMITS);
      Map<String, String> seen = new LinkedHashMap<>();
      for (ConfigOption<String> table : tables) {
        String name = conf.get(table);
        if (!SQL_TABLE.matcher(name).matches()) {
          throw fail(
              table,
              "is not a table name: [schema.]name of lower-case letters, digits and _ (at most"
                  + " 63 each, not starting with a digit)");
        }
        String previous = seen.put(name, table.key());
        if (previous != null) {
          throw fail(table, "must differ from " + previous + " (the tables have other columns)");
        }
      }

      ConfigOption<List<String>> dimensions = JobOptions.POSTGRES_DAILY_COUNTER_DIMENSIONS;
      List<String> columns = conf.get(dimensions);
      if (columns.size() > 16) {
        throw fail(dimensions, "has more than 16 dimensions (an event has at most 16)");
      }
      Set<String> distinct = new java.util.HashSet<>();
      for (String column : columns) {
        if (!SQL_COLUMN.matcher(column).matches()) {
          throw fail(
              dimensions,
              "has '"
                  + column
                  + "', which is not a column name: lower-case letters, digits and _ (at most"
                  + " 63, not starting with a digit)");
        }
        if (List.of("metric", "day", "count").contains(column)) {
          throw fail(dimensions, "has '" + column + "', a column the table already has");
        }
        if (!distinct.add(column)) {
          throw fail(dimensions, "has '" + column + "' twice");
        }
      }

      if (conf.get(JobOptions.POSTGRES_DAILY_COUNTERS)
          && conf.get(JobOptions.POSTGRES_MODE) != JobOptions.PostgresMode.EXACTLY_ONCE) {
        String countersKey = JobOptions.POSTGRES_DAILY_COUNTERS.key();
        throw new ConfigException(
            countersKey,
            "is true, which needs postgres.mode exactly-once (postgres.mode is "
                + conf.get(JobOptions.POSTGRES_MODE)
                + origin(JobOptions.POSTGRES_MODE.key())
                + "): a replayed increment would be added twice; set "
                + countersKey
                + " false or postgres.mode exactly-once");
      }
    }

    private void localRun() {
      positive(JobOptions.GENERATOR_RATE);
      double invalid = conf.get(JobOptions.GENERATOR_INVALID_FRACTION);
      if (!(invalid >= 0 && invalid <= 1)) {
        throw fail(JobOptions.GENERATOR_INVALID_FRACTION, "is not in [0, 1]");
      }
      positive(JobOptions.GENERATOR_TIME_SCALE);
      atLeast(JobOptions.LOCAL_DURATION, Duration.ZERO);
      between(JobOptions.LOCAL_WEB_PORT, 1, 65535, "1", "65535");
    }

    // ---- helpers ----

    /** "'value' problem (origin)": the value as given, or the default as describe shows it. */
    private ConfigException fail(ConfigOption<?> option, String problem) {
      Raw given = raw.get(option.key());
      String text = given != null ? given.shown() : display(conf.get(option));
      return new ConfigException(option.key(), "'" + text + "' " + problem + origin(option.key()));
    }

    private String origin(String key) {
      Raw given = raw.get(key);
      return given == null ? "" : " (" + given.origin() + ")";
    }

    private void notBlank(ConfigOption<String> option) {
      if (conf.get(option).isBlank()) {
        throw new ConfigException(option.key(), "must not be empty" + origin(option.key()));
      }
    }

    private void atLeast(ConfigOption<Integer> option, int min) {
      if (conf.get(option) < min) {
        throw fail(option, "is not >= " + min);
      }
    }

    private void between(ConfigOption<Integer> option, int min, int max, String lo, String hi) {
      int value = conf.get(option);
      if (value < min || value > max) {
        String range =
            lo.equals(String.valueOf(min))
                ? "[" + min + ", " + max + "]"
                : "[" + min + " (" + lo + "), " + max + " (" + hi + ")]";
        throw fail(option, "is not in " + range);
      }
    }

    private void atLeast(ConfigOption<Duration> option, Duration min) {
      if (conf.get(option).compareTo(min) < 0) {
        throw fail(option, "is not >= " + display(min));
      }
    }

    private void positive(ConfigOption<Double> option) {
      double value = conf.get(option);
      if (!(value > 0 && Double.isFinite(value))) {
        throw fail(option, "is not a finite number > 0");
      }
    }

    private void topic(ConfigOption<String> option) {
      if (!TOPIC.matcher(conf.get(option)).matches()) {
        throw fail(option, "is not a Kafka topic name: 1 to 249 characters of [a-zA-Z0-9._-]");
      }
    }

    private void distinctTopics() {
      List<ConfigOption<String>> outputs =
          List.of(
              JobOptions.DEAD_LETTER_TOPIC,
              JobOptions.OUTPUT_AGGREGATES_TOPIC,
              JobOptions.OUTPUT_ALERTS_TOPIC);
      String input = conf.get(JobOptions.KAFKA_TOPIC);
      for (int i = 0; i < outputs.size(); i++) {
        ConfigOption<String> output = outputs.get(i);
        if (conf.get(output).equals(input)) {
          throw fail(output, "must differ from kafka.topic (the job would read its own output)");
        }
        for (ConfigOption<String> earlier : outputs.subList(0, i)) {
          if (!conf.get(output).isEmpty() && conf.get(output).equals(conf.get(earlier))) {
            throw fail(output, "must differ from " + earlier.key());
          }
        }
      }
    }

    private Instant instant(ConfigOption<String> option) {
      String text = conf.get(option);
      if (!isInstant(text)) {
        throw fail(option, "is not an ISO-8601 instant (e.g. 2000-01-01T00:00:00Z)");
      }
      return Instant.parse(text);
    }
  }

  private static boolean isInstant(String text) {
    try {
      Instant.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** Why {@code url} is not an http(s)://host[:port][/] URL, or null if it is one. */
  private static String clickHouseUrlProblem(String url) {
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

  private static boolean isHostPort(String server) {
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

  /** ", did you mean X?" for the closest candidate by edit distance, when close enough. */
  private static String suggestion(
      String given,
      Collection<String> candidates,
      java.util.function.Function<String, String> show) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = editDistance(given, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    int limit = Math.max(1, Math.min(4, given.length() / 3));
    return best != null && bestDistance <= limit ? "; did you mean " + show.apply(best) + "?" : "";
  }

  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  @SuppressWarnings("unchecked")
  private static <T> void put(Configuration conf, ConfigOption<T> option, Object value) {
    conf.set(option, (T) value);
  }

  // ---- the option catalogue ----

  private static Map<String, Spec> specs() {
    Map<String, Spec> specs = new TreeMap<>();
    for (Field field : JobOptions.class.getFields()) {
      if (!Modifier.isStatic(field.getModifiers())
          || !ConfigOption.class.isAssignableFrom(field.getType())) {
        continue;
      }
      ConfigOption<?> option;
      try {
        option = (ConfigOption<?>) field.get(null);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot read JobOptions." + field.getName(), e);
      }
      Spec spec = spec(option, field.getGenericType());
      if (specs.put(option.key(), spec) != null) {
        throw new IllegalStateException("JobOptions declares " + option.key() + " twice");
      }
      if (spec.secret()) {
        if (spec.kind() != Kind.SCALAR || spec.type() != String.class) {
          throw new IllegalStateException("secret option " + option.key() + " must be a string");
        }
        ConfigOption<String> file =
            ConfigOptions.key(option.key() + SECRET_FILE_SUFFIX)
                .stringType()
                .noDefaultValue()
                .withDescription(
                    "Path of a file holding "
                        + option.key()
                        + " (e.g. a mounted secret); the alternative to "
                        + environmentVariable(option.key())
                        + ".");
        specs.put(file.key(), new Spec(file, Kind.SCALAR, String.class));
      }
    }
    return Collections.unmodifiableMap(specs);
  }

  private static Spec spec(ConfigOption<?> option, Type fieldType) {
    Type valueType = ((ParameterizedType) fieldType).getActualTypeArguments()[0];
    if (valueType instanceof Class<?> type) {
      return new Spec(option, Kind.SCALAR, type);
    }
    ParameterizedType generic = (ParameterizedType) valueType;
    if (generic.getRawType() == Map.class) {
      return new Spec(option, Kind.MAP, String.class);
    }
    if (generic.getRawType() == List.class && generic.getActualTypeArguments()[0] == String.class) {
      return new Spec(option, Kind.LIST, String.class);
    }
    throw new IllegalStateException(
        "JobConfig supports List<String> and Map<String, String> options, not "
            + valueType
            + " of "
            + option.key());
  }

  private static Map<String, String> keysByEnvironmentVariable() {
    Map<String, String> keys = new TreeMap<>();
    for (String key : SPECS.keySet()) {
      String previous = keys.put(environmentVariable(key), key);
      if (previous != null) {
        throw new IllegalStateException(
            key + " and " + previous + " map to the same variable " + environmentVariable(key));
      }
    }
    if (keys.containsKey(CONFIG_ENV)) {
      throw new IllegalStateException("an option maps to " + CONFIG_ENV);
    }
    return Collections.unmodifiableMap(keys);
  }

  /** Keys of secret options, for tests. */
  static Set<String> secretKeys() {
    return SPECS.values().stream()
        .filter(Spec::secret)
        .map(Spec::key)
        .collect(Collectors.toUnmodifiableSet());
  }
}
