package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.local.TrafficGenerator;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.sampling.SamplingRates;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a MiniCluster against a real in-JVM Kafka: N valid and M invalid records
 * in; exactly N counted in the windows and exactly M dead letters with their reasons out, both read
 * with read_committed. Again with a failure injected after a completed checkpoint.
 */
class IngestPipelineITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  private static final String[] TYPES = {"checkout.completed", "search.query", "api.error"};

  /** Invalid records of many kinds, with the reason each must get. */
  private static final Map<String, String> INVALID =
      Map.ofEntries(
          Map.entry("{not json", "malformed_json"),
          Map.entry("[1,2,3]", "not_an_object"),
          Map.entry("", "empty_record"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"a b\",\"timestamp\":\"2026-01-01T00:00:00Z\"}",
              "invalid_event_type"),
          Map.entry(
              "{\"event_type\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\"}", "missing_field"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                  + "\"value\":\"fast\"}",
              "wrong_type"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                  + "\"value\":NaN}",
              "non_finite_number"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"t\",\"timestamp\":\"2026-01-01T00:00:00\"}",
              "invalid_timestamp"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"t\",\"timestamp\":1700000000}",
              "timestamp_out_of_range"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                  + "\"dimensions\":{\"region\":7}}",
              "wrong_type"),
          Map.entry(
              "{\"event_id\":\"x\",\"event_type\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                  + "\"priority\":\"urgent\"}",
              "invalid_priority"));

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
  void countsEveryValidEventOnceAndDeadLettersEveryInvalidRecord() throws Exception {
    runAndVerify("plain", 30_000, UnaryOperator.identity());
  }

  @Test
  void staysExactAfterAFailureInjectedAfterACompletedCheckpoint() throws Exception {
    FailOnceAfterCheckpoint.reset();
    runAndVerify("failure", 30_000, s -> s.map(new FailOnceAfterCheckpoint()).name("Fail once"));
    assertThat(FailOnceAfterCheckpoint.FAILED.get())
        .as("the injected failure did not happen")
        .isTrue();
  }

  @Test
  void sampledEstimatesStayWithinThreeStandardDeviationsAndAreExactAtRateOne() throws Exception {
    String name = "sampled";
    kafka.createTopics(2, name + "-events", name + "-dead-letters", name + "-aggregates");
    // Generated traffic: true counts per (type, minute) known; the default sampling rates.
    Map<String, Map<Long, Long>> truth = new TreeMap<>();
    List<Input> inputs = new ArrayList<>();
    for (TrafficGenerator.Generated g :
        TrafficGenerator.batch(new TrafficGenerator.Settings(11, 200, 0.01, START, 0.0), 100_000)) {
      inputs.add(new Input(inputs.size() % 2, g.bytes(), g.eventTime()));
      if (g.valid()) {
        truth
            .computeIfAbsent(g.eventType(), t -> new TreeMap<>())
            .merge(g.eventTime() - Math.floorMod(g.eventTime(), 60_000L), 1L, Long::sum);
      }
    }
    KafkaTopics.produce(kafka.bootstrapServers(), name + "-events", inputs);
    Map<String, String> values = baseConfig(name);
    values.put("window.rollups", "");
    run(name, JobConfig.of(values), UnaryOperator.identity());

    SamplingRates rates = SamplingRates.from(JobConfig.of(values));
    int checked = 0;
    Map<String, Map<Long, Double>> estimated = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-aggregates")) {
      JsonNode a = JSON.readTree(r.value());
      estimated
          .computeIfAbsent(a.get("event_type").asText(), t -> new TreeMap<>())
          .put(
              Instant.parse(a.get("window_start").asText()).toEpochMilli(),
              a.get("estimated_count").asDouble());
    }
    assertThat(estimated.keySet()).as("event types").isEqualTo(truth.keySet());
    for (Map.Entry<String, Map<Long, Long>> type : truth.entrySet()) {
      double rate = rates.rateFor(type.getKey());
      assertThat(type.getValue().keySet().containsAll(estimated.get(type.getKey()).keySet()))
          .as("no window without events")
          .isTrue();
      for (Map.Entry<Long, Long> window : type.getValue().entrySet()) {
        long n = window.getValue();
        // A window whose few events were all sampled out emits nothing: an estimate of 0.
        double estimate = estimated.get(type.getKey()).getOrDefault(window.getKey(), 0.0);
        String id = type.getKey() + "@" + window.getKey() + " rate " + rate;
        if (rate == 1.0) {
          assertThat(estimate).as(id).isCloseTo(n, within(0.0));
        } else {
          // Horvitz-Thompson with Bernoulli(rate) sampling: Var = n (1 - rate) / rate.
          double sd = Math.sqrt(n * (1 - rate) / rate);
          assertThat(Math.abs(estimate - n) <= 3 * sd)
              .as(id + ": " + estimate + " vs " + n)
              .isTrue();
          checked++;
        }
      }
    }
    assertThat(checked >= 20).as("sampled windows checked: " + checked).isTrue();
  }

  private void runAndVerify(
      String name, int validCount, UnaryOperator<DataStream<ParsedRecord>> inject)
      throws Exception {
    String events = name + "-events";
    String deadLetters = name + "-dead-letters";
    String aggregates = name + "-aggregates";
    kafka.createTopics(2, events, deadLetters, aggregates);

    // Valid events over 10 minutes of event time, round-robin on 2 partitions; invalid records
    // spread among them.
    List<Input> inputs = new ArrayList<>();
    Map<String, Map<Long, Long>> expected = new TreeMap<>();
    Map<String, Integer> expectedReasons = new TreeMap<>();
    List<Map.Entry<String, String>> invalid = new ArrayList<>(INVALID.entrySet());
    int invalidCount = 0;
    for (int i = 0; i < validCount; i++) {
      String type = TYPES[i % TYPES.length];
      long ts = START + i * 20L; // 30,000 events over 600 s
      inputs.add(
          new Input(
              i % 2,
              BoundedJobs.eventJson("e-" + i, type, ts, "eu").getBytes(StandardCharsets.UTF_8)));
      expected.computeIfAbsent(type, t -> new TreeMap<>()).merge(ts - ts % 60_000, 1L, Long::sum);
      if (i % 500 == 0) {
        Map.Entry<String, String> bad = invalid.get(invalidCount % invalid.size());
        inputs.add(new Input(i % 2, bad.getKey().getBytes(StandardCharsets.UTF_8)));
        expectedReasons.merge(bad.getValue(), 1, Integer::sum);
        invalidCount++;
      }
    }
    // Invalid UTF-8 as well.
    inputs.add(new Input(1, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
    expectedReasons.merge("invalid_utf8", 1, Integer::sum);
    invalidCount++;
    KafkaTopics.produce(kafka.bootstrapServers(), events, inputs);

    run(name, JobConfig.of(baseConfig(name)), inject);

    // Window results: the highest version of each (granularity, type, window).
    Map<String, Map<String, Map<Long, Long>>> counted = new TreeMap<>();
    Map<String, Integer> versions = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), aggregates)) {
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
        assertThat(a.get("estimated_count").asDouble())
            .isEqualTo(Double.valueOf(a.get("kept_count").asLong()));
      }
    }
    assertThat(counted.get("1m")).as("1-minute window counts").isEqualTo(expected);
    assertThat(
            counted.get("1m").values().stream()
                .flatMap(m -> m.values().stream())
                .mapToLong(v -> v)
                .sum())
        .isEqualTo(validCount);
    // Rollups merge the minutes: all 10 minutes fall in one hour and one day.
    Map<String, Map<Long, Long>> hourly = new TreeMap<>();
    expected.forEach(
        (type, minutes) ->
            hourly.put(type, Map.of(START, minutes.values().stream().mapToLong(v -> v).sum())));
    assertThat(counted.get("1h")).as("1-hour rollup counts").isEqualTo(hourly);
    assertThat(counted.get("1d")).as("1-day rollup counts").isEqualTo(hourly);

    Map<String, Integer> reasons = new TreeMap<>();
    List<ConsumerRecord<byte[], byte[]>> letters =
        CommittedRecords.readAll(kafka.bootstrapServers(), deadLetters);
    for (ConsumerRecord<byte[], byte[]> r : letters) {
      JsonNode d = JSON.readTree(r.value());
      reasons.merge(d.get("reason").asText(), 1, Integer::sum);
      assertThat(d.get("source_topic").asText()).isEqualTo(events);
      assertThat(d.get("source_offset").asLong() >= 0).isTrue();
      assertThat(d.get("detail").asText().length() > 5).as(d.toString()).isTrue();
    }
    assertThat(letters.size()).as("dead letters").isEqualTo(invalidCount);
    assertThat(reasons).as("dead-letter reasons").isEqualTo(expectedReasons);
  }

  /** A bounded job over {@code name-events} writing to {@code name-dead-letters/-aggregates}. */
  private Map<String, String> baseConfig(String name) {
    Map<String, String> values =
        BoundedJobs.config(kafka.bootstrapServers(), name, tmp.resolve("checkpoints"));
    values.put("output.aggregates-topic", name + "-aggregates");
    return values;
  }

  /** Runs the whole job on the MiniCluster until the bounded input ends. */
  static void run(String name, JobConfig config, UnaryOperator<DataStream<ParsedRecord>> inject)
      throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    DataStream<ParsedRecord> records = AnalyticsJob.kafkaRecords(env, config);
    PipelineSinks.prepareTables(config);
    PipelineSinks.attach(AnalyticsPipeline.build(inject.apply(records), config), config);
    env.execute(name);
  }

  /**
   * Throws once, on a record after the first completed checkpoint; slows the input until then so
   * that a checkpoint completes before the bounded input ends.
   */
  static final class FailOnceAfterCheckpoint
      implements MapFunction<ParsedRecord, ParsedRecord>, CheckpointListener {
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
    static final AtomicInteger SEEN = new AtomicInteger();

    static void reset() {
      FAILED.set(false);
      CHECKPOINTED.set(false);
      SEEN.set(0);
    }

    @Override
    public ParsedRecord map(ParsedRecord r) throws Exception {
      int seen = SEEN.incrementAndGet();
      if (!FAILED.get()) {
        if (CHECKPOINTED.get() && seen > 5_000) {
          FAILED.set(true);
          throw new RuntimeException("Injected failure after a completed checkpoint");
        }
        if (seen > 2_000) {
          Thread.sleep(1);
        }
      }
      return r;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      CHECKPOINTED.set(true);
    }
  }
}
