package dev.analytics.pipeline.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import java.util.ServiceLoader;
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
public final class JobConfig implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

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

  /** Every accepted option by key: those of {@link JobOptions} and the generated file options. */
  /** The stages' options, in the order of their checks (see {@link StageOptions}). */
  static final List<StageOptions> STAGES = stages();

  private static final Map<String, Spec> SPECS = specs();

  /** Accepted key by environment variable name. */
  private static final Map<String, String> KEY_BY_ENV = keysByEnvironmentVariable();

  /** Where a value came from; decides where secrets are allowed and how messages name it. */
  private enum Source {
    FILE,
    ENVIRONMENT,
    ARGUMENT,
    PROGRAM,
    CONTROL
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

  /** Whether a URL has a password parameter ({@code password=}, {@code sslpassword=}, ...). */
  public static boolean hasPasswordParameter(String url) {
    return URL_PASSWORD.matcher(url).find();
  }

  /** The explicitly given values, typed (secrets resolved); defaults come from the options. */
  private final Configuration conf;

  /** The given values as messages show them, and where each came from, by key. */
  private final TreeMap<String, String> shown;

  private final TreeMap<String, String> origins;
  private final boolean requireKafka;

  private JobConfig(Configuration conf, Map<String, Raw> raw, boolean requireKafka) {
    this.conf = conf;
    this.shown = new TreeMap<>();
    this.origins = new TreeMap<>();
    for (Map.Entry<String, Raw> e : raw.entrySet()) {
      shown.put(e.getKey(), e.getValue().shown());
      origins.put(e.getKey(), e.getValue().origin());
    }
    this.requireKafka = requireKafka;
  }

  /**
   * This configuration with {@code changes} over it, checked with every start-up rule: a change is
   * {@code key -> value} in the syntax of arguments, where the key is an option's or, for a map
   * option such as {@code sampling.rates}, one entry's ({@code sampling.rates.cache_hit}). Secrets
   * are refused. {@code changes} are applied over this configuration's own values (a map entry
   * merges into its map), so that removing a change restores the value this configuration had.
   *
   * @param origin how messages name where the changes came from, e.g. "from the control topic"
   * @throws ConfigException naming the key of the first problem
   */
  public JobConfig with(Map<String, String> changes, String origin) {
    Configuration changed = new Configuration(conf);
    Map<String, Raw> raw = new LinkedHashMap<>();
    for (String key : shown.keySet()) {
      raw.put(key, new Raw(shown.get(key), Source.PROGRAM, origins.get(key)));
    }
    Map<String, Map<String, String>> entries = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(changes).entrySet()) {
      String key = e.getKey();
      Raw value = new Raw(e.getValue(), Source.CONTROL, origin);
      String option = optionKeyOf(key);
      if (option == null) {
        throw new ConfigException(
            key,
            "unknown key (" + origin + ")" + suggestion(key, SPECS.keySet(), k -> "'" + k + "'"));
      }
      Spec spec = SPECS.get(option);
      if (spec.secret() || option.endsWith(SECRET_FILE_SUFFIX)) {
        throw new ConfigException(
            key, "is a secret and is not accepted " + origin + " (set it at start-up)");
      }
      if (option.equals(key)) {
        put(changed, spec.option(), parse(spec, value));
        raw.put(key, value);
      } else {
        entries
            .computeIfAbsent(option, k -> new TreeMap<>())
            .put(key.substring(option.length() + 1), e.getValue());
      }
    }
    for (Map.Entry<String, Map<String, String>> e : entries.entrySet()) {
      Spec spec = SPECS.get(e.getKey());
      @SuppressWarnings("unchecked")
      Map<String, String> merged =
          new LinkedHashMap<>((Map<String, String>) changed.get(spec.option()));
      merged.putAll(e.getValue());
      Raw value = new Raw(merged, Source.CONTROL, origin);
      put(changed, spec.option(), parse(spec, value));
      raw.put(e.getKey(), value);
    }
    check(changed, raw, requireKafka);
    return new JobConfig(changed, raw, requireKafka);
  }

  /**
   * The option that {@code key} sets: the key itself when it is an option's, the map option whose
   * entry it names ({@code sampling.rates.cache_hit}: {@code sampling.rates}), else null.
   */
  public static String optionKeyOf(String key) {
    if (SPECS.containsKey(key)) {
      return key;
    }
    for (int dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
      String prefix = key.substring(0, dot);
      if (isMapOption(prefix)) {
        return dot + 1 < key.length() ? prefix : null;
      }
    }
    return null;
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
    if (ConfigChecks.ID.matcher(jobName).matches()) {
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
   * their directories, interval, timeout and tolerated failures; the state backend (incremental
   * checkpoints with RocksDB); the exponential-delay restart strategy; the pipeline name; generic
   * (Kryo) types disabled; object reuse; the default parallelism when {@code job.parallelism > 0};
   * the maximum parallelism. Returns a new mutable copy on each call.
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
    flink.set(
        CheckpointingOptions.TOLERABLE_FAILURE_NUMBER,
        get(JobOptions.CHECKPOINT_TOLERABLE_FAILURES));
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
  public static String environmentVariable(String key) {
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
  public static String display(Object value) {
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
    check(conf, raw, requireBootstrapServers);
    return new JobConfig(conf, raw, requireBootstrapServers);
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
  /** Why {@code url} is not an http(s)://host[:port][/] URL, or null if it is one. */
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

  /**
   * Every stage's checks, then, with security.require-tls, the refusal of every connection without
   * TLS.
   */
  private static void check(Configuration conf, Map<String, Raw> raw, boolean requireKafka) {
    ConfigChecks checks =
        new ConfigChecks(
            conf,
            key -> raw.containsKey(key) ? raw.get(key).shown() : null,
            key -> raw.containsKey(key) ? raw.get(key).origin() : null,
            requireKafka);
    for (StageOptions stage : STAGES) {
      stage.check(checks);
    }
    if (!conf.get(JobOptions.SECURITY_REQUIRE_TLS)) {
      return;
    }
    // Every connection without TLS in one message, named by the first one's key.
    List<TransportSecurity.Plaintext> plaintext = TransportSecurity.find(conf);
    if (plaintext.isEmpty()) {
      return;
    }
    StringBuilder message = new StringBuilder();
    for (TransportSecurity.Plaintext p : plaintext) {
      String key = p.option().key();
      message.append(message.length() == 0 ? "" : "; and " + key + " ");
      message.append(p.problem()).append(checks.origin(key));
    }
    message
        .append("; refused because ")
        .append(JobOptions.SECURITY_REQUIRE_TLS.key())
        .append(" is true")
        .append(checks.origin(JobOptions.SECURITY_REQUIRE_TLS.key()));
    throw new ConfigException(plaintext.get(0).option().key(), message.toString());
  }

  private static Map<String, Spec> specs() {
    Map<String, Spec> specs = new TreeMap<>();
    for (StageOptions stage : STAGES) {
      specsOf(stage.getClass(), specs);
    }
    return Collections.unmodifiableMap(specs);
  }

  /** The job's own options first, then every stage on the class path, in the services' order. */
  private static List<StageOptions> stages() {
    List<StageOptions> stages = new ArrayList<>();
    stages.add(new JobOptions());
    ServiceLoader.load(StageOptions.class, JobConfig.class.getClassLoader()).forEach(stages::add);
    return List.copyOf(stages);
  }

  private static void specsOf(Class<?> holder, Map<String, Spec> specs) {
    for (Field field : holder.getFields()) {
      if (!Modifier.isStatic(field.getModifiers())
          || !ConfigOption.class.isAssignableFrom(field.getType())) {
        continue;
      }
      ConfigOption<?> option;
      try {
        option = (ConfigOption<?>) field.get(null);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(
            "cannot read " + holder.getSimpleName() + "." + field.getName(), e);
      }
      Spec spec = spec(option, field.getGenericType());
      if (specs.put(option.key(), spec) != null) {
        throw new IllegalStateException(option.key() + " is declared twice");
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
