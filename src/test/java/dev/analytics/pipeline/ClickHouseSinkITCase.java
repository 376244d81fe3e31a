package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseCommittable;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSink;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSinks;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a MiniCluster, from a real in-JVM Kafka into a real private ClickHouse
 * (Debian's 18.16: no insert_deduplication_token, so the ReplacingMergeTree keys alone collapse
 * repeats), built like production ({@link AnalyticsPipeline#build} + {@link PipelineSinks#attach}).
 * Four failures: one injected after a completed checkpoint, one in a commit after its insert
 * succeeded, ClickHouse stopped for 30 s mid-run, and ClickHouse stopped for 5 minutes (system
 * property {@code clickhouse.outage.seconds}), which the sinks' circuit breakers must ride out
 * without a job restart. Each time the tables read with FINAL hold exactly the expected rows,
 * computed from the produced input: every window with its exact count, every alert, every
 * high-priority event once.
 */
class ClickHouseSinkITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final long START = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  // No sampling for these types (rate 1): counts are exact. api.error is high priority.
  private static final String[] TYPES = {"checkout.completed", "search.query", "api.error"};
  private static final int EVENTS = 9_000;
  private static final String DB = "analytics";

  private static EmbeddedKafka kafka;
  private static ClickHouseServer clickhouse;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    clickhouse = ClickHouseServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
    clickhouse.close();
  }

  @Test
  void shouldStayExactAfterAFailureInjectedAfterACompletedCheckpoint() throws Exception {
    FailOnceAfterCheckpoint.reset();
    Run run = new Run("after_checkpoint", 3, 1);
    run.inject = s -> s.map(new FailOnceAfterCheckpoint()).name("Fail once after a checkpoint");
    run.execute();
    assertThat(FailOnceAfterCheckpoint.FAILED).as("the injected failure happened").isTrue();
    run.verify();
  }

  @Test
  void shouldStayExactAfterAFailureDuringACommit() throws Exception {
    FailOnceAfterCommit.reset();
    Run run = new Run("during_commit", 3, 1);
    run.wrapAggregateSink = true;
    run.execute();

    assertThat(FailOnceAfterCommit.FAILED_TOKENS)
        .as("a commit failed after its insert")
        .isNotEmpty();
    // After the restart the committer committed the same committables again: the same bytes,
    // inserted a second time, collapsed by the table key.
    List<String> commits = new ArrayList<>(FailOnceAfterCommit.COMMITTED_TOKENS);
    for (String token : FailOnceAfterCommit.FAILED_TOKENS) {
      assertThat(commits).as("commits of " + token).filteredOn(token::equals).hasSize(2);
    }
    run.verify();
    // The repeated insert really reached the table (parts not merged yet, or merged to one row).
    long raw = run.count(run.aggregates, "");
    assertThat(raw).isGreaterThanOrEqualTo(run.count(run.aggregates, "FINAL"));
  }

  @Test
  void shouldStayExactWhenClickHouseIsDown30SecondsMidRun() throws Exception {
    // 5 ms per record and subtask: the input lasts about 25 s, so the outage falls mid-run.
    Run run = new Run("outage", 1, 5);
    JobClient job = run.executeAsync();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (run.countIfExists(run.aggregates) == 0) {
      assertThat(System.nanoTime()).as("first rows committed within 60 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    long rowsBefore = run.count(run.aggregates, "");

    clickhouse.stop();
    long stoppedAt = System.nanoTime();
    try {
      Thread.sleep(30_000);
      assertThat(job.getJobStatus().get())
          .as("the job waits for ClickHouse (retries, restarts) instead of finishing")
          .isIn(JobStatus.RUNNING, JobStatus.RESTARTING, JobStatus.CREATED, JobStatus.INITIALIZING);
    } finally {
      // Whatever happened, the other tests need the server back.
      clickhouse.restart();
    }

    job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
    assertThat(System.nanoTime() - stoppedAt).isGreaterThan(TimeUnit.SECONDS.toNanos(30));
    assertThat(rowsBefore).isLessThan(run.expectedWindows());
    run.verify();
  }

  /**
   * ClickHouse down for {@code clickhouse.outage.seconds} (5 minutes unless set) while the job
   * reads: far longer than the retries. The job must ride it out without a single restart, within a
   * bounded heap, and end with exactly the expected rows once ClickHouse is back.
   */
  @Test
  void shouldRideOutAFiveMinuteOutageWithoutRestarting() throws Exception {
    long outageSeconds = Long.getLong("clickhouse.outage.seconds", 300);
    Throttle.resetAttempts();
    // 60,000 events at 1 ms per record and subtask: about 30 s of input without an outage, which
    // starts once the first rows are committed (10 to 25 s in on a loaded machine), so that the
    // job reads on when ClickHouse goes away. Checkpoints time out after 20 s while the sinks wait:
    // about 15 fail during the outage, all within the tolerance.
    Run run =
        new Run(
            "long_outage",
            60_000,
            1,
            1,
            Map.of(
                "checkpoint.timeout", "20 s",
                "checkpoint.tolerable-failures", "100",
                "clickhouse.breaker.probe-interval", "2 s"));
    JobClient job = run.executeAsync();
    HeapSampler heap = new HeapSampler();
    heap.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (run.countIfExists(run.aggregates) == 0) {
        assertThat(System.nanoTime()).as("first rows committed within 60 s").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
      long heapBefore = heap.maxUsed();

      long readBefore = Throttle.PASSED.sum();
      clickhouse.stop();
      long stoppedAt = System.nanoTime();
      long restartedAt;
      try {
        while (System.nanoTime() - stoppedAt < TimeUnit.SECONDS.toNanos(outageSeconds)) {
          // Fail as soon as the job restarts: no need to wait out the outage to know.
          assertThat(Throttle.MAX_ATTEMPT.get())
              .as(
                  "task restarts after %d s of the outage",
                  TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stoppedAt))
              .isZero();
          assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
          Thread.sleep(500);
        }
      } finally {
        // Whatever happened, the other tests need the server back.
        clickhouse.restart();
        restartedAt = System.nanoTime();
      }
      long maxHeapOutage = heap.maxUsed();
      long readDuring = Throttle.PASSED.sum() - readBefore;

      job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
      long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);
      System.out.printf(
          "ClickHouse down %d s: %d restarts, max heap used %d MiB before the outage and %d MiB"
              + " during it (of %d MiB), job finished %d ms after ClickHouse returned; the source"
              + " read %d records before the outage, %d during it (backpressure), %d after%n",
          outageSeconds,
          Throttle.MAX_ATTEMPT.get(),
          heapBefore >> 20,
          maxHeapOutage >> 20,
          Runtime.getRuntime().maxMemory() >> 20,
          drainMillis,
          readBefore,
          readDuring,
          Throttle.PASSED.sum() - readBefore - readDuring);
      assertThat(Throttle.MAX_ATTEMPT.get()).as("task restarts").isZero();
      // Bounded: the writers hold back instead of buffering the outage's input.
      assertThat(maxHeapOutage).as("max heap used during the outage").isLessThan(1L << 30);
      run.verify();
    } finally {
      heap.stopSampling();
      job.cancel();
    }
  }

  /** The largest heap use of this JVM (the MiniCluster's), sampled every 100 ms. */
  private static final class HeapSampler extends Thread {
    private final java.lang.management.MemoryMXBean memory =
        java.lang.management.ManagementFactory.getMemoryMXBean();
    private final java.util.concurrent.atomic.AtomicLong max =
        new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean running = true;

    HeapSampler() {
      super("heap sampler");
      setDaemon(true);
    }

    @Override
    public void run() {
      while (running) {
        max.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long maxUsed() {
      return max.get();
    }

    void stopSampling() {
      running = false;
    }
  }

  /** One pipeline run against its own topics and tables, and its expected results. */
  private final class Run {
    final String name;
    final String aggregates;
    final String alerts;
    final String events;
    final JobConfig config;
    final JobConfig withoutClickHouse;
    final Map<String, Long> expectedWindows = new TreeMap<>();
    final TreeSet<String> expectedEventIds = new TreeSet<>();
    java.util.function.UnaryOperator<DataStream<ParsedRecord>> inject =
        java.util.function.UnaryOperator.identity();
    boolean wrapAggregateSink;

    Run(String name, int records, int millis) throws Exception {
      this(name, EVENTS, records, millis, Map.of());
    }

    /** {@code overrides}: options of the ClickHouse run on top of the defaults here. */
    Run(String name, int eventCount, int records, int millis, Map<String, String> overrides)
        throws Exception {
      this.name = name;
      this.aggregates = name + "_aggregates";
      this.alerts = name + "_alerts";
      this.events = name + "_events";
      String topic = name + "-events";
      String deadLetters = name + "-dead-letters";
      kafka.createTopics(2, topic, deadLetters);

      // 9,000 valid events (by default) over 9 minutes of event time, round-robin over the types
      // and over 2 partitions: 9 one-minute windows per type.
      List<Input> inputs = new ArrayList<>();
      for (int i = 0; i < eventCount; i++) {
        String type = TYPES[i % TYPES.length];
        long ts = START + i * 60L;
        String id = name + "-" + i;
        inputs.add(
            new Input(
                i % 2, BoundedJobs.eventJson(id, type, ts, "eu").getBytes(StandardCharsets.UTF_8)));
        expectedWindows.merge(type + "@" + (ts - ts % 60_000), 1L, Long::sum);
        if (type.equals("api.error")) {
          expectedEventIds.add(id);
        }
      }
      produceExactly(topic, inputs);

      Map<String, String> values = new HashMap<>();
      values.put("kafka.bootstrap-servers", kafka.bootstrapServers());
      values.put("kafka.topic", topic);
      values.put("kafka.start-position", "earliest");
      values.put("kafka.bounded", "true");
      values.put("kafka.transactional-id-prefix", name + "-" + System.nanoTime());
      values.put("dead-letter.topic", deadLetters);
      values.put("checkpoint.interval", "500 ms");
      values.put("checkpoint.dir", tmp.resolve("checkpoints").toUri().toString());
      values.put("restart.initial-backoff", "100 ms");
      values.put("restart.max-backoff", "2 s");
      values.put("job.parallelism", "2");
      // Bounded input: no idleness, or a partition marked idle on a loaded machine would let the
      // watermark run ahead of the other one and turn its events late.
      values.put("watermark.idleness", "0 ms");
      withoutClickHouse = JobConfig.of(values);
      values.put("clickhouse.url", clickhouse.url());
      values.put("clickhouse.database", DB);
      values.put("clickhouse.create-tables", "true");
      values.put("clickhouse.aggregates.table", aggregates);
      values.put("clickhouse.alerts.table", alerts);
      values.put("clickhouse.events.table", events);
      // About 0.7 s of retries, then the circuit breaker opens: the sinks wait for ClickHouse.
      values.put("clickhouse.retry.max-attempts", "4");
      values.put("clickhouse.retry.max-backoff", "1 s");
      values.put("clickhouse.request-timeout", "5 s");
      values.put("clickhouse.connect-timeout", "1 s");
      values.putAll(overrides);
      config = JobConfig.of(values);
      this.throttleRecords = records;
      this.throttleMillis = millis;
    }

    /** The input is slowed to {@code throttleRecords} per {@code throttleMillis} per subtask. */
    final int throttleRecords;

    final int throttleMillis;

    int expectedWindows() {
      return expectedWindows.size();
    }

    void execute() throws Exception {
      StreamExecutionEnvironment env = define();
      env.execute(name);
    }

    JobClient executeAsync() throws Exception {
      return define().executeAsync(name);
    }

    private StreamExecutionEnvironment define() {
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
      DataStream<ParsedRecord> records = AnalyticsJob.kafkaRecords(env, config);
      DataStream<ParsedRecord> throttled =
          records.map(new Throttle(throttleRecords, throttleMillis)).name("Throttle");
      AnalyticsPipeline.Outputs built = AnalyticsPipeline.build(inject.apply(throttled), config);
      // The detector stays quiet on this steady input: an alert per api.error window stands in
      // for its output, so that the alerts table gets rows whose exact contents are known.
      DataStream<Alert> alertStream =
          built
              .aggregates()
              .filter(a -> a.eventType.equals("api.error") && a.granularity.equals("1m"))
              .name("api.error minutes")
              .map(ClickHouseSinkITCase::alert)
              .name("Alert per window");
      AnalyticsPipeline.Outputs outputs =
          new AnalyticsPipeline.Outputs(
              built.aggregates(),
              built.deadLetters(),
              built.highPriorityEvents(),
              built.privacyEstimates(),
              alertStream);
      if (wrapAggregateSink) {
        PipelineSinks.prepareTables(withoutClickHouse);
        PipelineSinks.attach(outputs, withoutClickHouse);
        outputs
            .aggregates()
            .sinkTo(new FailOnceAfterCommit<>(ClickHouseSinks.aggregates(config)))
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
      } else {
        PipelineSinks.prepareTables(config);
        PipelineSinks.attach(outputs, config);
      }
      return env;
    }

    long count(String table, String modifier) throws Exception {
      return Long.parseLong(
          clickhouse.query("SELECT count() FROM " + DB + "." + table + " " + modifier).strip());
    }

    /** Rows so far, 0 while the sink has not created the table yet. */
    long countIfExists(String table) throws Exception {
      if (clickhouse.rows("EXISTS TABLE " + DB + "." + table).equals(List.of("0"))) {
        return 0;
      }
      return count(table, "");
    }

    void verify() throws Exception {
      Map<String, Long> windows = new TreeMap<>();
      for (String row :
          clickhouse.rows(
              "SELECT event_type, toUInt64(window_start) * 1000 + window_start_millis,"
                  + " estimated_count, kept_count, version, granularity FROM "
                  + DB
                  + "."
                  + aggregates
                  + " FINAL WHERE granularity = '1m'")) {
        String[] f = row.split("\t");
        String key = f[0] + "@" + f[1];
        assertThat(windows.put(key, Long.parseLong(f[3]))).as("one row per window").isNull();
        assertThat(Double.parseDouble(f[2])).isEqualTo(Double.parseDouble(f[3]));
        assertThat(f[4]).isEqualTo("0");
      }
      assertThat(windows).as("window counts").isEqualTo(expectedWindows);

      // The hourly rollups hold the sums of their minutes, once each.
      Map<String, Long> expectedHours = new TreeMap<>();
      expectedWindows.forEach(
          (key, count) -> {
            int at = key.indexOf('@');
            long start = Long.parseLong(key.substring(at + 1));
            expectedHours.merge(
                key.substring(0, at) + "@" + (start - start % 3_600_000L), count, Long::sum);
          });
      Map<String, Long> hours = new TreeMap<>();
      for (String row :
          clickhouse.rows(
              "SELECT event_type, toUInt64(window_start) * 1000 + window_start_millis,"
                  + " kept_count FROM "
                  + DB
                  + "."
                  + aggregates
                  + " FINAL WHERE granularity = '1h'")) {
        String[] f = row.split("\t");
        assertThat(hours.put(f[0] + "@" + f[1], Long.parseLong(f[2])))
            .as(
                "one hourly row per type and hour: "
                    + row
                    + " "
                    + clickhouse.rows(
                        "SELECT event_type, dims, granularity, window_start, window_start_millis, version, kept_count FROM "
                            + DB
                            + "."
                            + aggregates
                            + " FINAL WHERE granularity != '1m'"))
            .isNull();
      }
      assertThat(hours).as("hourly rollups").isEqualTo(expectedHours);

      Map<String, Long> alertValues = new TreeMap<>();
      for (String row :
          clickhouse.rows(
              "SELECT event_type, toUInt64(window_start) * 1000 + window_start_millis, value,"
                  + " pattern FROM "
                  + DB
                  + "."
                  + alerts
                  + " FINAL")) {
        String[] f = row.split("\t");
        assertThat(f[3]).isEqualTo("test");
        assertThat(alertValues.put(f[0] + "@" + f[1], Long.parseLong(f[2]))).isNull();
      }
      Map<String, Long> expectedAlerts = new TreeMap<>(expectedWindows);
      expectedAlerts.keySet().removeIf(k -> !k.startsWith("api.error@"));
      assertThat(alertValues).as("alerts").isEqualTo(expectedAlerts);

      List<String> ids =
          clickhouse.rows("SELECT event_id FROM " + DB + "." + events + " FINAL ORDER BY event_id");
      assertThat(ids).as("high-priority events, once each").hasSize(expectedEventIds.size());
      assertThat(new TreeSet<>(ids)).isEqualTo(expectedEventIds);
      assertThat(
              clickhouse.rows(
                  "SELECT DISTINCT event_type, priority, dims FROM " + DB + "." + events))
          .containsExactly("api.error\thigh\tregion=eu");
    }
  }

  /** Writes the input and checks that the topic holds exactly it (the expected counts need it). */
  private static void produceExactly(String topic, List<Input> inputs) throws Exception {
    KafkaTopics.produce(kafka.bootstrapServers(), topic, inputs);
    try (Admin admin = Admin.create(kafka.adminProperties())) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int partition = 0; partition < 2; partition++) {
        latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
      }
      long total =
          admin.listOffsets(latest).all().get().values().stream()
              .mapToLong(ListOffsetsResultInfo::offset)
              .sum();
      assertThat(total).as("records in " + topic).isEqualTo(inputs.size());
    }
  }

  static Alert alert(WindowAggregate a) {
    Alert alert = new Alert();
    alert.eventType = a.eventType;
    alert.dimensions = a.dimensions;
    alert.granularity = a.granularity;
    alert.windowStart = a.windowStart;
    alert.windowEnd = a.windowEnd;
    alert.pattern = "test";
    alert.metric = "count";
    alert.value = a.estimatedCount;
    alert.baseline = 0;
    alert.confidence = 1;
    alert.version = a.version;
    alert.message = "window of " + a.keptCount + " events";
    return alert;
  }

  /**
   * Slows the input to about {@code perMilli} records per millisecond per subtask, and records the
   * highest attempt number of its subtasks: above 0 once the job has restarted.
   */
  static final class Throttle extends RichMapFunction<ParsedRecord, ParsedRecord> {
    static final AtomicInteger MAX_ATTEMPT = new AtomicInteger();

    /** Records passed on by every subtask of every run since the last reset. */
    static final java.util.concurrent.atomic.LongAdder PASSED =
        new java.util.concurrent.atomic.LongAdder();

    static void resetAttempts() {
      MAX_ATTEMPT.set(0);
      PASSED.reset();
    }

    private final int records;
    private final int millis;
    private int seen;

    Throttle(int records, int millis) {
      this.records = records;
      this.millis = millis;
    }

    @Override
    public void open(OpenContext context) {
      MAX_ATTEMPT.accumulateAndGet(getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
    }

    @Override
    public ParsedRecord map(ParsedRecord r) throws Exception {
      if (++seen % records == 0) {
        Thread.sleep(millis);
      }
      PASSED.increment();
      return r;
    }
  }

  /** Throws once, on a record after the first completed checkpoint (ClickHouse rows committed). */
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
    public ParsedRecord map(ParsedRecord r) {
      if (SEEN.incrementAndGet() > 4_000 && CHECKPOINTED.get() && !FAILED.getAndSet(true)) {
        throw new RuntimeException("Injected failure after a completed checkpoint");
      }
      return r;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      CHECKPOINTED.set(true);
    }
  }

  /**
   * The ClickHouse sink with a committer that fails once after a successful insert, before the
   * commit is acknowledged to Flink: the failure of a commit whose rows already reached the table.
   */
  static final class FailOnceAfterCommit<T>
      implements Sink<T>, SupportsCommitter<ClickHouseCommittable> {
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final ConcurrentLinkedQueue<String> FAILED_TOKENS = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<String> COMMITTED_TOKENS = new ConcurrentLinkedQueue<>();

    static void reset() {
      FAILED.set(false);
      FAILED_TOKENS.clear();
      COMMITTED_TOKENS.clear();
    }

    private final ClickHouseSink<T> delegate;

    FailOnceAfterCommit(ClickHouseSink<T> delegate) {
      this.delegate = delegate;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
      return delegate.createWriter(context);
    }

    @Override
    public Committer<ClickHouseCommittable> createCommitter(CommitterInitContext context)
        throws IOException {
      Committer<ClickHouseCommittable> committer = delegate.createCommitter(context);
      return new Committer<>() {
        @Override
        public void commit(Collection<CommitRequest<ClickHouseCommittable>> requests)
            throws IOException, InterruptedException {
          committer.commit(requests);
          List<String> tokens = new ArrayList<>();
          requests.forEach(r -> tokens.add(r.getCommittable().token()));
          COMMITTED_TOKENS.addAll(tokens);
          if (!tokens.isEmpty() && !FAILED.getAndSet(true)) {
            FAILED_TOKENS.addAll(tokens);
            throw new IOException("Injected failure after the insert, before the acknowledgement");
          }
        }

        @Override
        public void close() throws Exception {
          committer.close();
        }
      };
    }

    @Override
    public SimpleVersionedSerializer<ClickHouseCommittable> getCommittableSerializer() {
      return delegate.getCommittableSerializer();
    }
  }
}
