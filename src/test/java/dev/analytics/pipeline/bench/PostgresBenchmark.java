package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.PipelineSinks;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.sinks.postgres.PostgresConnections;
import dev.analytics.pipeline.sinks.postgres.PostgresSchema;
import dev.analytics.pipeline.sinks.postgres.PostgresSettings;
import dev.analytics.pipeline.sinks.postgres.PostgresSinks;
import dev.analytics.pipeline.sinks.postgres.PostgresStatements;
import dev.analytics.pipeline.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What it measures, against a private PostgreSQL started here with its default durability (fsync
 * and synchronous commit on, loopback TCP):
 *
 * <ol>
 *   <li><b>Rows/s into PostgreSQL in both modes</b>: a Flink job (local MiniCluster, parallelism 2,
 *       checkpoints every second) writes {@value #ROWS} distinct window aggregates through the real
 *       sinks ({@link PostgresSinks}), exactly-once (two-phase commit) and at-least-once (versioned
 *       upserts); rows/s = rows / job wall time, job start included, so a lower bound.
 *   <li><b>The original design's daily counters: sequential vs one transaction</b>, for 100
 *       increments over 10 metrics and 1,000 increments over 50 buckets (the seed's scenarios): (a)
 *       one upsert statement and one commit per increment; (b) the seed's old code: counts per
 *       metric first, then one upsert and one commit per metric, sequentially; (c) what the job
 *       does: increments summed in memory by bucket, then one transaction with one batched upsert
 *       per bucket. Mean milliseconds per batch over {@value #REPETITIONS} batches after a warm-up
 *       ((a), by far the slowest, over a twentieth of them).
 * </ol>
 *
 * <p>Run: {@code jobs/bench-postgres.sh} (PostgreSQL server binaries needed, as for the tests).
 */
public final class PostgresBenchmark {
  static final int ROWS = 200_000;
  static final int REPETITIONS = 200;
  private static final List<String> DIMS =
      List.of("template_id", "jurisdiction", "delivery_method", "utm_source", "error_type");

  private PostgresBenchmark() {}

  public static void main(String[] args) throws Exception {
    try (PostgresServer pg = PostgresServer.start(true)) {
      System.out.println("== PostgreSQL " + version(pg) + ", durable (fsync, synchronous commit)");
      System.out.println();
      System.out.println("== rows/s into PostgreSQL (window aggregates, Flink job, parallelism 2)");
      for (String mode : List.of("exactly-once", "at-least-once")) {
        sinkThroughput(pg, mode); // warm-up run
        double rate = sinkThroughput(pg, mode);
        System.out.printf(Locale.ROOT, "%-14s %,10.0f rows/s%n", mode, rate);
      }
      System.out.println();
      System.out.println(
          "== original design's daily counters: daily counter increments, ms per batch (mean)");
      System.out.printf(
          Locale.ROOT,
          "%-28s %22s %26s %26s%n",
          "increments (buckets)",
          "(a) per increment",
          "(b) per metric, sequential",
          "(c) one transaction");
      for (int[] plan : new int[][] {{100, 10}, {1000, 50}}) {
        Seed004 r = seed004(pg, plan[0], plan[1], REPETITIONS);
        System.out.printf(
            Locale.ROOT,
            "%-28s %19.2f ms %23.2f ms %23.2f ms%n",
            plan[0] + " (" + plan[1] + ")",
            r.perIncrementMs(),
            r.perMetricMs(),
            r.oneTransactionMs());
      }
    }
  }

  private static String version(PostgresServer pg) throws Exception {
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static double sinkThroughput(PostgresServer pg, String mode) throws Exception {
    String table = "bench_" + mode.replace('-', '_') + "_" + System.nanoTime();
    Path checkpoints = Files.createTempDirectory("bench-checkpoints");
    Map<String, String> values = new HashMap<>();
    values.put("postgres.url", pg.jdbcUrl());
    values.put("postgres.user", pg.user());
    values.put("postgres.mode", mode);
    values.put("postgres.daily-counters", "false");
    values.put("postgres.create-tables", "true");
    values.put("postgres.table.aggregates", table);
    values.put("postgres.table.alerts", table + "_alerts");
    values.put("job.parallelism", "2");
    values.put("checkpoint.interval", "1 s");
    values.put("checkpoint.dir", checkpoints.toUri().toString());
    values.put("state.backend", "hashmap");
    JobConfig config = JobConfig.of(values);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    PipelineSinks.prepareTables(config);
    PipelineSinks.postgresAggregates(
        env.fromSequence(0, ROWS - 1)
            .map(PostgresBenchmark::aggregate)
            .returns(WindowAggregate.class),
        config,
        PostgresConnections.DEFAULT);
    long start = System.nanoTime();
    env.execute("bench " + mode);
    double seconds = (System.nanoTime() - start) / 1e9;
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      if (rs.getLong(1) != ROWS) {
        throw new IllegalStateException(mode + ": " + rs.getLong(1) + " rows, not " + ROWS);
      }
    }
    return ROWS / seconds;
  }

  private static WindowAggregate aggregate(long i) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = "type-" + (i % 20);
    a.dimensions = new HashMap<>(Map.of("region", "r" + (i % 7)));
    a.granularity = "1m";
    a.windowStart = 1_767_225_600_000L + (i / 140) * 60_000L;
    a.windowEnd = a.windowStart + 60_000L;
    a.estimatedCount = 100;
    a.keptCount = 100;
    a.sampleRate = 1;
    a.valueCount = 100;
    a.sum = 5000;
    a.min = 1;
    a.max = 99;
    a.mean = 50;
    a.p50 = 50;
    a.p99 = 99;
    return a;
  }

  /**
   * Mean milliseconds per batch of the original design's three ways of writing daily counters.
   *
   * @param perIncrementMs (a) one upsert and one commit per increment (over a twentieth of the
   *     batches, at least 3: it is by far the slowest)
   * @param perMetricMs (b) the seed's old code: one upsert and one commit per metric, sequential
   * @param oneTransactionMs (c) summed by bucket in memory, one transaction of batched upserts
   */
  record Seed004(
      int increments,
      int buckets,
      double perIncrementMs,
      double perMetricMs,
      double oneTransactionMs) {}

  /**
   * {@code count} increments over {@code buckets} buckets (metric x template), as the original
   * design writes them: each way runs {@code repetitions} batches after 20 warm-up batches; the
   * counters are checked at the end.
   */
  static Seed004 seed004(PostgresServer pg, int count, int buckets, int repetitions)
      throws Exception {
    PostgresSettings s =
        PostgresSettings.from(
            JobConfig.of(Map.of("postgres.url", pg.jdbcUrl(), "postgres.user", pg.user())));
    String table = "bench_counters_" + count + "_" + System.nanoTime();
    try (Connection c = pg.connect();
        Statement st = c.createStatement()) {
      for (String sql : PostgresSchema.dailyCountersDdl(table, DIMS)) {
        st.execute(sql);
      }
    }
    long day = 20_454;
    List<DailyCounterIncrement> increments = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int bucket = i % buckets;
      String[] dims = {"template-" + bucket, "CA", "", "", ""};
      increments.add(new DailyCounterIncrement("metric_" + bucket, dims, day, 1));
    }
    var statement = new PostgresStatements.DailyCounterAdd(table, s.dailyCounterDimensions());
    long expected = 0;
    int perIncrementRepetitions = Math.max(3, repetitions / 20);
    double[] ms = new double[3];
    try (Connection c = pg.connect();
        PreparedStatement ps = c.prepareStatement(statement.query())) {
      for (int variant = 0; variant < 3; variant++) {
        int reps = variant == 0 ? perIncrementRepetitions : repetitions;
        for (int rep = variant == 0 ? -2 : -20; rep < reps; rep++) {
          long start = System.nanoTime();
          switch (variant) {
            case 0 -> perIncrement(c, ps, statement, increments);
            case 1 -> perMetricSequential(c, ps, statement, increments);
            default -> oneTransaction(c, ps, statement, increments);
          }
          if (rep >= 0) {
            ms[variant] += (System.nanoTime() - start) / 1e6;
          }
          expected += count;
        }
      }
    }
    try (Connection c = pg.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT sum(count) FROM " + table)) {
      rs.next();
      if (rs.getLong(1) != expected) {
        throw new IllegalStateException("counted " + rs.getLong(1) + ", expected " + expected);
      }
    }
    return new Seed004(
        count, buckets, ms[0] / perIncrementRepetitions, ms[1] / repetitions, ms[2] / repetitions);
  }

  /** One statement and one commit per increment. */
  private static void perIncrement(
      Connection c,
      PreparedStatement ps,
      PostgresStatements.DailyCounterAdd statement,
      List<DailyCounterIncrement> increments)
      throws Exception {
    c.setAutoCommit(true);
    for (DailyCounterIncrement inc : increments) {
      statement.statement(ps, inc);
      ps.executeUpdate();
    }
  }

  /** The seed's old code: counts per metric, then one statement and one commit per metric. */
  private static void perMetricSequential(
      Connection c,
      PreparedStatement ps,
      PostgresStatements.DailyCounterAdd statement,
      List<DailyCounterIncrement> increments)
      throws Exception {
    c.setAutoCommit(true);
    Map<String, Long> perMetric = new java.util.LinkedHashMap<>();
    for (DailyCounterIncrement inc : increments) {
      perMetric.merge(inc.metric, inc.count, Long::sum);
    }
    for (Map.Entry<String, Long> e : perMetric.entrySet()) {
      DailyCounterIncrement first = null;
      for (DailyCounterIncrement inc : increments) { // the seed's increments.find(...)
        if (inc.metric.equals(e.getKey())) {
          first = inc;
          break;
        }
      }
      statement.statement(
          ps,
          new DailyCounterIncrement(
              e.getKey(), first.dimensionValues, first.epochDay, e.getValue()));
      ps.executeUpdate();
    }
  }

  /** The job's way: sum by bucket in memory, then one transaction of batched upserts. */
  private static void oneTransaction(
      Connection c,
      PreparedStatement ps,
      PostgresStatements.DailyCounterAdd statement,
      List<DailyCounterIncrement> increments)
      throws Exception {
    TreeMap<String, DailyCounterIncrement> buckets = new TreeMap<>();
    for (DailyCounterIncrement inc : increments) {
      buckets.merge(
          inc.bucketKey(),
          new DailyCounterIncrement(inc.metric, inc.dimensionValues, inc.epochDay, inc.count),
          (a, b) -> {
            a.count += b.count;
            return a;
          });
    }
    c.setAutoCommit(false);
    for (DailyCounterIncrement bucket : buckets.values()) {
      statement.statement(ps, bucket);
      ps.addBatch();
    }
    ps.executeBatch();
    c.commit();
    c.setAutoCommit(true);
  }
}
