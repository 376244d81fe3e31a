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
 * What the MiniCluster tests of the whole job share: the cluster, a bounded job's settings, its
 * start, and the event records they produce.
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
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    PipelineSinks.prepareTables(config);
    AnalyticsJob.defineWorkflow(env, config);
    return env.executeAsync(name);
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
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", bootstrap);
    values.put("kafka.topic", name + "-events");
    values.put("kafka.start-position", "earliest");
    values.put("kafka.bounded", "true");
    values.put("kafka.transactional-id-prefix", name + "-" + System.nanoTime());
    values.put("dead-letter.topic", name + "-dead-letters");
    values.put("checkpoint.interval", "300 ms");
    values.put("checkpoint.dir", checkpoints.toUri().toString());
    values.put("restart.initial-backoff", "100 ms");
    values.put("job.parallelism", "2");
    // Bounded input ends with a final watermark; idleness would let one slow partition's events
    // fall behind a watermark driven by the other on a loaded machine (they would be dead-lettered
    // as late, which is correct but not what these exact tests are about).
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
