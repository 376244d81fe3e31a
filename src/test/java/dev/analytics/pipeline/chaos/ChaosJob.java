package dev.analytics.pipeline.chaos;

import dev.analytics.pipeline.AnalyticsJob;
import dev.analytics.pipeline.AnalyticsPipeline;
import dev.analytics.pipeline.PipelineSinks;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.control.ControlBootstrap;
import dev.analytics.pipeline.control.ControlTopics;
import dev.analytics.pipeline.model.ParsedRecord;
import java.net.URI;
import java.nio.file.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The production workflow with one test operator: {@link FailureInjector} right after the Kafka
 * source. Everything else is {@link AnalyticsPipeline#build} (with the control topic, read at
 * submission as {@link AnalyticsJob#controlBootstrap} does) and {@link PipelineSinks#attach}, as in
 * {@link AnalyticsJob#defineWorkflow}, with the same uids, so savepoints behave as in production.
 * The harness submits it to the standalone cluster with the job jar ({@code jobs/cluster.sh submit
 * -c dev.analytics.pipeline.chaos.ChaosJob -C file:.../test-classes/}).
 *
 * <p>Arguments are those of {@link AnalyticsJob}. The trigger directory is {@value #TRIGGERS}
 * beside the job's checkpoint directory, so that the job takes no option the production job lacks.
 */
public final class ChaosJob {
  static final String TRIGGERS = "chaos-triggers";
  static final String INJECTOR_UID = "chaos-failure-injector";

  private ChaosJob() {}

  public static void main(String[] args) throws Exception {
    JobConfig config = AnalyticsJob.load(args);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    DataStream<ParsedRecord> records =
        AnalyticsJob.kafkaRecords(env, config)
            .map(new FailureInjector(triggerDir(config).toString()))
            .uid(INJECTOR_UID)
            .name("Chaos failure injector");
    PipelineSinks.prepareTables(config);
    ControlBootstrap bootstrap = AnalyticsJob.controlBootstrap(env, config);
    PipelineSinks.attach(
        AnalyticsPipeline.build(
            records, ControlTopics.source(env, config, bootstrap), bootstrap, config),
        config);
    env.execute(config.get(JobOptions.JOB_NAME));
  }

  /** {@value #TRIGGERS} beside the checkpoint directory (a file: URI). */
  static Path triggerDir(JobConfig config) {
    return triggerDir(config.get(JobOptions.CHECKPOINT_DIR));
  }

  static Path triggerDir(String checkpointDir) {
    return Path.of(URI.create(checkpointDir)).resolveSibling(TRIGGERS);
  }
}
