package dev.analytics.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.sampling.SamplingDecision;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.ClickHouseServer;
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
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job with a real Kafka and a control topic: a sampling-rate change and a threshold
 * change take effect at their effective event time, a change of the ClickHouse inserts' row bounds
 * reaches the writers; bad changes are refused with their reason and change nothing; the same input
 * and control stream give identical rows twice; a change applied while the job runs, before a stop
 * with savepoint, is restored with it.
 */
class RunTimeControlITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-06-01T00:00:00Z").toEpochMilli();
  private static final long MINUTE = 60_000;
  private static final String SAMPLED = "page.view";
  private static final List<String> WATCHED = List.of("checkout.done", "signup.done");

  private static final String HIGH = "api.error";

  private static EmbeddedKafka kafka;
  private static ClickHouseServer clickhouse;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    clickhouse = ClickHouseServer.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
    clickhouse.close();
  }

  /**
   * Minutes [from, to): {@link #SAMPLED} every 100 ms, {@link #HIGH} (high priority) every 2 s;
   * each watched type every 300 ms (200 a minute), 2,000 in minutes 4 and 10 (spikes), each record
   * reaching Kafka 100 ms after its event time.
   */
  private static List<Input> traffic(int from, int to) {
    List<Input> records = new ArrayList<>();
    for (long t = START + from * MINUTE; t < START + to * MINUTE; t += 10) {
      long minute = (t - START) / MINUTE;
      boolean spike = minute == 4 || minute == 10;
      if ((t - START) % 100 == 0) {
        records.add(new Input(0, event(SAMPLED + "-" + t, SAMPLED, t), t + 100));
      }
      if ((t - START) % 2_000 == 0) {
        records.add(new Input(0, event(HIGH + "-" + t, HIGH, t), t + 100));
      }
      if ((t - START) % (spike ? 30 : 300) == 0) {
        for (int i = 0; i < WATCHED.size(); i++) {
          String type = WATCHED.get(i);
          records.add(new Input(1 + i, event(type + "-" + t, type, t), t + 100));
        }
      }
    }
    return records;
  }

  private static byte[] event(String id, String type, long ts) {
    return BoundedJobs.eventJson(id, type, ts, null).getBytes(StandardCharsets.UTF_8);
  }

  private Map<String, String> config(String name, String control) {
    Map<String, String> values =
        BoundedJobs.config(kafka.bootstrapServers(), name, tmp.resolve(name + "-checkpoints"));
    values.put("output.aggregates-topic", name + "-aggregates");
    values.put("output.alerts-topic", name + "-alerts");
    values.put("control.topic", control);
    values.put("control.applied-topic", name + "-applied");
    values.put("control.refused-topic", name + "-refused");
    values.put("detection.mode", "seed");
    values.put("detection.warmup", "3");
    values.put("detection.cooldown", "2");
    // Pre-aggregation flushes its partials at checkpoints, whose timing follows the wall clock:
    // sums merged in another order differ in their last bits. Without it, rows are byte for byte
    // a function of the input and the control stream.
    values.put("window.pre-aggregate", "false");
    return values;
  }

  private static void control(String topic, String key, String value, Long from) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      byte[] v =
          value == null
              ? null
              : value.startsWith("{")
                  ? value.getBytes(StandardCharsets.UTF_8)
                  : ControlJson.requestValue(
                      value, from == null ? null : Instant.ofEpochMilli(from));
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), v)).get();
    }
  }

  @Test
  void changesApplyAtTheirEventTimeBadOnesAreRefusedAndTheSameInputGivesTheSameRows()
      throws Exception {
    kafka.createTopics(1, "control-a");
    control("control-a", "sampling.rates." + SAMPLED, "0.1", START + 5 * MINUTE);
    control(
        "control-a",
        "detection.overrides.checkout.done",
        "spike-factor=1000 sigma=1000 anomaly.min-change=1000",
        START + 8 * MINUTE);
    control("control-a", "clickhouse.events.batch.max-rows", "600", null);
    control("control-a", "sampling.rates." + SAMPLED, "1.5", START + 7 * MINUTE);
    control("control-a", "window.size", "5 min", null);
    control("control-a", "sampling.default-rate", "{\"rate\": 0.5}", null);

    Map<String, List<String>> first = run("run-a", "control-a");
    Map<String, List<String>> second = run("run-b", "control-a");

    // The sampling rate of page.view from minute 5 on, exactly the ids the hash keeps.
    Map<Long, JsonNode> pageViews = latest(first.get("aggregates"), SAMPLED);
    assertThat(pageViews.keySet()).hasSize(12);
    for (Map.Entry<Long, JsonNode> e : pageViews.entrySet()) {
      long minute = (e.getKey() - START) / MINUTE;
      double rate = minute < 5 ? 1.0 : 0.1;
      long kept = 0;
      for (long t = e.getKey(); t < e.getKey() + MINUTE; t += 100) {
        kept += SamplingDecision.keep(SAMPLED + "-" + t, rate) ? 1 : 0;
      }
      JsonNode a = e.getValue();
      assertThat(a.get("sample_rate").asDouble()).as("rate of minute %d", minute).isEqualTo(rate);
      assertThat(a.get("kept_count").asLong()).as("kept in minute %d", minute).isEqualTo(kept);
      assertThat(a.get("estimated_count").asDouble())
          .as("estimate of minute %d", minute)
          .isCloseTo(kept / rate, org.assertj.core.data.Offset.offset(1e-6));
    }
    assertThat(pageViews.get(START + 4 * MINUTE).get("kept_count").asLong()).isEqualTo(600);

    // The threshold change from minute 8 on silences checkout.done's second spike, not its first.
    Map<String, TreeSet<Long>> alerted = alertedWindows(first.get("alerts"));
    assertThat(alerted.get("signup.done")).contains(START + 4 * MINUTE, START + 10 * MINUTE);
    assertThat(alerted.get("checkout.done")).contains(START + 4 * MINUTE);
    assertThat(alerted.get("checkout.done").tailSet(START + 8 * MINUTE)).isEmpty();

    // Refused: whole, with the key and the reason; applied: two, with their times.
    assertThat(first.get("refused"))
        .satisfiesExactly(
            r -> assertThat(r).contains("sampling.rates").contains("1.5"),
            r -> assertThat(r).contains("window.size cannot change while the job runs"),
            r -> assertThat(r).contains("needs a field 'value'"));
    assertThat(first.get("applied")).hasSize(3);
    assertThat(JSON.readTree(first.get("applied").get(0)).get("effective_from").asText())
        .isEqualTo("2026-06-01T00:05:00Z");

    // The high-priority events through the sink whose inserts the control rebatched: all there.
    for (String db : List.of("run_a", "run_b")) {
      assertThat(clickhouse.rows("SELECT count() FROM " + db + ".high_priority_events FINAL"))
          .as("high-priority events in " + db)
          .containsExactly(String.valueOf(12 * 30));
    }

    // Same input, same control stream: the same rows.
    for (String output : List.of("aggregates", "alerts", "applied", "refused")) {
      assertThat(sorted(second.get(output)))
          .as(output + " of the second run")
          .isEqualTo(sorted(first.get(output)));
    }
  }

  @Test
  void aChangeAppliedWhileTheJobRunsIsStampedAtTheWatermarkAndSurvivesAStopWithSavepoint()
      throws Exception {
    kafka.createTopics(3, "live-events");
    KafkaTopics.produce(kafka.bootstrapServers(), "live-events", traffic(0, 6));
    kafka.createTopics(1, "control-live");
    for (String t : List.of("-aggregates", "-alerts", "-applied", "-refused", "-dead-letters")) {
      kafka.createTopics(1, "live" + t);
    }
    Map<String, String> values = config("live", "control-live");
    values.put("kafka.topic", "live-events");
    values.put("kafka.bounded", "false");
    JobClient job = BoundedJobs.start(JobConfig.of(values), null, "control-live-1");

    // Wait until the aggregates of minute 4 are committed: the watermark has passed minute 5.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!latest(read("live-aggregates"), SAMPLED).containsKey(START + 4 * MINUTE)) {
      assertThat(System.nanoTime()).as("minute 4 within 90 s").isLessThan(deadline);
      Thread.sleep(500);
    }
    control("control-live", "sampling.rates." + SAMPLED, "0.1", null);
    List<String> applied = read("live-applied");
    while (applied.isEmpty()) {
      assertThat(System.nanoTime()).as("the change applied within 90 s").isLessThan(deadline);
      Thread.sleep(500);
      applied = read("live-applied");
    }
    long from = JSON.readTree(applied.get(0)).get("effective_from_ms").asLong();
    // Every event of minutes 0-5 is in Kafka and read: the watermark is in minute 5, so the first
    // window no event can have reached is minute 6.
    assertThat(Instant.ofEpochMilli(from)).isEqualTo(Instant.ofEpochMilli(START + 6 * MINUTE));
    String savepoint =
        job.stopWithSavepoint(
                false, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get();

    // Restored splits keep the stopping offsets of the run they come from (none): the second run
    // is unbounded too, and drains its last windows when stopped.
    KafkaTopics.produce(kafka.bootstrapServers(), "live-events", traffic(6, 12));
    JobClient restored = BoundedJobs.start(JobConfig.of(values), savepoint, "control-live-2");
    long restoredDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!latest(read("live-aggregates"), SAMPLED).containsKey(START + 10 * MINUTE)) {
      assertThat(System.nanoTime()).as("minute 10 within 120 s").isLessThan(restoredDeadline);
      Thread.sleep(500);
    }
    restored
        .stopWithSavepoint(
            true, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
        .get();

    Map<Long, JsonNode> pageViews = latest(read("live-aggregates"), SAMPLED);
    assertThat(pageViews.keySet()).hasSize(12);
    for (Map.Entry<Long, JsonNode> e : pageViews.entrySet()) {
      assertThat(e.getValue().get("sample_rate").asDouble())
          .as("rate of %s", Instant.ofEpochMilli(e.getKey()))
          .isEqualTo(e.getKey() < from ? 1.0 : 0.1);
    }
    assertThat(read("live-applied")).as("applied once, restored from the savepoint").hasSize(1);

    // A replay of the instance from the beginning, without state: the change keeps the event
    // time the live run stamped (the audit topic says which), not "from the start", and the
    // audit topic does not get it twice.
    Map<String, String> replay = new HashMap<>(values);
    replay.put("kafka.bounded", "true");
    replay.put("kafka.transactional-id-prefix", "live-replay-" + System.nanoTime());
    for (String t : List.of("aggregates", "alerts", "dead-letters")) {
      kafka.createTopics(1, "live-replay-" + t);
    }
    replay.put("output.aggregates-topic", "live-replay-aggregates");
    replay.put("output.alerts-topic", "live-replay-alerts");
    replay.put("dead-letter.topic", "live-replay-dead-letters");
    BoundedJobs.start(JobConfig.of(replay), null, "control-live-replay")
        .getJobExecutionResult()
        .get();
    Map<Long, JsonNode> replayed = latest(read("live-replay-aggregates"), SAMPLED);
    assertThat(replayed.keySet()).isEqualTo(pageViews.keySet());
    for (Map.Entry<Long, JsonNode> e : replayed.entrySet()) {
      assertThat(e.getValue().get("sample_rate").asDouble())
          .as("replayed rate of %s", Instant.ofEpochMilli(e.getKey()))
          .isEqualTo(pageViews.get(e.getKey()).get("sample_rate").asDouble());
    }
    assertThat(read("live-applied")).as("the audit after the replay").hasSize(1);
  }

  @Test
  void aMissingControlTopicStopsTheSubmissionNamingIt() throws Exception {
    Map<String, String> values = config("missing", "no-such-control-topic");
    assertThatThrownBy(() -> ControlBootstrap.atSubmission(JobConfig.of(values)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("control.topic 'no-such-control-topic' does not exist");
    try (Admin admin = Admin.create(kafka.adminProperties())) {
      assertThat(admin.listTopics().names().get())
          .as("not created by asking for it")
          .doesNotContain("no-such-control-topic");
    }
  }

  private Map<String, List<String>> run(String name, String control) throws Exception {
    for (String t : List.of("-aggregates", "-alerts", "-applied", "-refused", "-dead-letters")) {
      kafka.createTopics(1, name + t);
    }
    String db = name.replace('-', '_');
    clickhouse.query("CREATE DATABASE " + db);
    Map<String, String> values = config(name, control);
    values.put("clickhouse.url", clickhouse.url());
    values.put("clickhouse.database", db);
    values.put("clickhouse.create-tables", "true");
    values.put("kafka.topic", name + "-events");
    values.put("kafka.bounded", "false");
    kafka.createTopics(3, name + "-events");
    // A replay from the beginning: the control records and all the events are in Kafka before the
    // job starts, so its event source races through them while the control source starts too.
    KafkaTopics.produce(kafka.bootstrapServers(), name + "-events", traffic(0, 12));
    JobClient job = BoundedJobs.start(JobConfig.of(values), null, name);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!latest(read(name + "-aggregates"), SAMPLED).containsKey(START + 10 * MINUTE)) {
      assertThat(System.nanoTime()).as("minute 10 within 90 s").isLessThan(deadline);
      Thread.sleep(300);
    }
    // Drained: the last windows close as at the end of a bounded input.
    job.stopWithSavepoint(
            true,
            tmp.resolve(name + "-savepoints").toUri().toString(),
            SavepointFormatType.CANONICAL)
        .get();
    Map<String, List<String>> out = new HashMap<>();
    for (String t : List.of("aggregates", "alerts", "applied", "refused")) {
      out.put(t, read(name + "-" + t));
    }
    return out;
  }

  private static List<String> read(String topic) {
    List<String> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), topic)) {
      values.add(new String(r.value(), StandardCharsets.UTF_8));
    }
    return values;
  }

  /** The rows as a sorted list, without the time they were asked for (a property of the run). */
  private static List<String> sorted(List<String> rows) {
    return rows.stream().map(r -> r.replaceAll("\"requested_at_ms\":\\d+", "")).sorted().toList();
  }

  /** The highest version of each 1-minute aggregate of {@code type}, by window start. */
  private static Map<Long, JsonNode> latest(List<String> aggregates, String type) throws Exception {
    Map<Long, JsonNode> latest = new TreeMap<>();
    for (String json : aggregates) {
      JsonNode a = JSON.readTree(json);
      if (!a.get("granularity").asText().equals("1m")
          || !a.get("event_type").asText().equals(type)) {
        continue;
      }
      long start = Instant.parse(a.get("window_start").asText()).toEpochMilli();
      JsonNode before = latest.get(start);
      if (before == null || before.get("version").asInt() < a.get("version").asInt()) {
        latest.put(start, a);
      }
    }
    return latest;
  }

  private static Map<String, TreeSet<Long>> alertedWindows(List<String> alerts) throws Exception {
    Map<String, TreeSet<Long>> windows = new TreeMap<>();
    for (String json : alerts) {
      JsonNode a = JSON.readTree(json);
      windows
          .computeIfAbsent(a.get("event_type").asText(), t -> new TreeSet<>())
          .add(Instant.parse(a.get("window_start").asText()).toEpochMilli());
    }
    return windows;
  }
}
