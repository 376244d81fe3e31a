package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.testing.ClickHouseServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Section "Latency": from event time to visible in ClickHouse, for window aggregates and for
 * high-priority raw events, with the full production pipeline at parallelism 2 on a MiniCluster
 * (RocksDB, exactly-once checkpoints) fed live by {@link LiveProducer} at a steady rate with event
 * time = the wall clock at sending. A poller queries ClickHouse every {@value #POLL_MS} ms and
 * stamps each row the first time it sees it. Run twice: checkpoints every 10 s (the default) and
 * every 1 s, since exactly-once rows become visible only when a checkpoint completes.
 */
public final class Latency implements DescribedSection {
  static final double RATE = 20_000;
  static final long POLL_MS = 150;
  static final Duration WINDOW = Duration.ofSeconds(5);
  static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(5);

  @Override
  public String title() {
    return "Latency";
  }

  @Override
  public String whatItMeasures() {
    return String.format(
        Locale.ROOT,
        "Events are produced live into Kafka at %,.0f events/s with event time = the wall clock"
            + " at sending; the full production pipeline (RocksDB, exactly-once checkpoints,"
            + " pre-aggregation, percentiles, detection) runs at parallelism 2 on a MiniCluster in"
            + " the same JVM and writes to ClickHouse; a poller queries ClickHouse every %d ms and"
            + " stamps each row the first time it sees it. Latency = first seen - event time: for"
            + " high-priority raw events (at-least-once sink, hybrid batching 50,000 rows / 1 s"
            + " set explicitly as in jobs/production.yaml) the event's timestamp; for window"
            + " aggregates (exactly-once sink) the window end. Windows are %d s for this run"
            + " instead of the default 60 s, so that a short run has many windows; the"
            + " out-of-orderness bound is the default %d s. What the design allows for a window"
            + " row: out-of-orderness + the wait for the next completed checkpoint (uniform between"
            + " 0 and the interval), so about bound + interval/2 at the median and bound + interval"
            + " at worst; all rows of a window become visible together, so a short run has few"
            + " distinct values. Measured with checkpoints every 10 s (the default) and every 1 s. Only rows"
            + " whose event time or window end falls in the measured period count; the poller's"
            + " resolution is its interval.",
        RATE,
        POLL_MS,
        WINDOW.toSeconds(),
        OUT_OF_ORDERNESS.toSeconds());
  }

  @Override
  public List<Measurement> run(BenchContext context) throws Exception {
    List<Measurement> out = new ArrayList<>();
    out.addAll(measure(context, Duration.ofSeconds(10)));
    out.addAll(measure(context, Duration.ofSeconds(1)));
    return out;
  }

  private List<Measurement> measure(BenchContext context, Duration interval) throws Exception {
    Duration period = Duration.ofSeconds(context.quick() ? 10 : 60);
    String prefix =
        "lat" + interval.toSeconds() + "s_" + Long.toString(System.nanoTime(), 36) + "_";
    Map<String, String> extra =
        Map.of(
            "checkpoint.interval", interval.toMillis() + " ms",
            "window.size", WINDOW.toSeconds() + " s",
            "watermark.out-of-orderness", OUT_OF_ORDERNESS.toSeconds() + " s");
    String condition = "checkpoints every " + interval.toSeconds() + " s";
    try (LiveJob job = new LiveJob(context.kafka(), context.clickhouse(), prefix, extra);
        LiveProducer producer =
            new LiveProducer(
                context.kafka().bootstrapServers(), job.topic, 2, RATE, WINDOW.toMillis())) {
      job.start();
      producer.start();
      Poller poller = new Poller(context.clickhouse(), job);
      // Warm-up: until the first window rows are visible, then a few seconds more.
      if (!LiveJob.await(
          Duration.ofMinutes(3), () -> poller.tables() && poller.pollWindows(0) > 0)) {
        throw new IllegalStateException("no window aggregate visible in ClickHouse after 3 min");
      }
      Thread.sleep(3_000);
      long from = System.currentTimeMillis();
      long to = from + period.toMillis();
      long ackedAtStart = producer.acked();
      long graceEnd =
          to
              + interval.toMillis()
              + OUT_OF_ORDERNESS.toMillis()
              + (context.quick() ? 3_000 : 10_000);
      while (System.currentTimeMillis() < graceEnd) {
        long started = System.currentTimeMillis();
        poller.pollWindows(from);
        poller.pollEvents(from);
        long sleep = POLL_MS - (System.currentTimeMillis() - started);
        if (sleep > 0) {
          Thread.sleep(sleep);
        }
      }
      double rate = (producer.acked() - ackedAtStart) / ((graceEnd - from) / 1000.0);
      long[] windows = poller.windowLatencies(from, to);
      long[] events = poller.eventLatencies(from, to);
      long missedEvents = poller.eventsInClickHouse(from, to) - events.length;
      List<Measurement> out = new ArrayList<>();
      long bound = OUT_OF_ORDERNESS.toMillis();
      out.addAll(
          stats(
              "window aggregates (" + WINDOW.toSeconds() + " s windows), " + condition,
              windows,
              String.format(
                  Locale.ROOT,
                  "design: about %.1f s median, %.1f s worst (bound + interval/2, bound + interval);"
                      + " input %,.0f events/s",
                  (bound + interval.toMillis() / 2.0) / 1000,
                  (bound + interval.toMillis()) / 1000.0,
                  rate)));
      out.addAll(
          stats(
              "high-priority raw events, " + condition,
              events,
              String.format(
                  Locale.ROOT,
                  "at-least-once, batches of 50,000 rows / 1 s; %d rows seen only after the"
                      + " poller's 30 s look-back",
                  Math.max(0, missedEvents))));
      return out;
    }
  }

  private List<Measurement> stats(String subject, long[] ms, String note) {
    if (ms.length == 0) {
      throw new IllegalStateException(subject + ": no rows seen");
    }
    Arrays.sort(ms);
    return List.of(
        new Measurement(title(), subject + ": p50", percentile(ms, 0.5), "ms", note),
        new Measurement(title(), subject + ": p99", percentile(ms, 0.99), "ms", ""),
        new Measurement(title(), subject + ": max", ms[ms.length - 1], "ms", ""),
        new Measurement(title(), subject + ": rows measured", ms.length, "rows", ""));
  }

  static long percentile(long[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  /** Finds rows newly visible in ClickHouse and stamps them with the time it first saw them. */
  static final class Poller {
    private final ClickHouseServer clickhouse;
    private final LiveJob job;
    private final Set<String> seenWindows = new HashSet<>();
    private final List<long[]> windowRows = new ArrayList<>(); // {window end, seen at}
    private final Set<String> seenEvents = new HashSet<>();
    private final List<long[]> eventRows = new ArrayList<>(); // {event time, seen at}

    Poller(ClickHouseServer clickhouse, LiveJob job) {
      this.clickhouse = clickhouse;
      this.job = job;
    }

    /** Whether the job has created its tables. */
    boolean tables() throws Exception {
      return !clickhouse
          .rows(
              "SELECT name FROM system.tables WHERE database = '"
                  + LiveJob.DATABASE
                  + "' AND name = '"
                  + job.prefix
                  + "window_aggregates'")
          .isEmpty();
    }

    /** Base-granularity window rows ending at or after {@code fromMillis}; returns rows seen. */
    int pollWindows(long fromMillis) throws Exception {
      List<String> rows =
          clickhouse.rows(
              "SELECT event_type, dims, toUInt64(toUInt32(window_end)) * 1000 + window_end_millis"
                  + " FROM "
                  + job.table("window_aggregates")
                  + " WHERE toUInt32(window_end) >= "
                  + fromMillis / 1000
                  + " AND toUInt32(window_end) - toUInt32(window_start) = "
                  + WINDOW.toSeconds());
      long now = System.currentTimeMillis();
      for (String row : rows) {
        if (seenWindows.add(row)) {
          windowRows.add(
              new long[] {Long.parseLong(row.substring(row.lastIndexOf('\t') + 1)), now});
        }
      }
      return rows.size();
    }

    /** High-priority events of the last 30 s (and not before {@code fromMillis}). */
    void pollEvents(long fromMillis) throws Exception {
      long since = Math.max(fromMillis, System.currentTimeMillis() - 30_000) / 1000;
      List<String> rows =
          clickhouse.rows(
              "SELECT event_id, toUInt64(toUInt32(event_time)) * 1000 + event_time_millis FROM "
                  + job.table("high_priority_events")
                  + " WHERE toUInt32(event_time) >= "
                  + since);
      long now = System.currentTimeMillis();
      for (String row : rows) {
        int tab = row.indexOf('\t');
        if (seenEvents.add(row.substring(0, tab))) {
          eventRows.add(new long[] {Long.parseLong(row.substring(tab + 1)), now});
        }
      }
    }

    long eventsInClickHouse(long from, long to) throws Exception {
      return Long.parseLong(
          clickhouse
              .rows(
                  "SELECT uniqExact(event_id) FROM "
                      + job.table("high_priority_events")
                      + " WHERE toUInt64(toUInt32(event_time)) * 1000 + event_time_millis"
                      + " BETWEEN "
                      + from
                      + " AND "
                      + to)
              .get(0));
    }

    long[] windowLatencies(long from, long to) {
      return latencies(windowRows, from, to);
    }

    long[] eventLatencies(long from, long to) {
      return latencies(eventRows, from, to);
    }

    private static long[] latencies(List<long[]> rows, long from, long to) {
      return rows.stream()
          .filter(r -> r[0] >= from && r[0] <= to)
          .mapToLong(r -> r[1] - r[0])
          .toArray();
    }
  }
}
