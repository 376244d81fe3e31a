package dev.analytics.pipeline.config;

import java.util.List;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The options of one stage of the job, declared as {@code public static final ConfigOption} fields
 * of the implementing class, with the checks of their values. {@link JobConfig} accepts the keys of
 * every implementation listed in {@code
 * META-INF/services/dev.analytics.pipeline.config.StageOptions} (through {@link
 * java.util.ServiceLoader}, so that {@code config} depends on no stage) and runs their checks in
 * that order at start-up.
 */
public interface StageOptions {
  /**
   * Checks the stage's values (and rules between its options and those of the stages it depends
   * on), throwing a {@link ConfigException} that names the key at the first problem.
   */
  void check(ConfigChecks checks);

  /** The connections this stage configures that go without TLS (see {@link TransportSecurity}). */
  default List<TransportSecurity.Plaintext> plaintext(ReadableConfig conf) {
    return List.of();
  }
}
