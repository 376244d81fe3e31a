package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.AnalyticsPipeline;
import dev.analytics.pipeline.OperatorIds;
import dev.analytics.pipeline.PipelineSinks;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.local.TrafficGenerator;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseConnection;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseHttpClient;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseRowEncoder;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseTables;
import dev.analytics.pipeline.sinks.clickhouse.RetryPolicy;
import dev.analytics.pipeline.sinks.clickhouse.RowBinaryWriter;
import dev.analytics.pipeline.sinks.clickhouse.WindowAggregateRowEncoder;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Benchmark of the ClickHouse sinks against a real private ClickHouse server (Debian's 18.16, on
 * loopback). Not a test: run {@code jobs/bench-clickhouse.sh}. It measures:
 *
 * <ol>
 *   <li>insert throughput: rows/s of window aggregates (RowBinary, the production client) at 1,
 *       1,000, 10,000 and 100,000 rows per insert, plus 100,000 with gzip bodies;
 *   <li>inserts per table at 100,000 events/s in: the whole pipeline on a MiniCluster over an
 *       in-JVM Kafka holding generated traffic whose event time runs at 100,000 events/s, with the
 *       default batching; the sink metrics count inserts and rows per table;
 *   <li>heap during a 60 s outage: the same pipeline on throttled input, ClickHouse stopped for 60
 *       s while the writers block and retry; the heap is sampled every 100 ms.
 * </ol>
 */
public final class ClickHouseBenchmark {
  private ClickHouseBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path tmp = Files.createTempDirectory("bench-clickhouse");
    try (ClickHouseServer server = ClickHouseServer.start()) {
      System.out.println(
          "== ClickHouse " + server.rows("SELECT version()").get(0) + " at " + server.url());
      List<String> parts =
          args.length == 0 ? List.of("rates", "pipeline", "outage") : List.of(args);
      if (parts.contains("rates")) {
        insertRates(server);
      }
      try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
        if (parts.contains("pipeline")) {
          String topic = "bench-events";
          kafka.createTopics(2, topic, "bench-dead-letters");
          produce(kafka, topic, 2_000_000, 100_000);
          // The original design's batching of the raw events (the default before 2026-11-22), then
          // larger.
          pipelineInserts(
              server, kafka, tmp, topic, "p_", Map.of("clickhouse.events.batch.max-rows", "10"));
          pipelineInserts(
              server,
              kafka,
              tmp,
              topic,
              "q_",
              Map.of(
                  "clickhouse.events.batch.max-rows", "5000",
                  "clickhouse.events.batch.interval", "1 s"));
        }
        if (parts.contains("outage")) {
          outageHeap(server, kafka, tmp);
        }
      }
    }
    try (Stream<Path> files = Files.walk(tmp)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
    System.exit(0);
  }

  // ---- 1. rows/s by batch size ----

  private static void insertRates(ClickHouseServer server) throws Exception {
    System.out.println("\n== 1. insert throughput, window_aggregates rows (RowBinary, loopback)");
    System.out.printf(
        Locale.ROOT,
        "%-10s %-6s %10s %10s %12s %10s %10s%n",
        "rows/ins",
        "gzip",
        "inserts",
        "rows",
        "rows/s",
        "inserts/s",
        "MB/s");
    WindowAggregateRowEncoder encoder = new WindowAggregateRowEncoder();
    int[][] plans = {{1, 2_000}, {1_000, 300}, {10_000, 60}, {100_000, 10}};
    for (int[] plan : plans) {
      print(
          insertRate(
              server,
              "rates",
              encoder,
              ClickHouseBenchmark::aggregates,
              plan[0],
              plan[1],
              null,
              false));
    }
    print(
        insertRate(
            server,
            "rates_gzip",
            encoder,
            ClickHouseBenchmark::aggregates,
            100_000,
            10,
            null,
            true));
    // Encoding cost on the client: rows/s of the encoder alone.
    List<WindowAggregate> rows = aggregates(100_000, 0);
    RowBinaryWriter out = new RowBinaryWriter(1 << 20);
    long start = System.nanoTime();
    for (int round = 0; round < 20; round++) {
      out.reset();
      for (WindowAggregate a : rows) {
        encoder.encode(a, out);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "encoding alone: %,.0f rows/s (%d bytes per row)%n",
        2_000_000 / seconds,
        out.size() / 100_000);
  }

  private static void print(InsertRate r) {
    System.out.printf(
        Locale.ROOT,
        "%-10s %-6s %10d %10d %12.0f %10.1f %10.1f%n",
        String.format(Locale.ROOT, "%,d", r.rowsPerInsert()),
        r.gzip() ? "gzip" : "none",
        r.inserts(),
        r.rows(),
        r.rowsPerSecond(),
        r.insertsPerSecond(),
        r.bytes() / r.seconds() / 1e6);
  }

  /**
   * What sequential inserts of one size achieved.
   *
   * @param seconds wall time of the inserts alone (rows encoded beforehand)
   */
  record InsertRate(
      int rowsPerInsert, boolean gzip, long inserts, long rows, long bytes, double seconds) {
    double rowsPerSecond() {
      return rows / seconds;
    }

    double insertsPerSecond() {
      return inserts / seconds;
    }
  }

  /**
   * Sequential inserts of {@code rowsPerInsert} rows each into {@code bench.<table>} (created if
   * missing; dropped after) over one HTTP client with the production {@link ClickHouseHttpClient},
   * until {@code maxInserts} inserts or {@code maxTime} (null: no limit) have passed. Rows come
   * from {@code rows.apply(n, offset)}; up to 10 distinct bodies are encoded beforehand and cycled,
   * so the figure is the server and transport alone.
   */
  static <T> InsertRate insertRate(
      ClickHouseServer server,
      String table,
      ClickHouseRowEncoder<T> encoder,
      BiFunction<Integer, Integer, List<T>> rows,
      int rowsPerInsert,
      int maxInserts,
      Duration maxTime,
      boolean gzip)
      throws Exception {
    ClickHouseHttpClient client =
        new ClickHouseHttpClient(
            new ClickHouseConnection(
                server.url(),
                "bench",
                "default",
                "",
                gzip,
                Duration.ofSeconds(5),
                Duration.ofSeconds(120)));
    RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0);
    ClickHouseTables.prepare(client, once, table, encoder, true);
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < Math.min(maxInserts, 10); i++) {
      RowBinaryWriter out = new RowBinaryWriter(rowsPerInsert * 300);
      for (T row : rows.apply(rowsPerInsert, i * rowsPerInsert)) {
        encoder.encode(row, out);
      }
      bodies.add(out.toByteArray());
    }
    long bytes = 0;
    long inserts = 0;
    long start = System.nanoTime();
    long deadline = maxTime == null ? Long.MAX_VALUE : start + maxTime.toNanos();
    String columns = encoder.columnList();
    while (inserts < maxInserts && System.nanoTime() < deadline) {
      byte[] body = bodies.get((int) (inserts % bodies.size()));
      client.insert(table, columns, body, null);
      bytes += body.length;
      inserts++;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // Dropped, not truncated: the parts of thousands of small inserts go at once.
    server.query("DROP TABLE bench." + table);
    return new InsertRate(rowsPerInsert, gzip, inserts, inserts * rowsPerInsert, bytes, seconds);
  }

  static List<WindowAggregate> aggregates(int n, int offset) {
    List<WindowAggregate> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = offset + i;
      WindowAggregate a = new WindowAggregate();
      a.eventType = "type-" + (k % 50);
      a.dimensions = Map.of("region", "r" + (k % 7), "tier", "t" + (k % 3));
      a.granularity = "1m";
      a.windowStart = 1_767_225_600_000L + (k / 50) * 60_000L;
      a.windowEnd = a.windowStart + 60_000L;
      a.estimatedCount = 1000 + k % 100;
      a.keptCount = 500 + k % 100;
      a.sampleRate = 0.5;
      a.valueCount = a.keptCount;
      a.sum = k * 1.5;
      a.min = 1;
      a.max = 1000;
      a.mean = 120.5;
      a.variancePop = 30.25;
      a.varianceSample = 30.5;
      a.stddevPop = 5.5;
      a.stddevSample = 5.52;
      a.p50 = 100;
      a.p75 = 150;
      a.p90 = 300;
      a.p95 = 450;
      a.p99 = 900;
      a.p999 = 990;
      out.add(a);
    }
    return out;
  }

  // ---- 2. inserts per table at 100,000 events/s ----

  private static void pipelineInserts(
      ClickHouseServer server,
      EmbeddedKafka kafka,
      Path tmp,
      String topic,
      String prefix,
      Map<String, String> batching)
      throws Exception {
    int events = 2_000_000;
    System.out.println(
        "\n== 2. inserts per table: 2,000,000 generated events, event time at 100,000 events/s"
            + " (20 s), checkpoints every 10 s, batching "
            + (batching.isEmpty() ? "by default" : batching));
    JobConfig config = config(kafka, server, tmp, topic, "bench-dead-letters", prefix, batching);
    JobMetrics.reset();
    long start = System.nanoTime();
    StreamExecutionEnvironment env = environment(config);
    defineJob(env, config, 0);
    env.execute("bench-inserts");
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "job: %.1f s wall, %,.0f events/s through the pipeline on this machine%n",
        seconds,
        events / seconds);
    System.out.printf(
        Locale.ROOT,
        "%-24s %10s %10s %14s %22s%n",
        "table",
        "inserts",
        "rows",
        "rows/insert",
        "inserts/s of event time");
    for (String table : List.of(prefix + "window_aggregates", prefix + "high_priority_events")) {
      long inserts = JobMetrics.counter("", table, "inserts");
      long rows = JobMetrics.counter("", table, "rowsWritten");
      System.out.printf(
          Locale.ROOT,
          "%-24s %10d %10d %14.1f %22.1f%n",
          table,
          inserts,
          rows,
          inserts == 0 ? 0.0 : (double) rows / inserts,
          inserts / 20.0);
    }
    System.out.printf(
        Locale.ROOT,
        "high-priority events: %,d of %,d (%.2f%%); window aggregates emitted: %,d%n",
        JobMetrics.counter("", "", "eventsHigh"),
        JobMetrics.counter("", "", "eventsIn"),
        100.0
            * JobMetrics.counter("", "", "eventsHigh")
            / Math.max(1, JobMetrics.counter("", "", "eventsIn")),
        JobMetrics.counter("", "", "windowsEmitted"));
  }

  // ---- 3. heap during a 60 s outage ----

  private static void outageHeap(ClickHouseServer server, EmbeddedKafka kafka, Path tmp)
      throws Exception {
    int events = 3_000_000;
    System.out.println(
        "\n== 3. heap during a 60 s ClickHouse outage, input throttled to ~20,000 events/s");
    String topic = "outage-events";
    kafka.createTopics(2, topic, "outage-dead-letters");
    produce(kafka, topic, events, 20_000);
    JobConfig config = config(kafka, server, tmp, topic, "outage-dead-letters", "o_", Map.of());
    StreamExecutionEnvironment env = environment(config);
    defineJob(env, config, 10);
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    AtomicLong maxHeap = new AtomicLong();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                maxHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    JobClient job = env.executeAsync("bench-outage");
    Thread.sleep(15_000);
    System.gc();
    long beforeLive = memory.getHeapMemoryUsage().getUsed();
    maxHeap.set(0);
    sampler.start();
    long inBefore = JobMetrics.counter("", "", "eventsIn");
    server.stop();
    Thread.sleep(60_000);
    long inDuring = JobMetrics.counter("", "", "eventsIn") - inBefore;
    long maxDuring = maxHeap.get();
    System.gc();
    long afterLive = memory.getHeapMemoryUsage().getUsed();
    server.restart();
    sampling.set(false);
    System.out.printf(
        Locale.ROOT,
        "heap used: before the outage %,d MiB (after GC); max during the outage %,d MiB (sampled"
            + " every 100 ms, garbage included); at its end %,d MiB (after GC); max heap %,d MiB%n",
        beforeLive >> 20,
        maxDuring >> 20,
        afterLive >> 20,
        memory.getHeapMemoryUsage().getMax() >> 20);
    System.out.printf(
        Locale.ROOT,
        "events read during the 60 s outage: %,d (backpressure: the source stops, Kafka keeps"
            + " them)%n",
        inDuring);
    job.cancel().get(1, TimeUnit.MINUTES);
  }

  // ---- helpers ----

  private static void produce(EmbeddedKafka kafka, String topic, int n, double eventsPerSecond)
      throws Exception {
    TrafficGenerator generator =
        new TrafficGenerator(
            new TrafficGenerator.Settings(
                7, eventsPerSecond, 0.0, TrafficGenerator.Settings.DEFAULT_START, 0.0));
    int chunk = 200_000;
    for (int done = 0; done < n; done += chunk) {
      List<Input> inputs = new ArrayList<>(chunk);
      for (int i = 0; i < Math.min(chunk, n - done); i++) {
        inputs.add(new Input(i % 2, generator.next().bytes()));
      }
      KafkaTopics.produce(kafka.bootstrapServers(), topic, inputs);
    }
  }

  private static JobConfig config(
      EmbeddedKafka kafka,
      ClickHouseServer server,
      Path tmp,
      String topic,
      String deadLetters,
      String prefix,
      Map<String, String> extra) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", kafka.bootstrapServers());
    values.put("kafka.topic", topic);
    values.put("kafka.start-position", "earliest");
    values.put("kafka.bounded", "true");
    values.put("kafka.transactional-id-prefix", prefix + System.nanoTime());
    values.put("dead-letter.topic", deadLetters);
    values.put("checkpoint.dir", tmp.resolve(prefix + "checkpoints").toUri().toString());
    values.put("state.backend", "hashmap");
    values.put("job.parallelism", "2");
    values.put("clickhouse.url", server.url());
    values.put("clickhouse.database", "bench");
    values.put("clickhouse.create-tables", "true");
    values.put("clickhouse.aggregates.table", prefix + "window_aggregates");
    values.put("clickhouse.alerts.table", prefix + "alerts");
    values.put("clickhouse.events.table", prefix + "high_priority_events");
    values.putAll(extra);
    return JobConfig.of(values);
  }

  private static StreamExecutionEnvironment environment(JobConfig config) {
    Configuration flink = config.flinkConfiguration();
    return StreamExecutionEnvironment.createLocalEnvironment(JobMetrics.enable(flink));
  }

  private static void defineJob(StreamExecutionEnvironment env, JobConfig config, int perMilli) {
    DataStream<ParsedRecord> records =
        env.fromSource(
                KafkaEventSource.create(config),
                KafkaEventSource.watermarks(config),
                OperatorIds.KAFKA_SOURCE_NAME)
            .uid(OperatorIds.KAFKA_SOURCE);
    if (perMilli > 0) {
      records = records.map(new Throttle(perMilli)).name("Throttle");
    }
    PipelineSinks.prepareTables(config);
    PipelineSinks.attach(AnalyticsPipeline.build(records, config), config);
  }

  /** About {@code perMilli} records per millisecond per subtask. */
  static final class Throttle implements MapFunction<ParsedRecord, ParsedRecord> {
    private final int perMilli;
    private int seen;

    Throttle(int perMilli) {
      this.perMilli = perMilli;
    }

    @Override
    public ParsedRecord map(ParsedRecord r) throws Exception {
      if (++seen % perMilli == 0) {
        Thread.sleep(1);
      }
      return r;
    }
  }
}
