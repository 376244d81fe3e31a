package dev.analytics.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job on a real standalone Flink 2.3.0 session cluster started by {@code jobs/cluster.sh} (a
 * JobManager and a TaskManager process, 2 slots, ZooKeeper high availability: the script's default,
 * with Debian's ZooKeeper), reading from a Kafka broker in this JVM. The script builds the job jar
 * and the cluster's lib/ itself.
 *
 * <p>Each test produces a known stream (event types sampled at rate 1, invalid records among them),
 * interrupts the job mid-stream while records keep arriving, resumes it, produces the rest, waits
 * until every record is consumed and ends with stop-with-savepoint {@code --drain}, which fires the
 * last windows. Then the aggregates topic (read_committed, highest version per granularity, key and
 * window) must equal the counts computed from the produced stream, at every granularity, and the
 * dead-letter topic must hold every invalid record exactly once: nothing lost or doubled across the
 * interruption.
 */
class StandaloneClusterITCase {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
  private static final String[] TYPES = {"checkout.completed", "search.query", "api.error"};
  private static final Duration SHORT = Duration.ofMinutes(2);

  private static EmbeddedKafka kafka;
  private static ClusterScript cluster;
  private static Thread killer;

  @BeforeAll
  static void startCluster() throws Exception {
    kafka = EmbeddedKafka.start();
    Path home = Path.of("target/cluster-it").toAbsolutePath();
    for (String stale : List.of("checkpoints", "savepoints", "jobs", "log")) {
      deleteRecursively(home.resolve(stale));
    }
    // Fast detection of a killed TaskManager; otherwise the script's defaults.
    cluster = new ClusterScript(home, "heartbeat.interval: 1000\nheartbeat.timeout: 10000");
    killer = new Thread(cluster::kill, "stop-flink-cluster");
    Runtime.getRuntime().addShutdownHook(killer);
    cluster.run(Duration.ofMinutes(5), "start");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (cluster != null) {
        cluster.run(SHORT, "stop");
        assertThat(
                cluster.alive("jobmanager")
                    || cluster.alive("taskmanager")
                    || cluster.alive("zookeeper"))
            .isFalse();
      }
    } finally {
      if (cluster != null) {
        cluster.kill();
        Runtime.getRuntime().removeShutdownHook(killer);
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  @Test
  void stopWithSavepointMidStreamThenResumeRescaledLosesAndDoublesNothing() throws Exception {
    String name = "savepoint";
    // 40 s of input at the producer's pace: a stop-with-savepoint took 19 s on a loaded machine,
    // and the stream must still be running when it completes.
    KnownStream stream = KnownStream.of(name, 60_000);
    kafka.createTopics(2, stream.topic(), name + "-dead-letters", name + "-aggregates");

    cluster.run(Duration.ofMinutes(5), command(jobArgs(name, 2), "submit"));
    String first = cluster.lastJobId();
    cluster.awaitRunning(first, SHORT);

    PacedProducer producer = new PacedProducer(stream, 1_500);
    producer.start();
    producer.awaitSent(3_000);
    String savepoint = cluster.run(SHORT, "stop-job").lastLine();
    producer.stopAfter(Duration.ofMillis(500));
    int sentBeforeResume = producer.sent();
    int committedAtStop =
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-aggregates").size();
    cluster.log(
        "-- stopped mid-stream: "
            + sentBeforeResume
            + " of "
            + stream.inputs().size()
            + " records produced, "
            + committedAtStop
            + " window results committed; savepoint "
            + savepoint);
    assertThat(savepoint.startsWith("file:") && savepoint.contains("savepoint-"))
        .as(savepoint)
        .isTrue();
    assertThat(sentBeforeResume < stream.inputs().size())
        .as("the stop was not mid-stream")
        .isTrue();
    assertThat(committedAtStop > 0).as("no window result before the stop").isTrue();

    produceRest(stream, sentBeforeResume);
    // Rescaled on resume: 2 -> 1 (keyed state is redistributed by key group).
    cluster.run(SHORT, command(jobArgs(name, 1), "resume", savepoint));
    String second = cluster.lastJobId();
    cluster.awaitRunning(second, SHORT);
    awaitConsumed(name + "-group", stream.topic());

    String metrics = prometheus();
    for (String metric : List.of("eventsIn", "deadLetters", "windowsEmitted", "sampledKept")) {
      assertThat(metrics.contains("flink_taskmanager_job_task_operator_" + metric))
          .as(metric + " not in the Prometheus reporter's output")
          .isTrue();
    }

    cluster.run(SHORT, "stop-job", "--drain", second);
    verify(name, stream, committedAtStop);
  }

  @Test
  void resumesFromTheLatestRetainedCheckpointAfterTheClusterCrashed() throws Exception {
    String name = "crash";
    KnownStream stream = KnownStream.of(name, 24_000);
    kafka.createTopics(2, stream.topic(), name + "-dead-letters", name + "-aggregates");

    cluster.run(Duration.ofMinutes(5), command(jobArgs(name, 2), "submit"));
    String job = cluster.lastJobId();
    cluster.awaitRunning(job, SHORT);

    PacedProducer producer = new PacedProducer(stream, 1_500);
    producer.start();
    producer.awaitSent(3_000);
    long checkpoints = cluster.completedCheckpoints(job);
    awaitUntil(() -> cluster.completedCheckpoints(job) >= checkpoints + 2, "2 more checkpoints");

    // The crash takes the machine: TaskManager and JobManager SIGKILLed, ZooKeeper gone with its
    // data and the HA store, so that the new cluster over the same checkpoint storage knows no job
    // (as a cluster without HA after any JobManager loss). Records keep arriving meanwhile.
    cluster.run(SHORT, "kill-tm");
    cluster.run(SHORT, "kill-jm");
    cluster.run(SHORT, "stop");
    deleteRecursively(cluster.home().resolve("zookeeper"));
    deleteRecursively(cluster.home().resolve("ha"));
    producer.stopAfter(Duration.ofMillis(500));
    int sent = producer.sent();
    cluster.log("-- crashed mid-stream: " + sent + " of " + stream.inputs().size() + " produced");
    assertThat(sent < stream.inputs().size()).as("the crash was not mid-stream").isTrue();
    produceRest(stream, sent);

    cluster.run(Duration.ofMinutes(3), "start");
    assertThat(cluster.rest("/jobs/overview").get("jobs").size())
        .as("jobs known to the new cluster")
        .isEqualTo(0);
    // The safe path is the easy one: submitting the job again is refused while its crashed run
    // left a retained checkpoint, and resume (no job arguments: those of the last submission) takes
    // the latest of them.
    ClusterScript.Result again =
        cluster.runAllowingFailure(SHORT, command(jobArgs(name, 2), "submit"));
    assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
    assertThat(
            again
                    .stderr()
                    .contains("an earlier job of instance 'cluster-it-crash' left state: file:")
                && again.stderr().contains("/" + job + "/chk-")
                && again.stderr().contains("jobs/cluster.sh submit --fresh"))
        .as(again.stderr())
        .isTrue();
    ClusterScript.Result resume = cluster.run(SHORT, "resume");
    assertThat(
            resume.stderr().contains("resuming instance 'cluster-it-crash' from file:")
                && resume.stderr().contains("/" + job + "/chk-"))
        .as(resume.stderr())
        .isTrue();
    String resumed = cluster.lastJobId();
    cluster.awaitRunning(resumed, SHORT);
    awaitConsumed(name + "-group", stream.topic());
    cluster.run(SHORT, "stop-job", "--drain");
    verify(name, stream, 0);
  }

  /**
   * High availability: the JobManager SIGKILLed mid-stream while records keep arriving, a new one
   * started; it takes the leadership through ZooKeeper and recovers the same job (no submission)
   * from the latest completed checkpoint in the HA store, on the TaskManager that stayed. The
   * results then equal the produced stream, nothing lost or doubled.
   */
  @Test
  void aKilledJobManagerIsReplacedAndRecoversTheJobByItself() throws Exception {
    String name = "failover";
    KnownStream stream = KnownStream.of(name, 60_000);
    kafka.createTopics(2, stream.topic(), name + "-dead-letters", name + "-aggregates");

    cluster.run(Duration.ofMinutes(5), command(jobArgs(name, 2), "submit"));
    String job = cluster.lastJobId();
    cluster.awaitRunning(job, SHORT);
    long taskManager =
        Long.parseLong(Files.readString(cluster.home().resolve("taskmanager.pid")).strip());

    PacedProducer producer = new PacedProducer(stream, 1_500);
    producer.start();
    producer.awaitSent(3_000);
    long checkpoints = cluster.completedCheckpoints(job);
    awaitUntil(() -> cluster.completedCheckpoints(job) >= checkpoints + 2, "2 more checkpoints");
    long lastCompleted =
        cluster
            .rest("/jobs/" + job + "/checkpoints")
            .path("latest")
            .path("completed")
            .path("id")
            .asLong();

    long killed = System.nanoTime();
    cluster.run(SHORT, "kill-jm");
    int sentAtKill = producer.sent();
    assertThat(sentAtKill < stream.inputs().size()).as("the kill was not mid-stream").isTrue();
    cluster.run(SHORT, "start-jm");
    cluster.awaitRunning(job, Duration.ofMinutes(3));
    long recoveredMillis = (System.nanoTime() - killed) / 1_000_000;

    JsonNode restored =
        cluster.rest("/jobs/" + job + "/checkpoints").path("latest").path("restored");
    cluster.log(
        String.format(
            "-- JobManager SIGKILLed after %d of %d records, checkpoint %d the latest completed;"
                + " job %s RUNNING again after %.1f s, restored from %s",
            sentAtKill,
            stream.inputs().size(),
            lastCompleted,
            job,
            recoveredMillis / 1e3,
            restored));
    assertThat(cluster.lastJobId()).as("no new submission").isEqualTo(job);
    JsonNode jobs = cluster.rest("/jobs/overview").get("jobs");
    assertThat(jobs.size()).as(jobs.toString()).isEqualTo(1);
    assertThat(jobs.get(0).get("jid").asText()).isEqualTo(job);
    assertThat(restored.path("is_savepoint").asBoolean(true)).as(restored.toString()).isFalse();
    assertThat(restored.path("id").asLong())
        .as(restored.toString())
        .isGreaterThanOrEqualTo(lastCompleted);
    assertThat(cluster.alive("taskmanager")).isTrue();
    assertThat(Long.parseLong(Files.readString(cluster.home().resolve("taskmanager.pid")).strip()))
        .as("the TaskManager stayed")
        .isEqualTo(taskManager);

    producer.awaitSent(stream.inputs().size());
    producer.stopAfter(Duration.ZERO);
    awaitConsumed(name + "-group", stream.topic());
    cluster.run(SHORT, "stop-job", "--drain", job);
    verify(name, stream, 0);
  }

  /**
   * A job whose TaskManager died mid-stream and which was then cancelled: the Kafka transactions of
   * its running checkpoint are still open. A new submission of the instance is refused; with
   * --fresh it starts, and says at start-up, in the client's output, what it is about to roll back.
   */
  @Test
  void aStartWithoutStateOverUncommittedWorkNeedsFreshAndIsLoud() throws Exception {
    String name = "fresh";
    KnownStream stream = KnownStream.of(name, 24_000);
    kafka.createTopics(2, stream.topic(), name + "-dead-letters", name + "-aggregates");
    // Checkpoints 10 s apart: killed 4 s after one, the transactions of the next hold records
    // (with checkpoints every second, a subtask's transaction was often still empty).
    List<String> args = new ArrayList<>(jobArgs(name, 2));
    args.set(args.indexOf("--checkpoint.interval") + 1, "10 s");
    cluster.run(Duration.ofMinutes(5), command(args, "submit"));
    String job = cluster.lastJobId();
    cluster.awaitRunning(job, SHORT);
    PacedProducer producer = new PacedProducer(stream, 1_500);
    producer.start();
    producer.awaitSent(1_000);
    long checkpoints = cluster.completedCheckpoints(job);
    awaitUntil(() -> cluster.completedCheckpoints(job) > checkpoints, "a checkpoint");
    Thread.sleep(4_000);
    cluster.run(SHORT, "kill-tm");
    producer.stopAfter(Duration.ZERO);
    cluster.run(SHORT, "cancel", job);
    cluster.run(SHORT, "start-tm");

    ClusterScript.Result refused =
        cluster.runAllowingFailure(SHORT, command(jobArgs(name, 2), "submit"));
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.stderr().contains("instance 'cluster-it-fresh' left state"))
        .as(refused.stderr())
        .isTrue();

    ClusterScript.Result started =
        cluster.run(Duration.ofMinutes(2), command(jobArgs(name, 2), "submit", "--fresh"));
    String second = cluster.lastJobId();
    try {
      String output = started.stdout() + started.stderr();
      assertThat(
              output.contains("job instance 'cluster-it-fresh' starts WITHOUT STATE")
                  && output.contains("open transaction(s) of this instance: cluster-it-fresh-"))
          .as(output)
          .isTrue();
      cluster.awaitRunning(second, SHORT);
    } finally {
      cluster.run(SHORT, "cancel", second);
    }
  }

  // ---- the known stream and its expected results ----

  /** Valid events of rate-1 types 25 ms of event time apart, and an invalid record per 1,000. */
  record KnownStream(
      String topic, List<Input> inputs, Map<String, Map<Long, Long>> expected, int invalid) {
    static KnownStream of(String name, int valid) {
      List<Input> inputs = new ArrayList<>();
      Map<String, Map<Long, Long>> expected = new TreeMap<>();
      int invalid = 0;
      for (int i = 0; i < valid; i++) {
        String type = TYPES[i % TYPES.length];
        long ts = START + i * 25L;
        String json =
            "{\"event_id\":\""
                + name
                + "-"
                + i
                + "\",\"event_type\":\""
                + type
                + "\",\"timestamp\":\""
                + Instant.ofEpochMilli(ts)
                + "\",\"value\":"
                + (i % 997)
                + "}";
        inputs.add(new Input(i % 2, json.getBytes(StandardCharsets.UTF_8)));
        expected.computeIfAbsent(type, t -> new TreeMap<>()).merge(ts - ts % 60_000, 1L, Long::sum);
        if (i % 1_000 == 500) {
          inputs.add(new Input(i % 2, "{not json".getBytes(StandardCharsets.UTF_8)));
          invalid++;
        }
      }
      return new KnownStream(name + "-events", inputs, expected, invalid);
    }
  }

  private static List<String> jobArgs(String name, int parallelism) {
    return List.of(
        "--job.name",
        "cluster-it-" + name,
        "--job.parallelism",
        String.valueOf(parallelism),
        "--kafka.bootstrap-servers",
        kafka.bootstrapServers(),
        "--kafka.topic",
        name + "-events",
        "--kafka.group-id",
        name + "-group",
        "--kafka.start-position",
        "earliest",
        "--kafka.bounded",
        "false",
        "--kafka.transactional-id-prefix",
        "cluster-it-" + name,
        "--dead-letter.topic",
        name + "-dead-letters",
        "--output.aggregates-topic",
        name + "-aggregates",
        "--checkpoint.interval",
        "1 s",
        "--checkpoint.dir",
        cluster.home().resolve("checkpoints").toUri().toString(),
        // Both partitions always have data; an idle one must not advance the watermark.
        "--watermark.idleness",
        "0 ms");
  }

  /**
   * The committed aggregates, highest version per (granularity, type, window), equal the expected
   * minutes and their hour and day rollups; every invalid record is one dead letter.
   */
  private static void verify(String name, KnownStream stream, int committedBefore)
      throws Exception {
    Map<String, Map<String, Map<Long, Long>>> counted = new TreeMap<>();
    Map<String, Integer> versions = new HashMap<>();
    List<ConsumerRecord<byte[], byte[]>> records =
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-aggregates");
    for (ConsumerRecord<byte[], byte[]> r : records) {
      JsonNode a = JSON.readTree(r.value());
      String granularity = a.get("granularity").asText();
      String type = a.get("event_type").asText();
      long start = Instant.parse(a.get("window_start").asText()).toEpochMilli();
      String id = granularity + "/" + type + "@" + start;
      int version = a.get("version").asInt();
      if (versions.getOrDefault(id, -1) < version) {
        versions.put(id, version);
        counted
            .computeIfAbsent(granularity, g -> new TreeMap<>())
            .computeIfAbsent(type, t -> new TreeMap<>())
            .put(start, Math.round(a.get("estimated_count").asDouble()));
      }
    }
    assertThat(counted.get("1m")).as("1-minute window counts").isEqualTo(stream.expected());
    Map<String, Map<Long, Long>> rollup = new TreeMap<>();
    stream
        .expected()
        .forEach(
            (type, minutes) ->
                rollup.put(
                    type,
                    Map.of(
                        START - START % 3_600_000,
                        minutes.values().stream().mapToLong(v -> v).sum())));
    assertThat(counted.get("1h")).as("1-hour rollup counts").isEqualTo(rollup);
    Map<String, Map<Long, Long>> daily = new TreeMap<>();
    rollup.forEach(
        (t, m) -> daily.put(t, Map.of(START - START % 86_400_000, m.values().iterator().next())));
    assertThat(counted.get("1d")).as("1-day rollup counts").isEqualTo(daily);
    assertThat(records.size() > committedBefore).as("results after the resume").isTrue();

    List<ConsumerRecord<byte[], byte[]>> letters =
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-dead-letters");
    Set<String> sources = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : letters) {
      JsonNode d = JSON.readTree(r.value());
      assertThat(d.get("reason").asText()).isEqualTo("malformed_json");
      assertThat(
              sources.add(
                  d.get("source_partition").asInt() + "/" + d.get("source_offset").asLong()))
          .as("dead letter twice: " + d)
          .isTrue();
    }
    assertThat(letters.size()).as("dead letters").isEqualTo(stream.invalid());
    cluster.log(
        "-- verified "
            + name
            + ": "
            + versions.size()
            + " windows exact at 1m/1h/1d from "
            + records.size()
            + " committed results; "
            + letters.size()
            + " dead letters, each once");
  }

  // ---- Kafka helpers ----

  /** Sends the stream's records at a steady rate until told to stop. */
  private static final class PacedProducer extends Thread {
    private final KnownStream stream;
    private final int perSecond;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Exception failure;

    PacedProducer(KnownStream stream, int perSecond) {
      super("paced-producer");
      this.stream = stream;
      this.perSecond = perSecond;
    }

    @Override
    public void run() {
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        long started = System.nanoTime();
        List<Input> inputs = stream.inputs();
        while (!stop.get() && sent.get() < inputs.size()) {
          long due = started + sent.get() * 1_000_000_000L / perSecond;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
          Input in = inputs.get(sent.get());
          producer.send(new ProducerRecord<>(stream.topic(), in.partition(), null, in.value()));
          if (sent.incrementAndGet() % 100 == 0) {
            producer.flush();
          }
        }
        producer.flush();
      } catch (Exception e) {
        failure = e;
      }
    }

    void awaitSent(int n) throws Exception {
      awaitUntil(() -> sent.get() >= n || !isAlive(), n + " records sent");
    }

    /** Keeps sending for {@code more}, then stops; returns once every sent record is flushed. */
    void stopAfter(Duration more) throws Exception {
      Thread.sleep(more.toMillis());
      stop.set(true);
      join();
      if (failure != null) {
        throw failure;
      }
    }

    int sent() {
      return sent.get();
    }
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("acks", "all");
    p.put("linger.ms", "5");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void produceRest(KnownStream stream, int from) throws Exception {
    List<Input> inputs = stream.inputs();
    KafkaTopics.produce(
        kafka.bootstrapServers(), stream.topic(), inputs.subList(from, inputs.size()));
  }

  /** Waits until the job has committed (on a checkpoint) the end offset of every partition. */
  private static void awaitConsumed(String group, String topic) throws Exception {
    ConsumerGroups.awaitCommittedToEnd(kafka.adminProperties(), group, topic, SHORT);
    cluster.log("-- every record of " + topic + " consumed and checkpointed");
  }

  private String prometheus() throws Exception {
    String[] range = cluster.prometheusPorts().split("-");
    StringBuilder out = new StringBuilder();
    for (int port = Integer.parseInt(range[0]); port <= Integer.parseInt(range[1]); port++) {
      out.append(cluster.get("http://localhost:" + port + "/metrics"));
    }
    return out.toString();
  }

  // ---- small utilities ----

  interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitUntil(Condition condition, String what) throws Exception {
    long deadline = System.nanoTime() + SHORT.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  /** The command words {@code head} followed by {@code tail}. */
  private static String[] command(List<String> tail, String... head) {
    return Stream.concat(Stream.of(head), tail.stream()).toArray(String[]::new);
  }

  private static void deleteRecursively(Path dir) throws Exception {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
