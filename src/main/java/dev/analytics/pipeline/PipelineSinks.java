package dev.analytics.pipeline;

import dev.analytics.pipeline.aggregation.AggregationOptions;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.control.ControlTopics;
import dev.analytics.pipeline.control.ControlledBatchBounds;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.Granularity;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.sinks.ConsoleLines;
import dev.analytics.pipeline.sinks.OutputOptions;
import dev.analytics.pipeline.sinks.clickhouse.BatchBounds;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSinks;
import dev.analytics.pipeline.sinks.clickhouse.RebatchableClickHouseSink;
import dev.analytics.pipeline.sinks.kafka.AlertSerializer;
import dev.analytics.pipeline.sinks.kafka.DeadLetterSerializer;
import dev.analytics.pipeline.sinks.kafka.KafkaSinks;
import dev.analytics.pipeline.sinks.kafka.WindowAggregateSerializer;
import dev.analytics.pipeline.sinks.postgres.DailyCounterBatcher;
import dev.analytics.pipeline.sinks.postgres.DailyCounterDeltas;
import dev.analytics.pipeline.sinks.postgres.PostgresConnections;
import dev.analytics.pipeline.sinks.postgres.PostgresSchema;
import dev.analytics.pipeline.sinks.postgres.PostgresSettings;
import dev.analytics.pipeline.sinks.postgres.PostgresSinks;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.PrintSink;

/**
 * Every sink of the job, attached to the pipeline's outputs in one place, each with its uid from
 * {@link OperatorIds}: the Kafka topics (dead letters always; aggregates and alerts when their
 * topic is set), the console lines, ClickHouse ({@code clickhouse.url} set) and PostgreSQL ({@code
 * postgres.url} set). The sink families only build sinks; none attaches itself.
 *
 * <p>No DDL runs while the graph is built: {@link #prepareTables} is the separate step before it
 * (PostgreSQL's tables; ClickHouse's writers create or check theirs when they open).
 */
public final class PipelineSinks {
  private PipelineSinks() {}

  /**
   * Creates or checks the tables of the configured databases that must exist before the job runs.
   *
   * @throws dev.analytics.pipeline.config.ConfigException naming the key (a table that is missing
   *     or incompatible, a database that cannot be reached)
   */
  public static void prepareTables(JobConfig config) {
    PostgresSettings postgres = PostgresSettings.from(config);
    if (postgres != null) {
      PostgresSchema.prepare(postgres);
    }
  }

  /** Every configured sink of {@code outputs}. */
  public static void attach(AnalyticsPipeline.Outputs outputs, JobConfig config) {
    attach(outputs, config, PostgresConnections.DEFAULT);
  }

  /**
   * {@link #attach(AnalyticsPipeline.Outputs, JobConfig)} with the given PostgreSQL connections.
   */
  public static void attach(
      AnalyticsPipeline.Outputs outputs, JobConfig config, PostgresConnections connections) {
    kafka(outputs, config);
    if (outputs.appliedChanges() != null) {
      ControlTopics.attachSinks(outputs.appliedChanges(), outputs.refusedChanges(), config);
    }
    console(outputs, config);
    clickHouse(outputs, config);
    postgresAggregates(outputs.aggregates(), config, connections);
    postgresAlerts(outputs.alerts(), config, connections);
  }

  /** Exactly-once Kafka topics: dead letters, and aggregates and alerts when configured. */
  private static void kafka(AnalyticsPipeline.Outputs outputs, JobConfig config) {
    outputs
        .deadLetters()
        .sinkTo(
            KafkaSinks.exactlyOnce(
                config,
                new DeadLetterSerializer(config.get(EventOptions.DEAD_LETTER_TOPIC)),
                "dlq"))
        .uid(OperatorIds.DEAD_LETTER_SINK)
        .name(OperatorIds.DEAD_LETTER_SINK_NAME);

    String aggregatesTopic = config.get(OutputOptions.OUTPUT_AGGREGATES_TOPIC);
    if (!aggregatesTopic.isEmpty()) {
      outputs
          .aggregates()
          .sinkTo(
              KafkaSinks.exactlyOnce(
                  config, new WindowAggregateSerializer(aggregatesTopic), "aggregates"))
          .uid(OperatorIds.AGGREGATE_KAFKA_SINK)
          .name(OperatorIds.AGGREGATE_KAFKA_SINK_NAME);
    }
    String alertsTopic = config.get(OutputOptions.OUTPUT_ALERTS_TOPIC);
    if (!alertsTopic.isEmpty()) {
      outputs
          .alerts()
          .sinkTo(KafkaSinks.exactlyOnce(config, new AlertSerializer(alertsTopic), "alerts"))
          .uid(OperatorIds.ALERT_KAFKA_SINK)
          .name(OperatorIds.ALERT_KAFKA_SINK_NAME);
    }
  }

  /** One line per alert, window and privacy estimate on standard output (output.console). */
  private static void console(AnalyticsPipeline.Outputs outputs, JobConfig config) {
    if (!config.get(OutputOptions.OUTPUT_CONSOLE)) {
      return;
    }
    outputs
        .alerts()
        .map(ConsoleLines::alert)
        .name("Format alert line")
        .sinkTo(new PrintSink<>())
        .uid(OperatorIds.CONSOLE_ALERT_SINK)
        .name(OperatorIds.CONSOLE_SINK_NAME);
    outputs
        .aggregates()
        .map(ConsoleLines::window)
        .name("Format window line")
        .sinkTo(new PrintSink<>())
        .uid(OperatorIds.CONSOLE_SINK)
        .name(OperatorIds.CONSOLE_SINK_NAME);
    outputs
        .privacyEstimates()
        .map(ConsoleLines::privacy)
        .name("Format privacy line")
        .sinkTo(new PrintSink<>())
        .uid(OperatorIds.CONSOLE_PRIVACY_SINK)
        .name(OperatorIds.CONSOLE_SINK_NAME);
  }

  /**
   * ClickHouse: aggregates and alerts exactly-once, high-priority events at-least-once with low
   * latency (see {@link ClickHouseSinks} and docs/clickhouse.md).
   */
  private static void clickHouse(AnalyticsPipeline.Outputs outputs, JobConfig config) {
    if (!ClickHouseSinks.enabled(config)) {
      return;
    }
    outputs
        .aggregates()
        .sinkTo(ClickHouseSinks.aggregates(config))
        .uid(OperatorIds.CLICKHOUSE_AGGREGATES_SINK)
        .name(OperatorIds.CLICKHOUSE_AGGREGATES_SINK_NAME);
    if (outputs.controlChanges() != null && ControlledBatchBounds.applies(config)) {
      // Run-time control changes the row bounds of these inserts.
      outputs
          .highPriorityEvents()
          .connect(outputs.controlChanges())
          .process(
              new ControlledBatchBounds(config, outputs.initialChanges()),
              Types.EITHER(
                  TypeInformation.of(AnalyticsEvent.class), TypeInformation.of(BatchBounds.class)))
          .uid(OperatorIds.CONTROLLED_EVENT_BATCHING)
          .name(OperatorIds.CONTROLLED_EVENT_BATCHING_NAME)
          .sinkTo(new RebatchableClickHouseSink<>(ClickHouseSinks.highPriorityEvents(config)))
          .uid(OperatorIds.CLICKHOUSE_EVENTS_SINK)
          .name(OperatorIds.CLICKHOUSE_EVENTS_SINK_NAME);
    } else {
      outputs
          .highPriorityEvents()
          .sinkTo(ClickHouseSinks.highPriorityEvents(config))
          .uid(OperatorIds.CLICKHOUSE_EVENTS_SINK)
          .name(OperatorIds.CLICKHOUSE_EVENTS_SINK_NAME);
    }
    outputs
        .alerts()
        .sinkTo(ClickHouseSinks.alerts(config))
        .uid(OperatorIds.CLICKHOUSE_ALERTS_SINK)
        .name(OperatorIds.CLICKHOUSE_ALERTS_SINK_NAME);
  }

  /**
   * PostgreSQL's window aggregates and, if enabled, the daily counters (see {@link PostgresSinks});
   * nothing when {@code postgres.url} is empty. Rows are routed by row identity ({@code keyBy}
   * before the sink), so every row has a single writer whatever the upstream partitioning.
   */
  public static void postgresAggregates(
      DataStream<WindowAggregate> aggregates, JobConfig config, PostgresConnections connections) {
    PostgresSettings s = PostgresSettings.from(config);
    if (s == null) {
      return;
    }
    aggregates
        .keyBy(PostgresSinks::aggregateIdentity)
        .sinkTo(PostgresSinks.aggregates(s, connections, OperatorIds.POSTGRES_AGGREGATE_SINK))
        .uid(OperatorIds.POSTGRES_AGGREGATE_SINK)
        .name(OperatorIds.POSTGRES_AGGREGATE_SINK_NAME);
    if (!s.dailyCounters()) {
      return;
    }
    String fine = Granularity.label(config.get(AggregationOptions.WINDOW_SIZE));
    long lateness = config.get(AggregationOptions.WINDOW_ALLOWED_LATENESS).toMillis();
    aggregates
        .filter(a -> fine.equals(a.granularity))
        .name("Fine windows")
        .keyBy(DailyCounterDeltas::windowIdentity)
        .process(new DailyCounterDeltas(s.dailyCounterDimensions(), lateness))
        .uid(OperatorIds.DAILY_COUNTER_DELTAS)
        .name(OperatorIds.DAILY_COUNTER_DELTAS_NAME)
        .keyBy(DailyCounterIncrement::bucketKey)
        .transform(
            OperatorIds.DAILY_COUNTER_BATCHER_NAME,
            TypeInformation.of(DailyCounterIncrement.class),
            new DailyCounterBatcher(PostgresSinks.MAX_BUCKETS))
        .uid(OperatorIds.DAILY_COUNTER_BATCHER)
        .sinkTo(
            PostgresSinks.dailyCounters(s, connections, OperatorIds.POSTGRES_DAILY_COUNTER_SINK))
        .uid(OperatorIds.POSTGRES_DAILY_COUNTER_SINK)
        .name(OperatorIds.POSTGRES_DAILY_COUNTER_SINK_NAME);
  }

  /** PostgreSQL's alerts; nothing when {@code postgres.url} is empty. */
  public static void postgresAlerts(
      DataStream<Alert> alerts, JobConfig config, PostgresConnections connections) {
    PostgresSettings s = PostgresSettings.from(config);
    if (s == null) {
      return;
    }
    alerts
        .keyBy(PostgresSinks::alertIdentity)
        .sinkTo(PostgresSinks.alerts(s, connections, OperatorIds.POSTGRES_ALERT_SINK))
        .uid(OperatorIds.POSTGRES_ALERT_SINK)
        .name(OperatorIds.POSTGRES_ALERT_SINK_NAME);
  }
}
