package dev.analytics.pipeline.sampling;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The fixed sampling rate of each event type: {@code sampling.rates} per type, {@code
 * sampling.default-rate} for the others. Every rate is in (0, 1]. Immutable and Serializable.
 *
 * @param rates rate per event type (exact, case-sensitive type names)
 * @param defaultRate rate of the types not in {@code rates}
 */
public record SamplingRates(Map<String, Double> rates, double defaultRate) implements Serializable {

  /** Keeps everything: rate 1 for every type. */
  public static final SamplingRates KEEP_ALL = new SamplingRates(Map.of(), 1.0);

  public SamplingRates {
    rates = Map.copyOf(rates);
    checkRate(SamplingOptions.SAMPLING_DEFAULT_RATE.key(), defaultRate);
    rates.forEach(
        (type, rate) -> checkRate(SamplingOptions.SAMPLING_RATES.key() + "." + type, rate));
  }

  /** The rates of the {@code sampling.rates} and {@code sampling.default-rate} keys. */
  public static SamplingRates from(JobConfig config) {
    Map<String, Double> rates = new HashMap<>();
    config
        .get(SamplingOptions.SAMPLING_RATES)
        .forEach(
            (type, text) -> {
              String key = SamplingOptions.SAMPLING_RATES.key() + "." + type;
              try {
                rates.put(type, Double.parseDouble(text.trim()));
              } catch (NumberFormatException e) {
                throw new ConfigException(key, "not a number: '" + text + "'");
              }
            });
    return new SamplingRates(rates, config.get(SamplingOptions.SAMPLING_DEFAULT_RATE));
  }

  /** The fixed rate of {@code eventType}. */
  public double rateFor(String eventType) {
    Double rate = rates.get(eventType);
    return rate != null ? rate : defaultRate;
  }

  private static void checkRate(String key, Double rate) {
    if (rate == null || !(rate > 0.0 && rate <= 1.0)) {
      throw new ConfigException(key, "a sampling rate must be in (0, 1], got " + rate);
    }
  }
}
