package dev.analytics.pipeline.testing;

import dev.analytics.pipeline.AnalyticsJob;
import dev.analytics.pipeline.PipelineSinks;
import dev.analytics.pipeline.config.JobConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * What the MiniCluster tests and the benchmarks of the whole job share: the cluster, a bounded
 * job's settings, its start, and the event records they produce.
 */
public final class BoundedJobs {
  private BoundedJobs() {}

  /**
   * The whole job (its Kafka source and sinks, {@code AnalyticsJob.defineWorkflow}) submitted to
   * the current environment without waiting, restored from {@code savepoint} when not null.
   */
  public static JobClient start(JobConfig config, String savepoint, String name) throws Exception {
    Configuration flink = config.flinkConfiguration();
    if (savepoint != null) {
      flink.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    }
    return workflow(StreamExecutionEnvironment.getExecutionEnvironment(flink), config)
        .executeAsync(name);
  }

  /**
   * The whole job defined on {@code env}, as production runs it: the sinks' tables created or
   * checked first (never while the graph is built), then {@code AnalyticsJob.defineWorkflow}.
   */
  public static StreamExecutionEnvironment workflow(
      StreamExecutionEnvironment env, JobConfig config) throws Exception {
    PipelineSinks.prepareTables(config);
    AnalyticsJob.defineWorkflow(env, config);
    return env;
  }

  /** One TaskManager with two slots: the parallelism of every such test. */
  public static MiniClusterExtension miniCluster() {
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());
  }

  /**
   * A bounded job at parallelism 2 over {@code name-events} from the earliest offset, dead letters
   * to {@code name-dead-letters}, checkpoints every 300 ms into {@code checkpoints}, quick
   * restarts.
   */
  public static Map<String, String> config(String bootstrap, String name, Path checkpoints) {
    Map<String, String> values =
        boundedKafka(bootstrap, name + "-events", name + "-dead-letters", name);
    values.put("checkpoint.interval", "300 ms");
    values.put("checkpoint.dir", checkpoints.toUri().toString());
    values.put("restart.initial-backoff", "100 ms");
    values.put("job.parallelism", "2");
    return values;
  }

  /**
   * A job that reads {@code topic} from its earliest offset and writes dead letters to {@code
   * deadLetters}, its transactional ids unique to this run ({@code name-<nanoTime>}); unbounded,
   * everything else at its default.
   */
  public static Map<String, String> kafka(
      String bootstrap, String topic, String deadLetters, String name) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", bootstrap);
    values.put("kafka.topic", topic);
    values.put("kafka.start-position", "earliest");
    values.put("kafka.transactional-id-prefix", name + "-" + System.nanoTime());
    values.put("dead-letter.topic", deadLetters);
    return values;
  }

  /**
   * {@link #kafka}, bounded: the job reads to the end offsets it finds at its start, then ends (its
   * last windows fire on the final watermark).
   */
  public static Map<String, String> boundedKafka(
      String bootstrap, String topic, String deadLetters, String name) {
    Map<String, String> values = kafka(bootstrap, topic, deadLetters, name);
    values.put("kafka.bounded", "true");
    // Bounded input is read as fast as it goes and ends with a final watermark; idleness would
    // let one slow partition's events fall behind a watermark driven by the others on a loaded
    // machine (they would be dead-lettered as late: correct, but not what exact tests and
    // throughput runs are about).
    values.put("watermark.idleness", "0 ms");
    return values;
  }

  /**
   * An event record of {@code type} at {@code ts} with value {@code ts % 1000}, and the dimension
   * region = {@code region} unless it is null.
   */
  public static String eventJson(String id, String type, long ts, String region) {
    return "{\"event_id\":\""
        + id
        + "\",\"event_type\":\""
        + type
        + "\",\"timestamp\":\""
        + Instant.ofEpochMilli(ts)
        + "\",\"value\":"
        + (ts % 1000)
        + (region == null ? "" : ",\"dimensions\":{\"region\":\"" + region + "\"}")
        + "}";
  }
}
