package dev.analytics.pipeline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What it measures: events/s of the Flink SQL job a user would write instead of the pipeline, on
 * the same topic as {@link EndToEndThroughput} (its clean corpus), under the same conditions:
 * RocksDB (incremental), exactly-once checkpoints every 10 s, parallelism 1 and 2, the Kafka SQL
 * connector bounded to the latest offsets, JSON format (broken records skipped), a watermark of 5 s
 * out-of-orderness (the pipeline's default) on the event time, and 1-minute tumbling windows per
 * event type (the pipeline's default key: no dimensions) with COUNT, SUM, MIN, MAX, AVG, STDDEV_POP
 * and Flink's exact PERCENTILE at the pipeline's six quantiles ({@link #QUERY}).
 *
 * <p>Event time: the schema allows ISO-8601 with {@code Z} or an offset, and epoch milliseconds;
 * the generator writes all three, so the SQL computes the instant from each ({@link #DDL}).
 *
 * <p>Sink: blackhole. Its output is one row per event type and minute (11 per minute of traffic),
 * so the sink's cost is negligible against the input side either way, and there is no Flink SQL
 * connector for ClickHouse 18.16 on Maven Central; if anything this favours the SQL job, which
 * makes the pipeline/SQL ratio conservative. Rollups, detection and sampling are not in the SQL job
 * (more work for the pipeline, again a conservative ratio).
 *
 * <p>Events/s as for the pipeline: records read by the Kafka reader over the time from the first to
 * the last, from the job's own metrics; the job reads at most the first {@value #MAX_RECORDS}
 * records of the topic (in full mode about 60 s at parallelism 1; the rate is steady long before).
 * Alone: {@code jobs/bench-e2e.sh [--quick] sql}.
 */
public final class FlinkSqlBaseline implements DescribedSection {
  static final String SECTION = "Flink SQL baseline";
  static final String SOURCE_TABLE = "bench_source";
  static final long MAX_RECORDS = 3_000_000;

  /** The source table; %s: topic, bootstrap servers, group id, end offsets. */
  static final String DDL =
      """
      CREATE TABLE bench_source (
        event_type STRING,
        `timestamp` STRING,
        `value` DOUBLE,
        ts AS COALESCE(
          CASE
            WHEN `timestamp` SIMILAR TO '[0-9]+'
              THEN CAST(TO_TIMESTAMP_LTZ(TRY_CAST(`timestamp` AS BIGINT), 3) AS TIMESTAMP(3))
            WHEN `timestamp` LIKE '%%Z'
              THEN TO_TIMESTAMP(SUBSTRING(`timestamp` FROM 1 FOR 23), 'yyyy-MM-dd''T''HH:mm:ss.SSS')
            ELSE TIMESTAMPADD(MINUTE,
              (CASE WHEN SUBSTRING(`timestamp` FROM 24 FOR 1) = '-' THEN 1 ELSE -1 END)
                * (TRY_CAST(SUBSTRING(`timestamp` FROM 25 FOR 2) AS INT) * 60
                   + TRY_CAST(SUBSTRING(`timestamp` FROM 28 FOR 2) AS INT)),
              TO_TIMESTAMP(SUBSTRING(`timestamp` FROM 1 FOR 23), 'yyyy-MM-dd''T''HH:mm:ss.SSS'))
          END,
          TIMESTAMP '1970-01-01 00:00:00.000'),
        WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
      ) WITH (
        'connector' = 'kafka',
        'topic' = '%s',
        'properties.bootstrap.servers' = '%s',
        'properties.group.id' = '%s',
        'scan.startup.mode' = 'earliest-offset',
        'scan.bounded.mode' = 'specific-offsets',
        'scan.bounded.specific-offsets' = '%s',
        'format' = 'json',
        'json.ignore-parse-errors' = 'true',
        'json.fail-on-missing-field' = 'false'
      )
      """;

  static final String SINK_DDL =
      """
      CREATE TABLE bench_sink (
        window_start TIMESTAMP(3),
        window_end TIMESTAMP(3),
        event_type STRING,
        events BIGINT,
        value_sum DOUBLE,
        value_min DOUBLE,
        value_max DOUBLE,
        value_avg DOUBLE,
        value_stddev_pop DOUBLE,
        percentiles ARRAY<DOUBLE>
      ) WITH ('connector' = 'blackhole')
      """;

  static final String QUERY =
      """
      INSERT INTO bench_sink
      SELECT window_start, window_end, event_type,
        COUNT(*), SUM(`value`), MIN(`value`), MAX(`value`), AVG(`value`), STDDEV_POP(`value`),
        PERCENTILE(`value`, ARRAY[0.5, 0.75, 0.9, 0.95, 0.99, 0.999])
      FROM TABLE(TUMBLE(TABLE valid_events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end, event_type
      """;

  static final String VIEW =
      """
      CREATE TEMPORARY VIEW valid_events AS
      SELECT event_type, `value`, ts FROM bench_source
      WHERE event_type IS NOT NULL AND `timestamp` IS NOT NULL
      """;

  public FlinkSqlBaseline() {}

  @Override
  public String title() {
    return SECTION;
  }

  @Override
  public String whatItMeasures() {
    return "The equivalent Flink SQL job on the same topic (a prefix of at most 3 M records):"
        + " Kafka SQL connector with the JSON format, 5 s watermark, TUMBLE 1 minute GROUP BY"
        + " event_type with COUNT, SUM, MIN, MAX, AVG, STDDEV_POP and the exact PERCENTILE at the"
        + " pipeline's six quantiles, RocksDB and exactly-once checkpoints every 10 s, blackhole"
        + " sink (no rollups, detection or sampling: both favour SQL). Goal: the pipeline >= 5x.";
  }

  @Override
  public List<Measurement> run(BenchContext context) throws Exception {
    BenchCorpus corpus = EndToEndThroughput.cleanCorpus(context);
    List<Measurement> out = new ArrayList<>();
    EndToEndThroughput.warmUp(() -> sqlJob(context, corpus, 2));
    if (EndToEndThroughput.PIPELINE_RATES.isEmpty()) {
      // Run alone: the pipeline is measured below on the same topic, after its own warm-up.
      EndToEndThroughput.warmUp(
          () -> EndToEndThroughput.pipeline(context, corpus, 2, "sqlref_warm_up"));
    }
    for (int p = 1; p <= 2; p++) {
      int parallelism = p;
      EndToEndThroughput.Repeated<EndToEndThroughput.JobRun> runs =
          EndToEndThroughput.Repeated.of(
              EndToEndThroughput.runs(context, p),
              i -> sqlJob(context, corpus, parallelism),
              EndToEndThroughput.JobRun::eventsPerSecond);
      EndToEndThroughput.JobRun run = runs.median();
      Double pipeline = EndToEndThroughput.PIPELINE_RATES.get(p);
      if (pipeline == null) {
        // Run alone: the pipeline's figure on the same topic, measured here.
        pipeline =
            EndToEndThroughput.pipeline(context, corpus, p, "sqlref_p" + p).job().eventsPerSecond();
        EndToEndThroughput.PIPELINE_RATES.put(p, pipeline);
      }
      double ratio = pipeline / run.eventsPerSecond();
      out.add(
          new Measurement(
              SECTION,
              "Flink SQL TUMBLE 1 min (COUNT..STDDEV_POP, exact PERCENTILE) -> blackhole,"
                  + " parallelism "
                  + p,
              run.eventsPerSecond(),
              "events/s",
              String.format(
                  Locale.ROOT,
                  "first %,d records of the topic, %s%s; RocksDB, exactly-once checkpoints every"
                      + " 10 s",
                  run.records(),
                  runs.describe(),
                  run.describe())));
      out.add(
          new Measurement(
              SECTION,
              "full pipeline / Flink SQL, parallelism " + p,
              ratio,
              "x",
              String.format(
                  Locale.ROOT,
                  "pipeline %,.0f events/s; goal >= 5x %s",
                  pipeline,
                  ratio >= 5 ? "met" : "MISSED")));
    }
    return out;
  }

  static EndToEndThroughput.JobRun sqlJob(BenchContext context, BenchCorpus corpus, int p)
      throws Exception {
    Path tmp = Files.createTempDirectory("bench-sql");
    Prefix prefix = prefix(context, corpus);
    try {
      Configuration flink = new Configuration();
      flink.setString("state.backend.type", "rocksdb");
      flink.setString("execution.checkpointing.incremental", "true");
      flink.setString("execution.checkpointing.interval", "10 s");
      flink.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
      flink.setString("execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
      flink.setString("table.local-time-zone", "UTC");
      StreamExecutionEnvironment env = EndToEndThroughput.environment(flink, p);
      StreamTableEnvironment tables = StreamTableEnvironment.create(env);
      tables.getConfig().set("table.local-time-zone", "UTC");
      tables.executeSql(
          String.format(
              Locale.ROOT,
              DDL,
              corpus.topic(),
              context.kafka().bootstrapServers(),
              "bench-sql-" + System.nanoTime(),
              prefix.spec()));
      tables.executeSql(SINK_DDL);
      tables.executeSql(VIEW);
      JobMetrics.reset();
      long start = System.nanoTime();
      EndToEndThroughput.JobRun run;
      try (JobMetrics.Progress progress =
          new JobMetrics.Progress(SOURCE_TABLE, "numRecordsIn", prefix.records())) {
        TableResult result = tables.executeSql(QUERY);
        result.await();
        Thread.sleep(50);
        long end = System.nanoTime();
        long seen = JobMetrics.counter(SOURCE_TABLE, null, "numRecordsIn");
        run = EndToEndThroughput.JobRun.of(progress, prefix.records(), start, end);
        if (seen != prefix.records() || Double.isNaN(run.steadyRate())) {
          throw new IllegalStateException(
              "SQL p" + p + ": " + seen + " records read, expected " + prefix.records());
        }
        // Broken records are skipped by the JSON format; the rest must come out as windows.
        long windows = JobMetrics.counter("bench_sink", null, "numRecordsIn");
        if (windows == 0) {
          throw new IllegalStateException("SQL p" + p + ": no window rows reached the sink");
        }
        EndToEndThroughput.log("Flink SQL p%d: %,d window rows", p, windows);
      }
      EndToEndThroughput.log(
          "Flink SQL p%d: %,.0f events/s; %s", p, run.eventsPerSecond(), run.describe());
      return run;
    } finally {
      EndToEndThroughput.delete(tmp);
    }
  }

  /** How much of the topic the SQL job reads: all of it, at most {@value #MAX_RECORDS} records. */
  record Prefix(String spec, long records) {}

  /**
   * At most {@value #MAX_RECORDS} records from the start of each partition in equal shares (the SQL
   * job is the slowest here; its rate is steady long before): the specific end offsets.
   */
  static Prefix prefix(BenchContext context, BenchCorpus corpus) {
    Properties p = new Properties();
    p.put("bootstrap.servers", context.kafka().bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int i = 0; i < corpus.partitions(); i++) {
        partitions.add(new TopicPartition(corpus.topic(), i));
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long share = MAX_RECORDS / corpus.partitions();
      StringBuilder spec = new StringBuilder();
      long records = 0;
      for (TopicPartition tp : partitions) {
        long offset = Math.min(end.get(tp), share);
        records += offset;
        spec.append(spec.isEmpty() ? "" : ";")
            .append("partition:")
            .append(tp.partition())
            .append(",offset:")
            .append(offset);
      }
      return new Prefix(spec.toString(), records);
    }
  }

  /** Runs the section alone against a Kafka broker and a ClickHouse server started here. */
  public static void main(String[] args) throws Exception {
    System.exit(EndToEndThroughput.runAlone(List.of(new FlinkSqlBaseline()), args));
  }
}
