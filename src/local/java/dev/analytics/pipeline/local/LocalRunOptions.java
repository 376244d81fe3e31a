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

  private static void localRun(ConfigChecks c) {
    c.positive(LocalRunOptions.GENERATOR_RATE);
    double invalid = c.get(LocalRunOptions.GENERATOR_INVALID_FRACTION);
    if (!(invalid >= 0 && invalid <= 1)) {
      throw c.fail(LocalRunOptions.GENERATOR_INVALID_FRACTION, "is not in [0, 1]");
    }
    c.positive(LocalRunOptions.GENERATOR_TIME_SCALE);
    c.atLeast(LocalRunOptions.LOCAL_DURATION, Duration.ZERO);
    c.between(LocalRunOptions.LOCAL_WEB_PORT, 1, 65535, "1", "65535");
  }
}
