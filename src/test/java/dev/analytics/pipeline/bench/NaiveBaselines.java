package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.bench.ClickHouseBenchmark.InsertRate;
import dev.analytics.pipeline.bench.PostgresBenchmark.Seed004;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.sinks.clickhouse.HighPriorityEventRowEncoder;
import dev.analytics.pipeline.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Section "Naive baselines": the ways the seeds wrote, measured against the same servers.
 *
 * <ul>
 *   <li>The original design: one INSERT per event into ClickHouse, sequential over HTTP, for a
 *       fixed time, beside batched inserts of the same rows (high-priority event rows, RowBinary,
 *       the production HTTP client), both by {@link ClickHouseBenchmark#insertRate}.
 *   <li>The original design's daily counters: daily counter increments into PostgreSQL (durable),
 *       one upsert and commit per metric sequentially vs summed in memory and one transaction, by
 *       {@link PostgresBenchmark#seed004}.
 * </ul>
 */
public final class NaiveBaselines implements DescribedSection {
  static final int BATCH = 10_000;

  @Override
  public String title() {
    return "Naive baselines";
  }

  @Override
  public String whatItMeasures() {
    return "The original design's ClickHouse baseline: one INSERT per event into ClickHouse, sequential over HTTP"
        + " (RowBinary, the production client, loopback), for a fixed time, beside batched"
        + " INSERTs of "
        + String.format(Locale.ROOT, "%,d", BATCH)
        + " of the same high-priority event rows; rows are encoded beforehand, so the figures are"
        + " the server and the transport. The original design's daily counters: daily counter increments into a durable"
        + " PostgreSQL (fsync on), (a) one upsert and commit per increment, (b) the seed's old code"
        + " (one upsert and commit per metric, sequential) and (c) the pipeline's way (summed by"
        + " bucket in memory, one transaction of batched upserts); rows/s = counter rows upserted"
        + " per second, mean over repeated batches after a warm-up. Same code as"
        + " `jobs/bench-clickhouse.sh` and `jobs/bench-postgres.sh`.";
  }

  @Override
  public List<Measurement> run(BenchContext context) throws Exception {
    List<Measurement> out = new ArrayList<>();
    Duration naiveTime = Duration.ofSeconds(context.quick() ? 3 : 10);
    Duration batchedTime = Duration.ofSeconds(context.quick() ? 2 : 5);
    HighPriorityEventRowEncoder encoder = new HighPriorityEventRowEncoder();
    InsertRate naive =
        ClickHouseBenchmark.insertRate(
            context.clickhouse(),
            "naive_events",
            encoder,
            NaiveBaselines::events,
            1,
            Integer.MAX_VALUE,
            naiveTime,
            false);
    InsertRate batched =
        ClickHouseBenchmark.insertRate(
            context.clickhouse(),
            "naive_events",
            encoder,
            NaiveBaselines::events,
            BATCH,
            Integer.MAX_VALUE,
            batchedTime,
            false);
    out.add(
        new Measurement(
            title(),
            "original design: one INSERT per event into ClickHouse (sequential HTTP)",
            naive.rowsPerSecond(),
            "events/s",
            String.format(
                Locale.ROOT,
                "%,d INSERTs in %.1f s = %,.0f INSERTs/s",
                naive.inserts(),
                naive.seconds(),
                naive.insertsPerSecond())));
    out.add(
        new Measurement(
            title(),
            String.format(Locale.ROOT, "same rows, %,d events per INSERT (sequential)", BATCH),
            batched.rowsPerSecond(),
            "events/s",
            String.format(
                Locale.ROOT,
                "%,d INSERTs in %.1f s = %,.1f INSERTs/s, %.0f MB/s",
                batched.inserts(),
                batched.seconds(),
                batched.insertsPerSecond(),
                batched.bytes() / batched.seconds() / 1e6)));
    out.add(
        new Measurement(
            title(),
            "original design: batched / one INSERT per event",
            batched.rowsPerSecond() / naive.rowsPerSecond(),
            "x",
            ""));

    int repetitions = context.quick() ? 40 : PostgresBenchmark.REPETITIONS;
    for (int[] plan : new int[][] {{100, 10}, {1000, 50}}) {
      Seed004 r = PostgresBenchmark.seed004(context.postgres(), plan[0], plan[1], repetitions);
      String batch = String.format(Locale.ROOT, "%,d increments over %d metrics", plan[0], plan[1]);
      out.add(
          seed004Row(
              "original design's daily counters (a) one upsert per increment, " + batch,
              r.perIncrementMs(),
              plan[0],
              plan[0]));
      out.add(
          seed004Row(
              "original design's daily counters (b) per-metric sequential upserts, " + batch,
              r.perMetricMs(),
              plan[1],
              plan[0]));
      out.add(
          seed004Row(
              "original design's daily counters (c) one aggregated transaction, " + batch,
              r.oneTransactionMs(),
              plan[1],
              plan[0]));
      out.add(
          new Measurement(
              title(),
              "original design's daily counters: (b) per-metric time / (c) one transaction, "
                  + batch,
              r.perMetricMs() / r.oneTransactionMs(),
              "x",
              String.format(
                  Locale.ROOT,
                  "%.2f ms vs %.2f ms per batch, mean of %d batches",
                  r.perMetricMs(),
                  r.oneTransactionMs(),
                  repetitions)));
    }
    return out;
  }

  private Measurement seed004Row(String name, double msPerBatch, int rows, int increments) {
    return new Measurement(
        title(),
        name,
        rows / (msPerBatch / 1000),
        "rows/s",
        String.format(
            Locale.ROOT,
            "%.2f ms per batch of %,d upserts = %,.0f increments/s",
            msPerBatch,
            rows,
            increments / (msPerBatch / 1000)));
  }

  /**
   * {@code n} high-priority events as the pipeline writes them, distinct ids from {@code offset}.
   */
  static List<AnalyticsEvent> events(int n, int offset) {
    List<AnalyticsEvent> out = new ArrayList<>(n);
    long start = 1_795_000_000_000L;
    for (int i = 0; i < n; i++) {
      int k = offset + i;
      out.add(
          TestEvents.event(k % 3 == 0 ? "payment.failed" : "api.error")
              .id("evt-" + k)
              .at(start + k * 7L)
              .value(100 + k % 900)
              .category("error")
              .priority(Priority.HIGH)
              .user("user-" + (k % 5000))
              .tenant("tenant-" + (k % 40))
              .dim("region", "eu-west-" + (k % 3))
              .dim("endpoint", "/api/messages")
              .properties("{\"status\":\"500\",\"error_type\":\"internal\"}")
              .build());
    }
    return out;
  }
}
