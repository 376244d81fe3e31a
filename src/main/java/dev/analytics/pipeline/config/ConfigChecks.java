package dev.analytics.pipeline.config;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What the stages' checks ({@link StageOptions#check}) read the configuration through, and the
 * helpers they share: each failure is a {@link ConfigException} naming the key, with the value as
 * given and where it came from (file, environment variable or argument).
 */
public final class ConfigChecks {
  public static final int KIB = 1024;
  public static final int MIB = 1024 * 1024;

  /** An instance id or a transactional-id prefix. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,60}");

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private final ReadableConfig conf;
  private final Function<String, String> shownValue;
  private final Function<String, String> origin;
  private final boolean requireKafka;

  ConfigChecks(
      ReadableConfig conf,
      Function<String, String> shownValue,
      Function<String, String> origin,
      boolean requireKafka) {
    this.conf = conf;
    this.shownValue = shownValue;
    this.origin = origin;
    this.requireKafka = requireKafka;
  }

  public <T> T get(ConfigOption<T> option) {
    return conf.get(option);
  }

  public <T> Optional<T> getOptional(ConfigOption<T> option) {
    return conf.getOptional(option);
  }

  /** The configuration being checked. */
  public ReadableConfig configuration() {
    return conf;
  }

  /** False for the tools that load a configuration without a Kafka source (the file replay). */
  public boolean requireKafka() {
    return requireKafka;
  }

  /** Whether the key was given (in the file, the environment or the arguments). */
  public boolean isSet(String key) {
    return origin.apply(key) != null;
  }

  /** "'value' problem (origin)": the value as given, or the default as describe shows it. */
  public ConfigException fail(ConfigOption<?> option, String problem) {
    String given = shownValue.apply(option.key());
    String text = given != null ? given : JobConfig.display(conf.get(option));
    return new ConfigException(option.key(), "'" + text + "' " + problem + origin(option.key()));
  }

  /** " (where it was set)", or "" for a default. */
  public String origin(String key) {
    String where = origin.apply(key);
    return where == null ? "" : " (" + where + ")";
  }

  public void notBlank(ConfigOption<String> option) {
    if (conf.get(option).isBlank()) {
      throw new ConfigException(option.key(), "must not be empty" + origin(option.key()));
    }
  }

  public void atLeast(ConfigOption<Integer> option, int min) {
    if (conf.get(option) < min) {
      throw fail(option, "is not >= " + min);
    }
  }

  public void between(ConfigOption<Integer> option, int min, int max, String lo, String hi) {
    int value = conf.get(option);
    if (value < min || value > max) {
      String range =
          lo.equals(String.valueOf(min))
              ? "[" + min + ", " + max + "]"
              : "[" + min + " (" + lo + "), " + max + " (" + hi + ")]";
      throw fail(option, "is not in " + range);
    }
  }

  public void atLeast(ConfigOption<Duration> option, Duration min) {
    if (conf.get(option).compareTo(min) < 0) {
      throw fail(option, "is not >= " + JobConfig.display(min));
    }
  }

  public void positive(ConfigOption<Double> option) {
    double value = conf.get(option);
    if (!(value > 0 && Double.isFinite(value))) {
      throw fail(option, "is not a finite number > 0");
    }
  }

  public void topic(ConfigOption<String> option) {
    if (!TOPIC.matcher(conf.get(option)).matches()) {
      throw fail(option, "is not a Kafka topic name: 1 to 249 characters of [a-zA-Z0-9._-]");
    }
  }

  public Instant instant(ConfigOption<String> option) {
    String text = conf.get(option);
    if (!isInstant(text)) {
      throw fail(option, "is not an ISO-8601 instant (e.g. 2000-01-01T00:00:00Z)");
    }
    return Instant.parse(text);
  }

  /** A trust store named by {@code location} (if set) opens with its type and password. */
  public void storeFile(
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

  public static boolean isInstant(String text) {
    try {
      Instant.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
