package dev.analytics.pipeline.local;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class LocalRunOptions implements StageOptions {
  public LocalRunOptions() {}

  @Override
  public void check(ConfigChecks c) {
    localRun(c);
  }

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

  public static final ConfigOption<Integer> LOCAL_RESULTS_PORT =
      key("local.results-port")
          .intType()
          .defaultValue(8082)
          .withDescription(
              "Local run: port of the live results page on localhost (charts of the job's output"
                  + " topics, docs/local-run.md); 0 = no page.");

  public static final ConfigOption<Double> GENERATOR_INCIDENT_PROBABILITY =
      key("generator.incident-probability")
          .doubleType()
          .defaultValue(0.05)
          .withDescription(
              "Local run: chance that a random incident (spike, drop, latency spike) starts at a"
                  + " minute boundary of event time, in [0, 1].");

  public static final ConfigOption<Duration> GENERATOR_SPIKE_AT =
      key("generator.spike-at")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription(
              "Local run: inject a rate spike of generator.spike-type this long (wall clock) after"
                  + " the start; 0 = none.");

  public static final ConfigOption<String> GENERATOR_SPIKE_TYPE =
      key("generator.spike-type")
          .stringType()
          .defaultValue("message_processed")
          .withDescription("Local run: the event type of the injected spike (generator.spike-at).");

  public static final ConfigOption<Double> GENERATOR_SPIKE_FACTOR =
      key("generator.spike-factor")
          .doubleType()
          .defaultValue(10.0)
          .withDescription(
              "Local run: the injected spike multiplies its type's rate by this, above 1.");

  public static final ConfigOption<Duration> GENERATOR_SPIKE_DURATION =
      key("generator.spike-duration")
          .durationType()
          .defaultValue(Duration.ofMinutes(3))
          .withDescription("Local run: how long the injected spike lasts, in event time.");

  private static void localRun(ConfigChecks c) {
    c.positive(LocalRunOptions.GENERATOR_RATE);
    double invalid = c.get(LocalRunOptions.GENERATOR_INVALID_FRACTION);
    if (!(invalid >= 0 && invalid <= 1)) {
      throw c.fail(LocalRunOptions.GENERATOR_INVALID_FRACTION, "is not in [0, 1]");
    }
    c.positive(LocalRunOptions.GENERATOR_TIME_SCALE);
    c.atLeast(LocalRunOptions.LOCAL_DURATION, Duration.ZERO);
    c.between(LocalRunOptions.LOCAL_WEB_PORT, 1, 65535, "1", "65535");
    c.between(LocalRunOptions.LOCAL_RESULTS_PORT, 0, 65535, "0", "65535");
    if (c.get(LOCAL_RESULTS_PORT).equals(c.get(LOCAL_WEB_PORT))) {
      throw c.fail(LOCAL_RESULTS_PORT, "must differ from local.web-port (the Flink web UI)");
    }
    double incidents = c.get(GENERATOR_INCIDENT_PROBABILITY);
    if (!(incidents >= 0 && incidents <= 1)) {
      throw c.fail(GENERATOR_INCIDENT_PROBABILITY, "is not in [0, 1]");
    }
    c.atLeast(GENERATOR_SPIKE_AT, Duration.ZERO);
    if (!TrafficGenerator.eventTypeShares().containsKey(c.get(GENERATOR_SPIKE_TYPE))) {
      throw c.fail(
          GENERATOR_SPIKE_TYPE,
          "is not a generated event type (one of "
              + String.join(", ", TrafficGenerator.eventTypeShares().keySet())
              + ")");
    }
    if (!(c.get(GENERATOR_SPIKE_FACTOR) > 1) || c.get(GENERATOR_SPIKE_FACTOR).isInfinite()) {
      throw c.fail(GENERATOR_SPIKE_FACTOR, "must be above 1 (a spike)");
    }
    if (c.get(GENERATOR_SPIKE_DURATION).compareTo(Duration.ofMinutes(1)) < 0) {
      throw c.fail(GENERATOR_SPIKE_DURATION, "must be at least 1 min");
    }
  }
}
