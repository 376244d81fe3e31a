package dev.analytics.pipeline;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.control.ControlBootstrap;
import dev.analytics.pipeline.control.ControlTopics;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.sinks.UncommittedSinkWork;
import java.util.Optional;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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
    Optional<String> restore = restorePath(env);
    if (restore.isEmpty()) {
      // A start without state: loud when an earlier run of this instance left work uncommitted.
      UncommittedSinkWork.warn(config, UncommittedSinkWork.find(config));
    } else {
      LOG.info("Job instance '{}' restores its state from {}", config.instanceId(), restore.get());
    }
    // DDL is a step of its own, before the graph: defineWorkflow never touches a database.
    PipelineSinks.prepareTables(config);
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

  /**
   * Kafka source, the pipeline and every configured sink ({@link PipelineSinks}), added to {@code
   * env}. A start without state reads the control topic first ({@link ControlBootstrap}): every
   * change it holds applies from the first event on, and the control source starts after them.
   */
  public static AnalyticsPipeline.Outputs defineWorkflow(
      StreamExecutionEnvironment env, JobConfig config) {
    return defineWorkflow(env, config, controlBootstrap(env, config));
  }

  /**
   * The control topic read at submission when the job starts without state; nothing when it
   * restores (its control source and operators have their state) or has no control topic.
   */
  public static ControlBootstrap controlBootstrap(
      StreamExecutionEnvironment env, JobConfig config) {
    return ControlTopics.enabled(config) && restorePath(env).isEmpty()
        ? ControlBootstrap.atSubmission(config)
        : ControlBootstrap.none();
  }

  /**
   * The workflow of {@link #defineWorkflow(StreamExecutionEnvironment, JobConfig)} with the control
   * topic as {@code bootstrap} found it (graph checks without Kafka pass {@link
   * ControlBootstrap#none()}).
   */
  public static AnalyticsPipeline.Outputs defineWorkflow(
      StreamExecutionEnvironment env, JobConfig config, ControlBootstrap bootstrap) {
    AnalyticsPipeline.Outputs outputs =
        AnalyticsPipeline.build(
            kafkaRecords(env, config),
            ControlTopics.source(env, config, bootstrap),
            bootstrap,
            config);
    PipelineSinks.attach(outputs, config);
    return outputs;
  }

  /** The savepoint or checkpoint the job restores from ({@code execution.state-recovery.path}). */
  private static Optional<String> restorePath(StreamExecutionEnvironment env) {
    return env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
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
}
