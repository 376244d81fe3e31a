package dev.analytics.pipeline;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.sinks.ConsoleLines;
import dev.analytics.pipeline.sinks.OutputOptions;
import dev.analytics.pipeline.sinks.UncommittedSinkWork;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSinks;
import dev.analytics.pipeline.sinks.kafka.AlertSerializer;
import dev.analytics.pipeline.sinks.kafka.DeadLetterSerializer;
import dev.analytics.pipeline.sinks.kafka.KafkaSinks;
import dev.analytics.pipeline.sinks.kafka.WindowAggregateSerializer;
import dev.analytics.pipeline.sinks.postgres.PostgresSinks;
import java.util.Optional;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.PrintSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics job: Kafka in, {@link AnalyticsPipeline}, sinks out.
 *
 * <pre>
 * flink run -d target/analytics-pipeline-*-job.jar --config jobs/production.yaml [--key value ...]
 * </pre>
 *
 * A bad configuration stops it before anything runs, with a message that names the key.
 */
public final class AnalyticsJob {
  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsJob.class);

  private AnalyticsJob() {}

  public static void main(String[] args) throws Exception {
    JobConfig config = load(args);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    Optional<String> restore =
        env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
    if (restore.isEmpty()) {
      // A start without state: loud when an earlier run of this instance left work uncommitted.
      UncommittedSinkWork.warn(config, UncommittedSinkWork.find(config));
    } else {
      LOG.info("Job instance '{}' restores its state from {}", config.instanceId(), restore.get());
    }
    defineWorkflow(env, config);
    env.execute(config.get(JobOptions.JOB_NAME));
  }

  /**
   * The configuration of the arguments and the environment, logged (secrets masked).
   *
   * @throws ConfigException for a bad one, naming its key: the Flink client prints it, and in
   *     application mode the application fails with it (exiting here would take the JobManager's
   *     process down)
   */
  public static JobConfig load(String[] args) {
    JobConfig config = JobConfig.load(args, System.getenv());
    LOG.info("Configuration:\n{}", config);
    for (String warning : config.transportWarnings()) {
      LOG.warn("Without TLS: {}", warning);
    }
    return config;
  }

  /** Kafka source, the pipeline and every configured sink, added to {@code env}. */
  public static AnalyticsPipeline.Outputs defineWorkflow(
      StreamExecutionEnvironment env, JobConfig config) {
    AnalyticsPipeline.Outputs outputs = AnalyticsPipeline.build(kafkaRecords(env, config), config);
    attachSinks(outputs, config);
    return outputs;
  }

  /** The parsed records of the Kafka source, with their event-time watermarks. */
  public static DataStream<ParsedRecord> kafkaRecords(
      StreamExecutionEnvironment env, JobConfig config) {
    return env.fromSource(
            KafkaEventSource.create(config),
            KafkaEventSource.watermarks(config),
            OperatorIds.KAFKA_SOURCE_NAME)
        .uid(OperatorIds.KAFKA_SOURCE);
  }

  /** The sinks of the pipeline's outputs, as configured. */
  public static void attachSinks(AnalyticsPipeline.Outputs outputs, JobConfig config) {
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
    if (config.get(OutputOptions.OUTPUT_CONSOLE)) {
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

    // ---- ClickHouse (clickhouse.url set): aggregates and alerts exactly-once, high-priority
    // events at-least-once with low latency; see ClickHouseSink and docs/clickhouse.md. ----
    if (ClickHouseSinks.enabled(config)) {
      outputs
          .aggregates()
          .sinkTo(ClickHouseSinks.aggregates(config))
          .uid(OperatorIds.CLICKHOUSE_AGGREGATES_SINK)
          .name(OperatorIds.CLICKHOUSE_AGGREGATES_SINK_NAME);
      outputs
          .highPriorityEvents()
          .sinkTo(ClickHouseSinks.highPriorityEvents(config))
          .uid(OperatorIds.CLICKHOUSE_EVENTS_SINK)
          .name(OperatorIds.CLICKHOUSE_EVENTS_SINK_NAME);
      outputs
          .alerts()
          .sinkTo(ClickHouseSinks.alerts(config))
          .uid(OperatorIds.CLICKHOUSE_ALERTS_SINK)
          .name(OperatorIds.CLICKHOUSE_ALERTS_SINK_NAME);
    }

    // ---- PostgreSQL (postgres.url set): window aggregates, daily counters and alerts ----
    // Creates or checks the tables first.
    PostgresSinks.attach(outputs.aggregates(), config);
    PostgresSinks.attachAlerts(outputs.alerts(), config);
  }
}
