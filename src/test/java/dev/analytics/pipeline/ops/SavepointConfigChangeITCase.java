package dev.analytics.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.sampling.SamplingDecision;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.CommittedAggregates;
import dev.analytics.pipeline.testing.ConsumerGroups;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint taken before a configuration change restores into the changed job, and the results
 * stay exact across the change: the job runs on part of a known stream, stops with a savepoint
 * while windows are open (one of them holds events from before and after the change), and resumes
 * from it ({@code execution.state-recovery.path}) with
 *
 * <ul>
 *   <li>a new sampling rule ({@code search.query} from rate 1 to 0.5),
 *   <li>a new event type in the stream, with dimensions configured for it,
 *   <li>changed thresholds: {@code window.allowed-lateness} 0 to 30 s, {@code
 *       aggregation.max-keys-per-type} 1,000 to 50.
 * </ul>
 *
 * Expected results are computed from the stream with the same deterministic sampling decision: an
 * event before the change counts 1, a {@code search.query} after it counts 2 if kept, else 0.
 */
class SavepointConfigChangeITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-04-01T08:00:00Z").toEpochMilli();
  private static final int TOTAL = 12_000;

  /** The change falls 20 s into minute 4: that window holds events of both configurations. */
  private static final int CHANGE = 6_500;

  private static final String[] REGIONS = {"eu", "us", "ap"};

  private static EmbeddedKafka kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  @Test
  void savepointRestoresIntoAChangedConfigurationWithExactResults() throws Exception {
    kafka.createTopics(2, "change-events", "change-dead-letters", "change-aggregates");
    List<Input> first = new ArrayList<>();
    List<Input> second = new ArrayList<>();
    // (granularity is added below) type|dimensions|minute -> expected estimated count
    Map<String, Double> expected = new TreeMap<>();
    for (int i = 0; i < TOTAL; i++) {
      boolean before = i < CHANGE;
      long ts = START + i * 40L; // 12,000 events over 8 minutes
      String id = "c-" + i;
      String type;
      String dims;
      if (!before && i % 4 == 3) {
        type = "signup.completed"; // new after the change
        dims = "{\"plan\":\"" + (i % 8 == 3 ? "free" : "pro") + "\"}";
      } else if (i % 2 == 0) {
        type = "checkout.completed";
        dims = "{\"region\":\"" + REGIONS[i % 3] + "\"}";
      } else {
        type = "search.query";
        dims = "{}";
      }
      String json =
          "{\"event_id\":\""
              + id
              + "\",\"event_type\":\""
              + type
              + "\",\"timestamp\":"
              + ts
              + ",\"dimensions\":"
              + dims
              + "}";
      (before ? first : second).add(new Input(i % 2, json.getBytes(StandardCharsets.UTF_8)));
      double weight = 1;
      if (!before && type.equals("search.query")) {
        weight = SamplingDecision.keep(id, 0.5) ? 2 : 0;
      }
      if (weight > 0) {
        String key = type + "|" + JSON.readTree(dims);
        expected.merge("1m|" + key + "|" + (ts - ts % 60_000), weight, Double::sum);
        expected.merge("1h|" + key + "|" + (ts - ts % 3_600_000), weight, Double::sum);
      }
    }

    Map<String, String> before = new HashMap<>();
    before.put("kafka.bootstrap-servers", kafka.bootstrapServers());
    before.put("kafka.topic", "change-events");
    before.put("kafka.group-id", "change-group");
    before.put("kafka.start-position", "earliest");
    before.put("kafka.bounded", "false");
    before.put("kafka.transactional-id-prefix", "change-" + System.nanoTime());
    before.put("dead-letter.topic", "change-dead-letters");
    before.put("output.aggregates-topic", "change-aggregates");
    before.put("checkpoint.interval", "500 ms");
    before.put("checkpoint.dir", tmp.resolve("checkpoints").toUri().toString());
    before.put("job.parallelism", "2");
    before.put("watermark.idleness", "0 ms");
    before.put("window.rollups", "1 h");
    before.put("aggregation.dimensions", "checkout.completed:region");
    before.put("aggregation.max-keys-per-type", "1000");
    before.put("window.allowed-lateness", "0 ms");

    Map<String, String> after = new HashMap<>(before);
    after.put("sampling.rates", "search.query:0.5");
    after.put("aggregation.dimensions", "checkout.completed:region,signup.completed:plan");
    after.put("aggregation.max-keys-per-type", "50");
    after.put("window.allowed-lateness", "30 s");

    KafkaTopics.produce(kafka.bootstrapServers(), "change-events", first);
    JobClient job = BoundedJobs.start(JobConfig.of(before), null, "config-change");
    awaitConsumed("change-group", "change-events");
    String savepoint =
        job.stopWithSavepoint(
                false, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get();
    int committedBefore =
        CommittedRecords.readAll(kafka.bootstrapServers(), "change-aggregates").size();
    assertThat(committedBefore > 0).as("windows closed before the change").isTrue();

    KafkaTopics.produce(kafka.bootstrapServers(), "change-events", second);
    JobClient changed = BoundedJobs.start(JobConfig.of(after), savepoint, "config-change");
    awaitConsumed("change-group", "change-events");
    changed
        .stopWithSavepoint(
            true, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
        .get();

    Map<String, Double> counted =
        CommittedAggregates.latestEstimatedCounts(kafka.bootstrapServers(), "change-aggregates");
    assertThat(counted).isEqualTo(expected);
  }

  private static void awaitConsumed(String group, String topic) throws Exception {
    ConsumerGroups.awaitCommittedToEnd(
        kafka.adminProperties(), group, topic, Duration.ofMinutes(2));
  }
}
