package dev.analytics.pipeline;

/**
 * Stable uids and readable names of every source, stateful operator and sink. A savepoint maps
 * state to operators by uid: never change a uid of a deployed operator, add new ones instead.
 */
public final class OperatorIds {
  private OperatorIds() {}

  public static final String KAFKA_SOURCE = "kafka-events-source";
  public static final String KAFKA_SOURCE_NAME = "Kafka events (parse + validate)";

  public static final String ROUTER = "dead-letter-router";
  public static final String ROUTER_NAME = "Route dead letters";

  public static final String PRIORITY = "priority-classifier";
  public static final String PRIORITY_NAME = "Classify priority";

  public static final String SAMPLER = "deterministic-sampler";
  public static final String SAMPLER_NAME = "Sample (deterministic)";

  public static final String CONTROL_STAMPER = "control-stamper";
  public static final String CONTROL_STAMPER_NAME = "Check and stamp control changes";

  public static final String CONTROLLED_PRIORITY_SAMPLER = "controlled-priority-sampler";
  public static final String CONTROLLED_PRIORITY_SAMPLER_NAME =
      "Classify priority + sample (deterministic, controlled)";

  public static final String CONTROL_KAFKA_SOURCE = "kafka-control-source";
  public static final String CONTROL_KAFKA_SOURCE_NAME = "Kafka control changes";

  public static final String CONTROLLED_EVENT_BATCHING = "controlled-event-batching";
  public static final String CONTROLLED_EVENT_BATCHING_NAME =
      "High-priority events + batch bounds (controlled)";

  public static final String CONTROL_APPLIED_SINK = "control-applied-kafka-sink";
  public static final String CONTROL_APPLIED_SINK_NAME = "Applied control changes -> Kafka";

  public static final String CONTROL_REFUSED_SINK = "control-refused-kafka-sink";
  public static final String CONTROL_REFUSED_SINK_NAME = "Refused control changes -> Kafka";

  public static final String ADAPTIVE_SAMPLER = "adaptive-sampler";
  public static final String ADAPTIVE_SAMPLER_NAME = "Sample (adaptive, deterministic)";

  public static final String CARDINALITY = "dimension-cardinality-limiter";
  public static final String CARDINALITY_NAME = "Cap cardinality (event types, dimensions)";

  public static final String PRE_AGGREGATE = "window-pre-aggregator";
  public static final String PRE_AGGREGATE_NAME = "Pre-aggregate before the shuffle";

  /** Followed by the granularity, e.g. rollup-1h. */
  public static final String ROLLUP_PREFIX = "rollup-";

  public static final String PATTERN_DETECTOR = "pattern-detector";
  public static final String PATTERN_DETECTOR_NAME = "Detect spikes, drops, anomalies, trends";

  public static final String ALERT_KAFKA_SINK = "alert-kafka-sink";
  public static final String ALERT_KAFKA_SINK_NAME = "Alerts -> Kafka";
  public static final String CONSOLE_ALERT_SINK = "console-alert-sink";

  public static final String PRIVACY_CORRECTOR = "privacy-corrector";
  public static final String PRIVACY_CORRECTOR_NAME = "Privacy correction (k-RR)";

  public static final String WINDOW = "window-aggregator";
  public static final String WINDOW_NAME = "Tumbling window statistics";

  public static final String DEAD_LETTER_SINK = "dead-letter-kafka-sink";
  public static final String DEAD_LETTER_SINK_NAME = "Dead letters -> Kafka";

  public static final String AGGREGATE_KAFKA_SINK = "aggregate-kafka-sink";
  public static final String AGGREGATE_KAFKA_SINK_NAME = "Window aggregates -> Kafka";

  public static final String CONSOLE_SINK = "console-sink";
  public static final String CONSOLE_SINK_NAME = "Console";
  public static final String CONSOLE_PRIVACY_SINK = "console-privacy-sink";

  public static final String CLICKHOUSE_AGGREGATES_SINK = "clickhouse-aggregates-sink";
  public static final String CLICKHOUSE_AGGREGATES_SINK_NAME = "Window aggregates -> ClickHouse";

  public static final String CLICKHOUSE_ALERTS_SINK = "clickhouse-alerts-sink";
  public static final String CLICKHOUSE_ALERTS_SINK_NAME = "Alerts -> ClickHouse";

  public static final String CLICKHOUSE_EVENTS_SINK = "clickhouse-high-priority-events-sink";
  public static final String CLICKHOUSE_EVENTS_SINK_NAME = "High-priority events -> ClickHouse";

  public static final String POSTGRES_AGGREGATE_SINK = "postgres-aggregate-sink";
  public static final String POSTGRES_AGGREGATE_SINK_NAME = "Window aggregates -> PostgreSQL";

  public static final String POSTGRES_ALERT_SINK = "postgres-alert-sink";
  public static final String POSTGRES_ALERT_SINK_NAME = "Alerts -> PostgreSQL";

  public static final String DAILY_COUNTER_DELTAS = "daily-counter-deltas";
  public static final String DAILY_COUNTER_DELTAS_NAME = "Daily counter increments";

  public static final String DAILY_COUNTER_BATCHER = "daily-counter-batcher";
  public static final String DAILY_COUNTER_BATCHER_NAME = "Daily counters by bucket";

  public static final String POSTGRES_DAILY_COUNTER_SINK = "postgres-daily-counter-sink";
  public static final String POSTGRES_DAILY_COUNTER_SINK_NAME = "Daily counters -> PostgreSQL";
}
