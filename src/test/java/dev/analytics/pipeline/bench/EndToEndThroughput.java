package dev.analytics.pipeline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.AnalyticsJob;
import dev.analytics.pipeline.OperatorIds;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.local.InvalidKind;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.ClickHouseServer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What it measures, in one run on one pre-filled topic ({@link BenchCorpus}: 4 partitions of the
 * local run's generated traffic, event time at {@value #EVENT_RATE} events/s, the generator's
 * default 1% of broken records; 10 M records, 1.5 M with {@code --quick}):
 *
 * <ol>
 *   <li><b>Ceilings</b>: the rate at which the same topic can be read at all: a plain {@code
 *       KafkaConsumer} (byte[] records; 1 consumer, then 2 dividing the partitions); a Flink job
 *       (KafkaSource bounded to the end offsets) that reads and discards the byte[] records, at
 *       parallelism 1 and 2; the same plus Jackson databind ({@code readTree} of every record).
 *   <li><b>The full pipeline</b> at parallelism 1 and 2 on a MiniCluster: the production workflow
 *       ({@link AnalyticsJob#defineWorkflow}) with the production defaults (RocksDB, exactly-once
 *       checkpoints every 10 s, pre-aggregation, detection, the default sampling rates), the Kafka
 *       source bounded to the end offsets, sinks: ClickHouse (all three tables; aggregates and
 *       alerts exactly-once, high-priority events {@value #EVENTS_BATCH_ROWS} rows / 16 MiB / 1 s
 *       like jobs/production.yaml) and the exactly-once dead-letter topic; PostgreSQL off. Events/s
 *       is the sustained rate: records / time over the last three quarters of the records out of
 *       the source (the job's own metrics, sampled every 20 ms; the source is back-pressured by the
 *       rest of the job), after an untimed run of the same job at parallelism 2 (see {@link
 *       #warmUp}); the whole-run rate is in the note; the ceilings are measured the same way. The
 *       wall time includes start-up, the final windows, checkpoint and commits. Checked: rows in
 *       ClickHouse, dead letters (read_committed) = broken records, no restart.
 *   <li><b>Hostile input</b>: the same at parallelism 2 on a second topic with 10% of broken
 *       records of every {@link InvalidKind} (5 M records in full mode): events/s against the clean
 *       run, restarts, dead letters = broken records exactly.
 *   <li><b>Write reduction</b>: per ClickHouse table, rows and INSERT requests of the clean
 *       parallelism-2 run (the sinks' own metrics) per second, against events in per second, and
 *       INSERTs per subtask per completed checkpoint (goal for the exactly-once tables: at most 1).
 * </ol>
 *
 * <p>Throughput figures are measured through, not computed: a run whose checks fail throws. Alone:
 * {@code jobs/bench-e2e.sh [--quick]} (starts its own Kafka and ClickHouse).
 */
public final class EndToEndThroughput implements DescribedSection {
  static final String SECTION = "End-to-end throughput";
  static final String HOSTILE = "Hostile input";
  static final String WRITES = "Write reduction";

  /** Event time rate of the generated traffic, events per second. */
  static final double EVENT_RATE = 10_000;

  static final int PARTITIONS = 4;
  static final int EVENTS_BATCH_ROWS = 50_000;

  static final int EVENTS_BATCH_BYTES = 16 << 20;
  static final String CEILING_SOURCE = "Kafka byte[] records";

  /** Clean corpus per broker, shared with {@link FlinkSqlBaseline} within one JVM. */
  private static final Map<String, BenchCorpus> CLEAN = new ConcurrentHashMap<>();

  /**
   * Pipeline events/s per parallelism of the last run in this JVM, for {@link FlinkSqlBaseline}.
   */
  static final Map<Integer, Double> PIPELINE_RATES = new ConcurrentHashMap<>();

  /** Read-and-discard events/s per parallelism of the last run in this JVM. */
  static final Map<Integer, Double> DISCARD_RATES = new ConcurrentHashMap<>();

  public EndToEndThroughput() {}

  @Override
  public String title() {
    return SECTION;
  }

  @Override
  public String whatItMeasures() {
    return "One 4-partition topic of the in-JVM Kafka filled with records of the local run's"
        + " generator (uncompressed, 1% broken, event time at 10,000 events/s). Ceilings: a plain"
        + " KafkaConsumer (1 and 2 consumers) and a Flink job that reads and discards, at"
        + " parallelism 1 and 2, with and without Jackson readTree. Then the full production job"
        + " (RocksDB, exactly-once checkpoints every 10 s, pre-aggregation, detection, default"
        + " sampling) into ClickHouse and the dead-letter topic at parallelism 1 and 2, and at 2 on"
        + " a topic with 10% broken records of every kind (hostile input). Events/s: sustained,"
        + " records / time over the last 3/4 of the records out of the source (the job's own"
        + " metrics), after an untimed run of the same job for JIT compilation; at parallelism"
        + " 2 the median of three runs; the ceilings measured the same way; each run is checked"
        + " (rows in ClickHouse, dead letters = broken records, no restart). Write reduction:"
        + " rows and INSERTs per table from the ClickHouse sinks' metrics. Goal: the pipeline at"
        + " p2 >= 50% of read-and-discard at p2.";
  }

  static long records(BenchContext context) {
    // -Dbench.e2e.records=N overrides both, for development.
    return Long.getLong("bench.e2e.records", context.quick() ? 1_500_000L : 10_000_000L);
  }

  /** The hostile corpus: half the clean one in full mode (5 M records), to keep the run short. */
  static long hostileRecords(BenchContext context) {
    return context.quick() ? records(context) : records(context) / 2;
  }

  /** The clean corpus of this run, produced on first use. */
  static BenchCorpus cleanCorpus(BenchContext context) throws Exception {
    String key = context.kafka().bootstrapServers() + "/" + context.quick();
    BenchCorpus corpus = CLEAN.get(key);
    if (corpus == null) {
      corpus =
          BenchCorpus.produce(
              context.kafka(),
              "bench-events-clean",
              PARTITIONS,
              records(context),
              0.01,
              EVENT_RATE,
              42,
              BenchCorpus.COMPRESSION);
      log(
          "produced %,d records (%,d broken, %.1f MB) to %s in %.1f s",
          corpus.records(),
          corpus.invalid(),
          corpus.bytes() / 1e6,
          corpus.topic(),
          corpus.seconds());
      CLEAN.put(key, corpus);
    }
    return corpus;
  }

  @Override
  public List<Measurement> run(BenchContext context) throws Exception {
    List<Measurement> out = new ArrayList<>();
    BenchCorpus clean = cleanCorpus(context);
    String sizes = String.format(Locale.ROOT, "%,d records", clean.records());

    // ---- ceilings (a first untimed read warms up the broker's and the client's code) ----
    consumerRate(context.kafka(), clean, 2);
    for (int consumers = 1; consumers <= 2; consumers++) {
      double rate = consumerRate(context.kafka(), clean, consumers);
      out.add(
          new Measurement(
              SECTION,
              "ceiling: plain KafkaConsumer, "
                  + consumers
                  + " consumer"
                  + (consumers > 1 ? "s" : ""),
              rate,
              "events/s",
              sizes + ", byte[] records, partitions divided between the consumers"));
    }
    for (boolean jackson : new boolean[] {false, true}) {
      warmUp(() -> discardJob(context, clean, 2, jackson));
      for (int p = 1; p <= 2; p++) {
        int parallelism = p;
        Repeated<JobRun> runs =
            Repeated.of(
                runs(context, p),
                i -> discardJob(context, clean, parallelism, jackson),
                JobRun::eventsPerSecond);
        JobRun run = runs.median();
        if (!jackson) {
          DISCARD_RATES.put(p, run.eventsPerSecond());
        }
        out.add(
            new Measurement(
                SECTION,
                "ceiling: Flink KafkaSource read and discard"
                    + (jackson ? " + Jackson readTree" : "")
                    + ", parallelism "
                    + p,
                run.eventsPerSecond(),
                "events/s",
                sizes + ", " + runs.describe() + run.describe()));
      }
    }

    // ---- the full pipeline ----
    warmUp(() -> pipeline(context, clean, 2, "clean_warm_up"));
    PipelineRun p2 = null;
    for (int p = 1; p <= 2; p++) {
      int parallelism = p;
      Repeated<PipelineRun> runs =
          Repeated.of(
              runs(context, p),
              i -> pipeline(context, clean, parallelism, "clean_p" + parallelism + "_" + i),
              r -> r.job().eventsPerSecond());
      PipelineRun run = runs.median();
      PIPELINE_RATES.put(p, run.job().eventsPerSecond());
      String goal = "";
      Double discard = DISCARD_RATES.get(p);
      if (p == 2 && discard != null) {
        double share = run.job().eventsPerSecond() / discard;
        goal =
            String.format(
                Locale.ROOT,
                "; %.0f%% of read-and-discard at p2: goal >= 50%% %s",
                100 * share,
                share >= 0.5 ? "met" : "MISSED");
      }
      out.add(
          new Measurement(
              SECTION,
              "full pipeline -> ClickHouse, parallelism " + p,
              run.job().eventsPerSecond(),
              "events/s",
              sizes + ", " + runs.describe() + run.describe() + goal));
      if (p == 2) {
        p2 = run;
      }
    }
    out.add(
        new Measurement(
            SECTION,
            "full pipeline, parallelism 2: wall time incl. start-up and final drain",
            p2.job().wallSeconds(),
            "s",
            String.format(
                Locale.ROOT,
                "%.1f s reading, %.1f s after the last record (final windows, checkpoint, commits)",
                p2.job().sourceSeconds(),
                p2.job().drainSeconds())));

    // ---- hostile input ----
    BenchCorpus hostile = hostileCorpus(context);
    warmUp(() -> pipeline(context, hostile, 2, "hostile_warm_up"));
    Repeated<PipelineRun> hostileRuns =
        Repeated.of(
            runs(context, 2),
            i -> pipeline(context, hostile, 2, "hostile_p2_" + i),
            r -> r.job().eventsPerSecond());
    PipelineRun bad = hostileRuns.median();
    double ratio = bad.job().eventsPerSecond() / p2.job().eventsPerSecond();
    out.add(
        new Measurement(
            HOSTILE,
            "full pipeline, parallelism 2, 10% broken records of all "
                + InvalidKind.values().length
                + " kinds",
            bad.job().eventsPerSecond(),
            "events/s",
            String.format(Locale.ROOT, "%,d records, ", hostile.records())
                + hostileRuns.describe()
                + bad.describe()));
    out.add(
        new Measurement(
            HOSTILE,
            "hostile / clean events/s, parallelism 2",
            100 * ratio,
            "%",
            "goal: within 20% of clean input (>= 80%) " + (ratio >= 0.8 ? "met" : "MISSED")));
    out.add(
        new Measurement(
            HOSTILE,
            "restarts during the hostile run",
            bad.restarts(),
            "restarts",
            "goal 0 " + (bad.restarts() == 0 ? "met" : "MISSED")));
    out.add(
        new Measurement(
            HOSTILE,
            "dead letters (read_committed) = broken records produced",
            bad.deadLetters(),
            "records",
            String.format(
                Locale.ROOT,
                "%,d broken records produced: every one accounted for",
                hostile.invalid())));

    // ---- write reduction (clean run, parallelism 2) ----
    out.addAll(writeReduction(p2));
    return out;
  }

  /**
   * How many timed runs at parallelism {@code p}: three at parallelism 2 (the goals' figures), of
   * which the table gives the median, since the rate of one run varies by about 25% on this
   * machine; one at parallelism 1 and in quick mode.
   */
  static int runs(BenchContext context, int p) {
    return p == 2 && !context.quick() ? 3 : 1;
  }

  /** One timed run of a job: the {@code index}-th of its repetitions. */
  interface TimedRun<T> {
    T run(int index) throws Exception;
  }

  /** Repeated runs of one job: the run with the median rate, and every rate, lowest first. */
  record Repeated<T>(T median, double[] rates) {
    static <T> Repeated<T> of(int runs, TimedRun<T> job, ToDoubleFunction<T> rate)
        throws Exception {
      List<T> all = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        all.add(job.run(i));
      }
      all.sort(Comparator.comparingDouble(rate));
      return new Repeated<>(all.get(runs / 2), all.stream().mapToDouble(rate).toArray());
    }

    /** "median of 3 runs (a / b / c events/s); " or "" for one run. */
    String describe() {
      if (rates.length == 1) {
        return "";
      }
      StringBuilder b = new StringBuilder("median of " + rates.length + " runs (");
      for (int i = 0; i < rates.length; i++) {
        b.append(i == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%,.0f", rates[i]));
      }
      return b.append(" events/s); ").toString();
    }
  }

  /**
   * Runs a job once, untimed, before its timed runs. All of the benchmark runs in one JVM (broker,
   * producer, ClickHouse client, the jobs) on two cores with one C2 compiler thread, and each new
   * kind of job changes the type profiles of Flink's shared code (sources, chaining, network),
   * which costs deoptimisations and long recompilations: measured with per-thread CPU from /proc,
   * the C2 thread took 31% of the CPU during a first run of the pipeline, 28% during a second, 14
   * to 18% during the third and fourth and 9% during the fifth. A TaskManager runs one job for
   * days; the measurement follows one untimed run, like the measurement iterations of JMH follow
   * its warm-up iterations.
   */
  static void warmUp(Callable<?> job) throws Exception {
    long start = System.nanoTime();
    job.call();
    log("warm-up run (untimed): %.1f s", (System.nanoTime() - start) / 1e9);
  }

  // ---- ceilings ----

  /**
   * Events/s of {@code consumers} plain consumers reading the whole topic, its partitions divided
   * between them as one group would (assigned, not subscribed: a rebalance while the second
   * consumer joins would deliver some records twice, since nothing is committed).
   */
  static double consumerRate(EmbeddedKafka kafka, BenchCorpus corpus, int consumers)
      throws Exception {
    AtomicLong total = new AtomicLong();
    // [0]: nanoTime once a quarter of the records is read, [1]: records read then.
    long[] warm = new long[2];
    AtomicLong last = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(consumers);
    List<Future<Long>> done = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      List<TopicPartition> mine = new ArrayList<>();
      for (int partition = i; partition < corpus.partitions(); partition += consumers) {
        mine.add(new TopicPartition(corpus.topic(), partition));
      }
      done.add(pool.submit(() -> readAll(kafka, mine, corpus.records(), total, warm, last)));
    }
    try {
      for (Future<Long> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    if (total.get() != corpus.records()) {
      throw new IllegalStateException("consumers read " + total.get() + " of " + corpus.records());
    }
    // Sustained, like the jobs: from a quarter of the records on.
    double rate = (corpus.records() - warm[1]) / ((last.get() - warm[0]) / 1e9);
    log("plain consumer x%d: %,.0f events/s", consumers, rate);
    return rate;
  }

  /** Reads the partitions to their end offsets; returns the value bytes read. */
  private static long readAll(
      EmbeddedKafka kafka,
      List<TopicPartition> partitions,
      long expectedTotal,
      AtomicLong total,
      long[] warm,
      AtomicLong last) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("enable.auto.commit", "false");
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    long bytes = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("consumer ceiling timed out");
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (records.isEmpty()) {
          continue;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          bytes += r.value().length;
        }
        long read = total.addAndGet(records.count());
        if (read >= expectedTotal / JobMetrics.Progress.WARM_UP_SHARE) {
          synchronized (warm) {
            if (warm[0] == 0) {
              warm[0] = System.nanoTime();
              warm[1] = read;
            }
          }
        }
        if (read >= expectedTotal) {
          last.compareAndSet(0, System.nanoTime());
        }
      }
    }
    return bytes;
  }

  /** A Flink job reading the topic as byte[] records and discarding them (after readTree). */
  static JobRun discardJob(BenchContext context, BenchCorpus corpus, int parallelism, boolean json)
      throws Exception {
    StreamExecutionEnvironment env = environment(new Configuration(), parallelism);
    KafkaSource<byte[]> source =
        KafkaSource.<byte[]>builder()
            .setBootstrapServers(context.kafka().bootstrapServers())
            .setTopics(corpus.topic())
            .setGroupId("bench-discard-" + System.nanoTime())
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setBounded(OffsetsInitializer.latest())
            .setDeserializer(
                KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class))
            .build();
    DataStream<byte[]> records =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), CEILING_SOURCE);
    if (json) {
      records.map(new ReadTree()).name("Jackson readTree").sinkTo(new DiscardingSink<>());
    } else {
      records.sinkTo(new DiscardingSink<>());
    }
    JobRun run =
        execute(
            env,
            "ceiling " + (json ? "readTree" : "discard") + " p" + parallelism,
            CEILING_SOURCE,
            corpus.records());
    log(
        "read and discard%s p%d: %,.0f events/s",
        json ? " + readTree" : "", parallelism, run.eventsPerSecond());
    return run;
  }

  /** Jackson databind's tree of every record; the number of fields goes on (0 for bad JSON). */
  static final class ReadTree extends RichMapFunction<byte[], Integer> {
    private transient ObjectMapper mapper;

    @Override
    public void open(OpenContext context) {
      mapper = new ObjectMapper();
    }

    @Override
    public Integer map(byte[] value) {
      try {
        JsonNode node = mapper.readTree(value);
        return node == null ? 0 : node.size();
      } catch (IOException e) {
        return 0;
      }
    }
  }

  // ---- the full pipeline ----

  /** One full-pipeline run and what it wrote. */
  record PipelineRun(
      int parallelism,
      JobRun job,
      long deadLetters,
      double checkpoints,
      double restarts,
      Map<String, Long> clickhouseRows,
      Map<String, long[]> sinkWrites) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "%s; %.0f checkpoints, %.0f restarts, %,d dead letters; ClickHouse rows: %s",
          job.describe(),
          checkpoints,
          restarts,
          deadLetters,
          clickhouseRows);
    }
  }

  /** The full production workflow on the corpus at {@code parallelism}, checked. */
  static PipelineRun pipeline(
      BenchContext context, BenchCorpus corpus, int parallelism, String name) throws Exception {
    Path tmp = Files.createTempDirectory("bench-e2e");
    String deadLetters = "bench-dead-letters-" + name;
    context.kafka().createTopics(PARTITIONS, deadLetters);
    if (Boolean.getBoolean("bench.control")) {
      context.kafka().createTopics(1, name + "-control");
      context.kafka().createTopics(1, name + "-control-applied", name + "-control-refused");
    }
    Map<String, String> tables =
        Map.of(
            "aggregates", name + "_window_aggregates",
            "alerts", name + "_alerts",
            "events", name + "_high_priority_events");
    try {
      context.clickhouse().query("CREATE DATABASE IF NOT EXISTS bench");
      JobConfig config = pipelineConfig(context, corpus, parallelism, name, deadLetters, tmp);
      StreamExecutionEnvironment env =
          BoundedJobs.workflow(environment(config.flinkConfiguration(), parallelism), config);
      JobRun job =
          execute(env, "pipeline " + name, OperatorIds.KAFKA_SOURCE_NAME, corpus.records());
      double checkpoints = JobMetrics.gauge("numberOfCompletedCheckpoints");
      double restarts = JobMetrics.gauge("numRestarts");
      Map<String, long[]> writes = new HashMap<>();
      Map<String, Long> rows = new HashMap<>();
      for (Map.Entry<String, String> t : tables.entrySet()) {
        writes.put(
            t.getKey(),
            new long[] {
              JobMetrics.counter("", t.getValue(), "rowsWritten"),
              JobMetrics.counter("", t.getValue(), "inserts")
            });
        rows.put(
            t.getKey(),
            Long.parseLong(
                context.clickhouse().query("SELECT count() FROM bench." + t.getValue()).strip()));
      }
      long dead = countCommitted(context.kafka().bootstrapServers(), deadLetters);
      PipelineRun run =
          new PipelineRun(parallelism, job, dead, checkpoints, restarts, rows, writes);
      log("pipeline %s: %,.0f events/s; %s", name, job.eventsPerSecond(), run.describe());
      if (rows.get("aggregates") == 0 || rows.get("events") == 0) {
        throw new IllegalStateException(name + ": no rows in ClickHouse: " + rows);
      }
      if (dead != corpus.invalid()) {
        throw new IllegalStateException(
            name + ": " + dead + " dead letters, " + corpus.invalid() + " broken records");
      }
      if (restarts != 0) {
        throw new IllegalStateException(name + ": the job restarted " + restarts + " times");
      }
      return run;
    } finally {
      delete(tmp);
    }
  }

  static JobConfig pipelineConfig(
      BenchContext context,
      BenchCorpus corpus,
      int parallelism,
      String name,
      String deadLetters,
      Path tmp) {
    Map<String, String> values =
        BoundedJobs.boundedKafka(
            context.kafka().bootstrapServers(), corpus.topic(), deadLetters, "bench-" + name);
    values.put("job.name", "bench " + name);
    values.put("job.parallelism", String.valueOf(parallelism));
    values.put("kafka.group-id", "bench-" + name);
    // -Dbench.max-event-types=0 measures the job without the event-type cap (and its exchange).
    values.put("aggregation.max-event-types", System.getProperty("bench.max-event-types", "10000"));
    // -Dbench.control=true measures the job with run-time control on (an empty control topic:
    // the broadcast inputs and the controlled operators, no change).
    if (Boolean.getBoolean("bench.control")) {
      values.put("control.topic", name + "-control");
    }
    values.put("checkpoint.dir", tmp.resolve("checkpoints").toUri().toString());
    values.put("savepoint.dir", tmp.resolve("savepoints").toUri().toString());
    values.put("clickhouse.url", context.clickhouse().url());
    values.put("clickhouse.database", "bench");
    values.put("clickhouse.create-tables", "true");
    values.put("clickhouse.aggregates.table", name + "_window_aggregates");
    values.put("clickhouse.alerts.table", name + "_alerts");
    values.put("clickhouse.events.table", name + "_high_priority_events");
    // Set explicitly (the default is 5,000 rows / 200 ms): jobs/production.yaml's batching.
    values.put("clickhouse.events.batch.strategy", "hybrid");
    values.put("clickhouse.events.batch.max-rows", String.valueOf(EVENTS_BATCH_ROWS));
    values.put("clickhouse.events.batch.max-bytes", String.valueOf(EVENTS_BATCH_BYTES));
    values.put("clickhouse.events.batch.interval", "1 s");
    return JobConfig.of(values);
  }

  /** The hostile topic: 10% broken records, every kind of {@link InvalidKind} among them. */
  static BenchCorpus hostileCorpus(BenchContext context) throws Exception {
    BenchCorpus hostile =
        BenchCorpus.produce(
            context.kafka(),
            "bench-events-hostile",
            PARTITIONS,
            hostileRecords(context),
            0.10,
            EVENT_RATE,
            43,
            BenchCorpus.COMPRESSION);
    log(
        "produced %,d records (%,d broken) to %s in %.1f s",
        hostile.records(), hostile.invalid(), hostile.topic(), hostile.seconds());
    for (InvalidKind kind : InvalidKind.values()) {
      if (hostile.invalidByKind().getOrDefault(kind, 0L) == 0) {
        throw new IllegalStateException("hostile corpus without " + kind);
      }
    }
    return hostile;
  }

  /** Records of a topic a read_committed consumer sees (counted, not kept: up to 1 M). */
  static long countCommitted(String bootstrap, String topic) {
    return CommittedRecords.count(bootstrap, topic, Duration.ofSeconds(120));
  }

  // ---- write reduction ----

  static List<Measurement> writeReduction(PipelineRun run) {
    List<Measurement> out = new ArrayList<>();
    double seconds = run.job().sourceSeconds();
    double eventsPerSecond = run.job().eventsPerSecond();
    long events = run.job().records();
    long allRows = 0;
    long allInserts = 0;
    out.add(
        new Measurement(
            WRITES,
            "events in, parallelism 2",
            eventsPerSecond,
            "events/s",
            String.format(
                Locale.ROOT,
                "%,d events in %.1f s; %.0f checkpoints completed",
                events,
                seconds,
                run.checkpoints())));
    for (String table : List.of("aggregates", "alerts", "events")) {
      long rows = run.sinkWrites().get(table)[0];
      long inserts = run.sinkWrites().get(table)[1];
      allRows += rows;
      allInserts += inserts;
      boolean exactlyOnce = !table.equals("events");
      double perCheckpoint = inserts / (run.parallelism() * Math.max(1, run.checkpoints()));
      String label = tableLabel(table);
      out.add(
          new Measurement(
              WRITES,
              label + ": rows written",
              rows / seconds,
              "rows/s",
              String.format(
                  Locale.ROOT,
                  "%,d rows; %.3f%% of events in: reduction %.2f%%",
                  rows,
                  100.0 * rows / events,
                  100 - 100.0 * rows / events)));
      out.add(
          new Measurement(
              WRITES,
              label + ": INSERT requests",
              inserts / seconds,
              "inserts/s",
              String.format(
                      Locale.ROOT,
                      "%,d inserts; %.2f per subtask per checkpoint",
                      inserts,
                      perCheckpoint)
                  + (exactlyOnce
                      ? "; goal <= 1 (exactly-once) " + (perCheckpoint <= 1 ? "met" : "MISSED")
                      : "; at-least-once, batches of 50,000 rows / 16 MiB / 1 s")));
    }
    out.add(
        new Measurement(
            WRITES,
            "all tables: rows written vs events in, reduction",
            100 - 100.0 * allRows / events,
            "%",
            String.format(
                Locale.ROOT,
                "%,d rows and %,d inserts for %,d events (the original design claims 95-98%%)",
                allRows,
                allInserts,
                events)));
    out.add(
        new Measurement(
            WRITES,
            "all tables: INSERT requests vs events in, reduction",
            100 - 100.0 * allInserts / events,
            "%",
            String.format(Locale.ROOT, "%.6f inserts per event", (double) allInserts / events)));
    return out;
  }

  private static String tableLabel(String table) {
    return switch (table) {
      case "aggregates" -> "window_aggregates (1 m + 1 h + 1 d, exactly-once)";
      case "alerts" -> "alerts (exactly-once)";
      default -> "high_priority_events (raw, at-least-once)";
    };
  }

  // ---- running jobs ----

  /**
   * A finished job: records out of its source, seconds from the first to the last of them, the
   * sustained rate (after the first quarter of the records: a long-running TaskManager's JIT has
   * long compiled the code, and here the compiler threads take a third of the CPU at first), wall
   * seconds from submission to the end, and the part of it after the last record (final windows,
   * checkpoint, commits).
   */
  record JobRun(
      long records,
      double sourceSeconds,
      double steadyRate,
      double wallSeconds,
      double drainSeconds) {
    static JobRun of(JobMetrics.Progress progress, long records, long startNanos, long endNanos) {
      return new JobRun(
          records,
          progress.seconds(),
          progress.steadyRate(records),
          (endNanos - startNanos) / 1e9,
          (endNanos - progress.lastNanos()) / 1e9);
    }

    /** The sustained rate: what the table reports. */
    double eventsPerSecond() {
      return steadyRate;
    }

    double wholeRunEventsPerSecond() {
      return records / sourceSeconds;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "sustained (last 3/4 of the records); whole run incl. warm-up %,.0f/s; %.1f s reading,"
              + " %.1f s wall incl. start-up and drain",
          wholeRunEventsPerSecond(),
          sourceSeconds,
          wallSeconds);
    }
  }

  /** A MiniCluster environment: no web UI, the REST endpoint on a free port, {@link JobMetrics}. */
  static StreamExecutionEnvironment environment(Configuration flink, int parallelism) {
    Configuration conf = new Configuration(flink);
    conf.setString("rest.bind-port", "0");
    JobMetrics.enable(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    env.setParallelism(parallelism);
    return env;
  }

  /** Runs the job to its end, timing the records out of the source named {@code source}. */
  static JobRun execute(StreamExecutionEnvironment env, String name, String source, long records)
      throws Exception {
    JobMetrics.reset();
    long start = System.nanoTime();
    JobRun run;
    try (JobMetrics.Progress progress = new JobMetrics.Progress(source, "numRecordsOut", records)) {
      env.execute(name);
      // The job's metrics are removed at its end: a last look after it.
      Thread.sleep(50);
      run = JobRun.of(progress, records, start, System.nanoTime());
    }
    long seen = JobMetrics.counter(source, null, "numRecordsOut");
    if (seen != records || Double.isNaN(run.sourceSeconds()) || Double.isNaN(run.steadyRate())) {
      throw new IllegalStateException(
          name + ": " + seen + " records out of the source, expected " + records);
    }
    return run;
  }

  static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[e2e] " + format + "%n", args);
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  /** Runs the section alone against a Kafka broker and a ClickHouse server started here. */
  public static void main(String[] args) throws Exception {
    List<String> a = List.of(args);
    List<BenchSection> sections = new ArrayList<>();
    if (a.contains("pipeline-p2") || a.contains("hostile-p2")) {
      // For profiling (BENCH_JFR=1): one corpus and one full-pipeline run at parallelism 2.
      boolean hostile = a.contains("hostile-p2");
      sections.add(
          new BenchSection() {
            @Override
            public String title() {
              return (hostile ? HOSTILE : SECTION) + " (pipeline p2 only)";
            }

            @Override
            public List<Measurement> run(BenchContext context) throws Exception {
              BenchCorpus corpus = hostile ? hostileCorpus(context) : cleanCorpus(context);
              if (a.contains("--warm")) {
                // As in the full run, where earlier runs have compiled the code: JIT first.
                warmUp(() -> pipeline(context, corpus, 2, "profile_warm_up"));
              }
              PipelineRun run = pipeline(context, corpus, 2, "profile_p2");
              return List.of(
                  new Measurement(
                      SECTION,
                      "full pipeline -> ClickHouse, parallelism 2",
                      run.job().eventsPerSecond(),
                      "events/s",
                      run.describe()));
            }
          });
      System.exit(runAlone(sections, args));
    }
    if (!a.contains("sql")) {
      sections.add(new EndToEndThroughput());
    }
    if (!a.contains("e2e")) {
      sections.add(new FlinkSqlBaseline());
    }
    System.exit(runAlone(sections, args));
  }

  /** Starts the servers, runs the sections, prints their measurements; returns the exit code. */
  static int runAlone(List<BenchSection> sections, String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    Path reportDir = Path.of("target", "bench");
    Files.createDirectories(reportDir);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        ClickHouseServer clickhouse = ClickHouseServer.start()) {
      clickhouse.query("CREATE DATABASE IF NOT EXISTS bench");
      BenchContext context = new BenchContext(kafka, clickhouse, null, reportDir, quick);
      List<Measurement> results = new ArrayList<>();
      long start = System.nanoTime();
      for (BenchSection section : sections) {
        long t0 = System.nanoTime();
        results.addAll(section.run(context));
        log(
            "section %s: %.0f s (load average %s)",
            section.title(), (System.nanoTime() - t0) / 1e9, loadAverage());
      }
      System.out.printf(
          Locale.ROOT,
          "%n== %s mode, %.0f s, %d cores, load average %s%n",
          quick ? "quick" : "full",
          (System.nanoTime() - start) / 1e9,
          Runtime.getRuntime().availableProcessors(),
          loadAverage());
      System.out.println("| section | measurement | value | unit | note |");
      System.out.println("| --- | --- | ---: | --- | --- |");
      for (Measurement m : results) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %,.1f | %s | %s |%n",
            m.section(),
            m.name(),
            m.value(),
            m.unit(),
            m.note());
      }
    }
    return 0;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
