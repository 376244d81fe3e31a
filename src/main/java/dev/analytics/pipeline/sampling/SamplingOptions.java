package dev.analytics.pipeline.sampling;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.StageOptions;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class SamplingOptions implements StageOptions {
  public SamplingOptions() {}

  @Override
  public void check(ConfigChecks c) {
    sampling(c);
  }

  public enum SamplingMode {
    FIXED,
    ADAPTIVE
  }

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

  private static void sampling(ConfigChecks c) {
    for (Map.Entry<String, String> rate :
        new TreeMap<>(c.get(SamplingOptions.SAMPLING_RATES)).entrySet()) {
      String key = SamplingOptions.SAMPLING_RATES.key() + "." + rate.getKey();
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
                + c.origin(SamplingOptions.SAMPLING_RATES.key()));
      }
      if (!(value > 0 && value <= 1)) {
        throw new ConfigException(
            key,
            "'"
                + rate.getValue()
                + "' is not in (0, 1]"
                + c.origin(SamplingOptions.SAMPLING_RATES.key()));
      }
    }
    double rate = c.get(SamplingOptions.SAMPLING_DEFAULT_RATE);
    if (!(rate > 0 && rate <= 1)) {
      throw c.fail(SamplingOptions.SAMPLING_DEFAULT_RATE, "is not in (0, 1]");
    }
    c.positive(SamplingOptions.SAMPLING_ADAPTIVE_MAX_EVENTS_PER_SECOND);
  }
}
