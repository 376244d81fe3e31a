package dev.analytics.pipeline.control;

import dev.analytics.pipeline.aggregation.AggregationSettings;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.detection.DetectionSettings;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseOptions;
import java.util.Set;

/**
 * Which settings can change while the job runs, and why the others cannot. A setting can when every
 * operator that reads it takes its changes by event time ({@link
 * dev.analytics.pipeline.config.RunTimeSettings}) and a change cannot break the state already kept.
 */
public final class RunTimeKeys {
  private RunTimeKeys() {}

  /** The options whose changes apply while the job runs (map options also entry by entry). */
  public static final Set<String> CHANGEABLE =
      Set.of(
          "sampling.rates",
          "sampling.default-rate",
          "sampling.adaptive.max-events-per-second",
          "priority.high.event-types",
          "priority.high.categories",
          "priority.low.event-types",
          "priority.low.categories",
          "priority.trust-explicit",
          "detection.metric",
          "detection.metrics",
          "detection.warmup",
          "detection.spike-factor",
          "detection.drop-factor",
          "detection.sigma",
          "detection.anomaly.min-change",
          "detection.trend.significance",
          "detection.trend.min-change",
          "detection.cooldown",
          "detection.min-baseline-count",
          "detection.min-values",
          "detection.alert-likelihood",
          "detection.suppression-windows",
          "detection.overrides",
          "aggregation.max-event-types",
          "aggregation.max-keys-per-type",
          "clickhouse.events.batch.min-rows",
          "clickhouse.events.batch.max-rows");

  /**
   * Why {@code key} cannot change while the job runs, or null when it can (or is unknown: the
   * configuration's own check names the closest key then).
   */
  public static String refusal(String key) {
    String option = JobConfig.optionKeyOf(key);
    if (option == null || CHANGEABLE.contains(option)) {
      return null;
    }
    String why;
    if (option.startsWith("window.")
        || option.startsWith("aggregation.")
        || option.equals("detection.enabled")
        || option.startsWith("detection.")
        || option.startsWith("privacy.")
        || option.equals("sampling.mode")) {
      why = "it shapes the job's graph or the state it keeps";
    } else if (option.startsWith("kafka.")
        || option.startsWith("clickhouse.")
        || option.startsWith("postgres.")
        || option.startsWith("output.")
        || option.startsWith("dead-letter.")
        || option.startsWith("control.")) {
      why = "it configures a source, a sink or a topic";
    } else {
      why = "it is read once, at start-up";
    }
    return option
        + " cannot change while the job runs ("
        + why
        + "): change it in the configuration and restart from a savepoint; run-time keys: "
        + new java.util.TreeSet<>(CHANGEABLE);
  }

  /**
   * Why {@code changed} cannot replace {@code base} while the job runs although each key may
   * change, or null: detection rules that shape a key's state, cardinality caps that were off at
   * start-up (no operator applies them then).
   */
  public static String problem(JobConfig base, JobConfig changed) {
    String detection =
        DetectionSettings.from(base).runTimeChangeProblem(DetectionSettings.from(changed));
    if (detection != null) {
      return detection;
    }
    if ((changed.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MIN_ROWS)
                != base.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MIN_ROWS)
            || changed.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_ROWS)
                != base.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_ROWS))
        && (base.get(ClickHouseOptions.CLICKHOUSE_URL).isBlank()
            || !ControlledBatchBounds.applies(base))) {
      return "the high-priority events' ClickHouse inserts have no row bounds to change"
          + " (clickhouse.url is empty, or clickhouse.events.batch.strategy is neither size nor"
          + " hybrid)";
    }
    if (!AggregationSettings.from(base).capsCardinality()
        && AggregationSettings.from(changed).capsCardinality()) {
      return "the cardinality caps were off at start-up (aggregation.max-event-types 0 and no"
          + " dimensions), so no operator applies them: set them in the configuration and"
          + " restart from a savepoint";
    }
    return null;
  }
}
