package dev.analytics.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.CommittedAggregates;
import dev.analytics.pipeline.testing.ConsumerGroups;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint taken by an earlier Flink version restores into this build and the results stay
 * exact: the fixture {@code src/test/resources/upgrade/flink-2.2.1/} is a canonical savepoint of
 * this job on Flink 2.2.1 (made by {@link #main}, on the code of the commit that laid the packages
 * out by stage), taken mid-stream with windows open: the fine windows, the hourly rollup, the
 * pre-aggregation, the detector and the Kafka source's offsets are in it. The test replays the same
 * input into a fresh broker (same offsets), restores the job from the fixture, produces the rest
 * and drains. Every window emitted after the restore must hold exactly the events of the whole
 * stream: the minute that the savepoint cut in two (events from before and after it), and the hour
 * that holds them all (8,000). Nothing read twice (the restored offsets), nothing lost (the
 * restored windows).
 */
class SavepointUpgradeITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  static final Path FIXTURE = Path.of("src/test/resources/upgrade/flink-2.2.1");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-04-01T08:00:00Z").toEpochMilli();
  private static final int TOTAL = 8_000;

  /** The savepoint falls after event 5,000: 5 s into minute 2 (events are 25 ms apart). */
  static final int CUT = 5_000;

  private static final String[] REGIONS = {"eu", "us"};

  @TempDir Path tmp;

  /** Event i: three types, a region for checkout, values for the response times. */
  static List<Input> events(int from, int to) {
    List<Input> inputs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      long ts = START + i * 25L;
      String json;
      if (i % 3 == 0) {
        json =
            "{\"event_id\":\"u-"
                + i
                + "\",\"event_type\":\"checkout.completed\",\"timestamp\":"
                + ts
                + ",\"dimensions\":{\"region\":\""
                + REGIONS[i % 2]
                + "\"}}";
      } else if (i % 3 == 1) {
        json =
            "{\"event_id\":\"u-"
                + i
                + "\",\"event_type\":\"performance.response_time\",\"timestamp\":"
                + ts
                + ",\"value\":"
                + (10 + i % 97)
                + "}";
      } else {
        json =
            "{\"event_id\":\"u-"
                + i
                + "\",\"event_type\":\"search.query\",\"timestamp\":"
                + ts
                + "}";
      }
      inputs.add(new Input(i % 2, json.getBytes(StandardCharsets.UTF_8)));
    }
    return inputs;
  }

  /** The job's configuration; the restored run also writes its aggregates to Kafka. */
  static Map<String, String> config(EmbeddedKafka kafka, Path checkpoints, boolean aggregates) {
    Map<String, String> c = new HashMap<>();
    c.put("kafka.bootstrap-servers", kafka.bootstrapServers());
    c.put("kafka.topic", "upgrade-events");
    c.put("kafka.group-id", "upgrade-group");
    c.put("kafka.start-position", "earliest");
    c.put("kafka.bounded", "false");
    c.put("job.instance-id", "upgrade");
    c.put("dead-letter.topic", "upgrade-dead-letters");
    if (aggregates) {
      c.put("output.aggregates-topic", "upgrade-aggregates");
    }
    c.put("checkpoint.interval", "500 ms");
    c.put("checkpoint.dir", checkpoints.toUri().toString());
    c.put("job.parallelism", "2");
    c.put("watermark.idleness", "0 ms");
    c.put("window.rollups", "1 h");
    c.put("aggregation.dimensions", "checkout.completed:region");
    // Rate 1 (its default samples): exact expected counts.
    c.put("sampling.rates", "performance.response_time:1");
    return c;
  }

  @Test
  void aSavepointOfFlink221RestoresWithExactResults() throws Exception {
    assertThat(Files.isRegularFile(FIXTURE.resolve("_metadata")))
        .as("the savepoint fixture " + FIXTURE + " is missing (see SavepointUpgradeITCase#main)")
        .isTrue();
    // Copied: a restore reads the savepoint only, but the fixture must never change.
    Path savepoint = tmp.resolve("flink-2.2.1");
    copy(FIXTURE, savepoint);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopics(2, "upgrade-events", "upgrade-dead-letters", "upgrade-aggregates");
      KafkaTopics.produce(kafka.bootstrapServers(), "upgrade-events", events(0, CUT));
      KafkaTopics.produce(kafka.bootstrapServers(), "upgrade-events", events(CUT, TOTAL));
      JobClient job =
          BoundedJobs.start(
              JobConfig.of(config(kafka, tmp.resolve("checkpoints"), true)),
              savepoint.toUri().toString(),
              "upgrade");
      ConsumerGroups.awaitCommittedToEnd(
          kafka.adminProperties(), "upgrade-group", "upgrade-events", Duration.ofMinutes(2));
      job.stopWithSavepoint(
              true, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
          .get();

      Map<String, Long> expected = new TreeMap<>();
      for (int i = 0; i < TOTAL; i++) {
        long ts = START + i * 25L;
        String key =
            switch (i % 3) {
              case 0 -> "checkout.completed|{\"region\":\"" + REGIONS[i % 2] + "\"}";
              case 1 -> "performance.response_time|{}";
              default -> "search.query|{}";
            };
        expected.merge("1m|" + key + "|" + (ts - ts % 60_000), 1L, Long::sum);
        expected.merge("1h|" + key + "|" + (ts - ts % 3_600_000), 1L, Long::sum);
      }
      Map<String, Long> counted = new TreeMap<>();
      CommittedAggregates.latestEstimatedCounts(kafka.bootstrapServers(), "upgrade-aggregates")
          .forEach((id, count) -> counted.put(id, Math.round(count)));
      assertThat(!counted.isEmpty()).as("no window emitted after the restore").isTrue();
      List<String> wrong = new ArrayList<>();
      for (Map.Entry<String, Long> e : counted.entrySet()) {
        if (!e.getValue().equals(expected.get(e.getKey()))) {
          wrong.add(e.getKey() + ": " + e.getValue() + ", expected " + expected.get(e.getKey()));
        }
      }
      assertThat(wrong)
          .as("windows after the restore (" + counted.size() + ")")
          .isEqualTo(List.of());
      // The minute the savepoint cut (events 4,800 to 7,199) and the hour of everything.
      long cutMinute = START + 120_000;
      assertThat(counted.get("1m|performance.response_time|{}|" + cutMinute)).isEqualTo(800L);
      assertThat(counted.get("1h|performance.response_time|{}|" + START))
          .as("hour")
          .isEqualTo(2_667L);
      long hourTotal =
          counted.entrySet().stream()
              .filter(e -> e.getKey().startsWith("1h|"))
              .mapToLong(Map.Entry::getValue)
              .sum();
      assertThat(hourTotal).as("every event in the hourly rollups").isEqualTo(TOTAL);
    }
  }

  private static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /**
   * Makes the fixture: runs the job (no aggregates sink, so that the savepoint holds no Kafka
   * transaction of a broker that will not exist) over the first {@link #CUT} events, stops it with
   * a canonical savepoint while windows are open and copies the savepoint to {@code args[0]}
   * (default {@link #FIXTURE}). Run with the Flink version the fixture is named after:
   *
   * <pre>
   * mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test \
   *   -Dmdep.outputFile=target/test-classpath.txt
   * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
   *   dev.analytics.pipeline.ops.SavepointUpgradeITCase
   * </pre>
   */
  public static void main(String[] args) throws Exception {
    Path target = Path.of(args.length > 0 ? args[0] : FIXTURE.toString());
    Path work = Files.createTempDirectory("upgrade-fixture");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopics(2, "upgrade-events", "upgrade-dead-letters", "upgrade-aggregates");
      KafkaTopics.produce(kafka.bootstrapServers(), "upgrade-events", events(0, CUT));
      JobConfig config = JobConfig.of(config(kafka, work.resolve("checkpoints"), false));
      // A local mini-cluster of this JVM (2 slots for parallelism 2).
      JobClient job = BoundedJobs.start(config, null, "upgrade-fixture");
      ConsumerGroups.awaitCommittedToEnd(
          kafka.adminProperties(), "upgrade-group", "upgrade-events", Duration.ofMinutes(2));
      String savepoint =
          job.stopWithSavepoint(
                  false,
                  work.resolve("savepoints").toUri().toString(),
                  SavepointFormatType.CANONICAL)
              .get();
      Path dir = Path.of(java.net.URI.create(savepoint));
      if (Files.exists(target)) {
        throw new IllegalStateException(target + " exists; remove it first");
      }
      copy(dir, target);
      System.out.println("savepoint " + savepoint + " copied to " + target);
    }
  }
}
