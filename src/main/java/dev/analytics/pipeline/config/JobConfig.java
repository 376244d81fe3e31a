package dev.analytics.pipeline.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The job's validated configuration. PROVISIONAL: a minimal version so that the rest compiles;
 * loading from YAML, environment and arguments with validation comes next.
 */
public final class JobConfig {
  private final Configuration conf;

  private JobConfig(Configuration conf) {
    this.conf = conf;
  }

  /**
   * Loads the configuration from {@code --config FILE}, the environment and {@code --key value}.
   */
  public static JobConfig load(String[] args, Map<String, String> env) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      values.put(args[i].substring(2), args[i + 1]);
    }
    return of(values);
  }

  /** A configuration of explicit values over the defaults (tests, the local run). */
  public static JobConfig of(Map<String, String> values) {
    return new JobConfig(Configuration.fromMap(values));
  }

  public <T> T get(ConfigOption<T> option) {
    return conf.get(option);
  }

  public <T> Optional<T> getOptional(ConfigOption<T> option) {
    return conf.getOptional(option);
  }
}
