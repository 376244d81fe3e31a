package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.sampling.SamplingRates;
import dev.analytics.pipeline.testing.ClickHouseServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded resources during a ClickHouse outage: {@code jobs/bench-outage.sh [--outage 300s] [--rate
 * 50000] [--warmup 60s]}.
 *
 * <p>The full production job ({@link LiveJob}: parallelism 2, RocksDB, exactly-once checkpoints
 * every 10 s, 60 s windows) reads events that {@link LiveProducer} sends live at {@code --rate};
 * after {@code --warmup} the private ClickHouse server is stopped for {@code --outage}, then
 * started again on the same ports and data. Every second it samples the heap of this JVM (which
 * runs the MiniCluster; the script fixes -Xmx2g and exits on OutOfMemoryError) and the backlog: the
 * topic's end offsets minus the source's current offsets. It reports the maximum heap (and old
 * generation after GC), the heap at the end, the time from the restart until the backlog is back at
 * its level before the outage, checkpoints completed and failed during the outage, restarts, and
 * checks that nothing was lost: every high-priority event acknowledged by Kafka is in ClickHouse,
 * and every closed window of an unsampled event type counts exactly the events produced for it. It
 * also reports the sinks' circuit breakers (openings, longest time open). Exits 1 on loss, on a job
 * restart (the breakers must ride the outage out) or when the backlog does not drain.
 */
public final class OutageBenchmark {
  private OutageBenchmark() {}

  public static void main(String[] args) throws Exception {
    Duration outage = Duration.ofSeconds(300);
    Duration warmup = Duration.ofSeconds(60);
    double rate = 50_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--outage" -> outage = seconds(args[++i]);
        case "--warmup" -> warmup = seconds(args[++i]);
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--help", "-h" -> {
          System.out.println(
              "Usage: jobs/bench-outage.sh [--outage 300s] [--rate 50000] [--warmup 60s]");
          System.exit(0);
        }
        default -> {
          System.err.println("Unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    boolean ok;
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        ClickHouseServer clickhouse = ClickHouseServer.start()) {
      ok = run(kafka, clickhouse, outage, warmup, rate);
    }
    System.exit(ok ? 0 : 1);
  }

  private static Duration seconds(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("min")) {
      return Duration.ofSeconds(60 * Long.parseLong(t.substring(0, t.length() - 3).trim()));
    }
    return Duration.ofSeconds(Long.parseLong(t.replace("s", "").trim()));
  }

  private static boolean run(
      EmbeddedKafka kafka,
      ClickHouseServer clickhouse,
      Duration outage,
      Duration warmup,
      double rate)
      throws Exception {
    long windowMillis = 60_000;
    System.out.printf(
        Locale.ROOT,
        "== Outage: %,.0f events/s live, ClickHouse down for %d s after a %d s warm-up;"
            + " parallelism 2, RocksDB, checkpoints every 10 s, 60 s windows; max heap %,d MiB;"
            + " load average %s%n",
        rate,
        outage.toSeconds(),
        warmup.toSeconds(),
        Runtime.getRuntime().maxMemory() >> 20,
        Machine.currentLoadAverage());
    String prefix = "outage_" + Long.toString(System.nanoTime(), 36) + "_";
    HeapSampler heap = new HeapSampler();
    try (LiveJob job = new LiveJob(kafka, clickhouse, prefix, Map.of());
        LiveProducer producer =
            new LiveProducer(kafka.bootstrapServers(), job.topic, 2, rate, windowMillis)) {
      job.start();
      producer.start();
      heap.start();
      long t0 = System.currentTimeMillis();
      // Warm-up; the backlog level before the outage is the 90th percentile of its last half.
      List<Long> steadyLags = new ArrayList<>();
      long halfway = -1;
      long consumedHalfway = 0;
      while (System.currentTimeMillis() - t0 < warmup.toMillis()) {
        Thread.sleep(1_000);
        long lag = job.lag();
        if (System.currentTimeMillis() - t0 > warmup.toMillis() / 2 && lag >= 0) {
          steadyLags.add(lag);
          if (halfway < 0) {
            halfway = System.currentTimeMillis();
            consumedHalfway = job.consumed();
          }
        }
        progress(t0, "warm-up", job, producer, heap, lag);
      }
      steadyLags.sort(null);
      long steady =
          steadyLags.isEmpty() ? 0 : steadyLags.get((int) (0.9 * (steadyLags.size() - 1)));
      long threshold = Math.max(2 * steady, (long) rate);
      double readRate =
          halfway < 0
              ? 0
              : (job.consumed() - consumedHalfway)
                  * 1000.0
                  / (System.currentTimeMillis() - halfway);
      long completedBefore = job.jobGauge("numberOfCompletedCheckpoints");
      long failedBefore = job.jobGauge("numberOfFailedCheckpoints");
      long restartsBefore = Math.max(0, job.jobGauge("numRestarts"));
      heap.resetMax();

      clickhouse.stop();
      long down = System.currentTimeMillis();
      System.out.printf(
          Locale.ROOT,
          "== ClickHouse stopped; backlog before the outage: %,d records (p90 of the last half of"
              + " the warm-up)%n",
          steady);
      long maxLag = 0;
      while (System.currentTimeMillis() - down < outage.toMillis()) {
        Thread.sleep(1_000);
        long lag = job.lag();
        maxLag = Math.max(maxLag, lag);
        progress(t0, "outage", job, producer, heap, lag);
      }
      long completedDuring = job.jobGauge("numberOfCompletedCheckpoints") - completedBefore;
      long failedDuring = job.jobGauge("numberOfFailedCheckpoints") - failedBefore;
      long restartsDuring = Math.max(0, job.jobGauge("numRestarts")) - restartsBefore;
      long maxHeapOutage = heap.maxUsed();

      clickhouse.restart();
      long up = System.currentTimeMillis();
      System.out.printf(
          Locale.ROOT,
          "== ClickHouse started again; draining until the backlog is at most %,d records%n",
          threshold);
      long lagAtRestart = job.lag();
      long ackedAtRestart = producer.acked();
      long drainedAt = -1;
      long lagAtDrained = 0;
      long ackedAtDrained = 0;
      long drainLimit = Math.max(600_000, 5 * outage.toMillis());
      while (System.currentTimeMillis() - up < drainLimit) {
        Thread.sleep(1_000);
        long lag = job.lag();
        maxLag = Math.max(maxLag, lag);
        progress(t0, "recovery", job, producer, heap, lag);
        if (lag >= 0 && lag <= threshold) {
          drainedAt = System.currentTimeMillis();
          lagAtDrained = lag;
          ackedAtDrained = producer.acked();
          break;
        }
      }
      // Records the job read while draining: the backlog at the restart, plus what came in, minus
      // what was left.
      double drainRate =
          drainedAt < 0 || lagAtRestart < 0
              ? 0
              : (lagAtRestart + ackedAtDrained - ackedAtRestart - lagAtDrained)
                  * 1000.0
                  / (drainedAt - up);
      // A little steady state after the drain, then stop the input and let the job catch up.
      Thread.sleep(15_000);
      producer.close();
      long stoppedAt = System.currentTimeMillis();
      LiveJob.await(Duration.ofMinutes(5), () -> job.lag() == 0);
      long highProduced = producer.highPriorityAcked();
      long[] highInClickHouse = {0};
      LiveJob.await(
          Duration.ofMinutes(2),
          () -> (highInClickHouse[0] = highPriorityRows(clickhouse, job)) >= highProduced);
      // Windows closed by the watermark before the input stopped, then a checkpoint or two.
      long closedBefore =
          stoppedAt - job.config.get(EventOptions.WATERMARK_OUT_OF_ORDERNESS).toMillis() - 2_000;
      Thread.sleep(25_000);
      WindowCheck windows = checkWindows(clickhouse, job, producer, windowMillis, closedBefore);
      System.gc();
      long heapAtEnd = heap.usedNow();

      long restartsTotal = Math.max(0, job.jobGauge("numRestarts"));
      long[] openings = job.gaugeSumAndMax("breakerOpenings");
      long[] openMs = job.gaugeSumAndMax("breakerOpenMs");
      heap.stop();
      boolean drained = drainedAt >= 0;
      boolean lost = highInClickHouse[0] < highProduced || windows.mismatched > 0;
      System.out.println();
      System.out.println("== Summary (load average " + Machine.currentLoadAverage() + ")");
      row(
          "input",
          String.format(
              Locale.ROOT,
              "%,.0f events/s asked, %,d events acknowledged by Kafka, %,d failed sends",
              rate,
              producer.acked(),
              producer.failed()));
      row(
          "job read rate",
          String.format(
              Locale.ROOT,
              "%,.0f events/s before the outage (second half of the warm-up), %,.0f events/s while"
                  + " draining",
              readRate,
              drainRate));
      row("outage", outage.toSeconds() + " s, ClickHouse stopped (SIGTERM) and started again");
      row(
          "max heap used during the outage",
          mib(maxHeapOutage) + " (sampled every second, garbage included)");
      row("max heap used, whole run", mib(heap.maxUsedEver()));
      row(
          "max old generation after GC",
          heap.maxOldAfterGc() == 0
              ? "n/a (no old-generation collection in the run)"
              : mib(heap.maxOldAfterGc()));
      row("heap used at the end (after System.gc())", mib(heapAtEnd));
      row("max heap (-Xmx)", mib(Runtime.getRuntime().maxMemory()));
      row(
          "max backlog",
          String.format(Locale.ROOT, "%,d records (%.1f s of input)", maxLag, maxLag / rate));
      row(
          "drain time after the restart",
          drained
              ? String.format(
                  Locale.ROOT,
                  "%.1f s (backlog <= %,d records)",
                  (drainedAt - up) / 1000.0,
                  threshold)
              : "NOT DRAINED within " + drainLimit / 1000 + " s");
      row(
          "checkpoints during the outage",
          completedDuring + " completed, " + failedDuring + " failed");
      row(
          "restarts",
          restartsDuring + " during the outage, " + restartsTotal + " in the whole run");
      row(
          "circuit breakers",
          String.format(
              Locale.ROOT,
              "%d openings over the writers and committers, longest open %.1f s",
              openings[0],
              openMs[1] / 1000.0));
      row(
          "high-priority events",
          String.format(
              Locale.ROOT,
              "%,d produced, %,d distinct in ClickHouse",
              highProduced,
              highInClickHouse[0]));
      row(
          "closed windows of unsampled types",
          String.format(
              Locale.ROOT,
              "%d (window, type) rows checked, %,d events; %d mismatched",
              windows.checked,
              windows.events,
              windows.mismatched));
      row(
          "result",
          lost
              ? "LOSS"
              : !drained
                  ? "NOT DRAINED"
                  : restartsTotal > 0
                      ? "RESTARTED (drained, nothing lost)"
                      : "OK: no restart, bounded heap, drained, nothing lost");
      return drained && !lost && restartsTotal == 0;
    } finally {
      heap.stop();
    }
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
  }

  private static void row(String what, String value) {
    System.out.printf(Locale.ROOT, "%-42s %s%n", what, value);
  }

  private static void progress(
      long t0, String phase, LiveJob job, LiveProducer producer, HeapSampler heap, long lag) {
    long s = (System.currentTimeMillis() - t0) / 1000;
    if (s % 10 == 0) {
      System.out.printf(
          Locale.ROOT,
          "%4d s %-8s produced %,12d  backlog %,10d  heap %,6d MiB  checkpoints %d ok / %d failed"
              + "  restarts %d%n",
          s,
          phase,
          producer.acked(),
          lag,
          heap.usedNow() >> 20,
          job.jobGauge("numberOfCompletedCheckpoints"),
          job.jobGauge("numberOfFailedCheckpoints"),
          job.jobGauge("numRestarts"));
    }
  }

  private static long highPriorityRows(ClickHouseServer clickhouse, LiveJob job) {
    try {
      return Long.parseLong(
          clickhouse
              .rows("SELECT uniqExact(event_id) FROM " + job.table("high_priority_events"))
              .get(0));
    } catch (Exception e) {
      return -1;
    }
  }

  record WindowCheck(int checked, long events, int mismatched) {}

  /**
   * For every window that closed before {@code closedBefore} and every event type the job does not
   * sample (rate 1: kept count = events): the kept count in ClickHouse (latest version of the row)
   * against the events the producer got acknowledged for that window and type.
   */
  private static WindowCheck checkWindows(
      ClickHouseServer clickhouse,
      LiveJob job,
      LiveProducer producer,
      long windowMillis,
      long closedBefore)
      throws Exception {
    SamplingRates rates = SamplingRates.from(job.config);
    Map<String, Long> inClickHouse = new HashMap<>();
    for (String row :
        clickhouse.rows(
            "SELECT event_type, toUInt64(toUInt32(window_start)) * 1000 + window_start_millis AS ws,"
                + " sum(kept) FROM (SELECT event_type, dims, window_start, window_start_millis,"
                + " argMax(kept_count, version) AS kept FROM "
                + job.table("window_aggregates")
                + " WHERE toUInt32(window_end) - toUInt32(window_start) = "
                + windowMillis / 1000
                + " GROUP BY event_type, dims, window_start, window_start_millis)"
                + " GROUP BY event_type, ws")) {
      String[] f = row.split("\t");
      inClickHouse.put(f[0] + "@" + f[1], Long.parseLong(f[2]));
    }
    int checked = 0;
    int mismatched = 0;
    long events = 0;
    for (Map.Entry<Long, Map<String, LongAdder>> w : producer.perWindow().entrySet()) {
      if (w.getKey() + windowMillis > closedBefore) {
        continue;
      }
      for (Map.Entry<String, LongAdder> t : w.getValue().entrySet()) {
        if (rates.rateFor(t.getKey()) < 1.0) {
          continue;
        }
        long expected = t.getValue().sum();
        long actual = inClickHouse.getOrDefault(t.getKey() + "@" + w.getKey(), 0L);
        checked++;
        events += expected;
        if (actual != expected) {
          mismatched++;
          System.out.printf(
              Locale.ROOT,
              "MISMATCH window %d type %s: %,d produced, %,d in ClickHouse%n",
              w.getKey(),
              t.getKey(),
              expected,
              actual);
        }
      }
    }
    return new WindowCheck(checked, events, mismatched);
  }

  /** Heap of this JVM every second: used (garbage included) and old generation after GC. */
  static final class HeapSampler {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong maxUsed = new AtomicLong();
    private final AtomicLong maxUsedEver = new AtomicLong();
    private final AtomicLong maxOldAfterGc = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;

    void start() {
      thread =
          new Thread(
              () -> {
                while (running) {
                  sample();
                  try {
                    Thread.sleep(1_000);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private void sample() {
      long used = memory.getHeapMemoryUsage().getUsed();
      maxUsed.accumulateAndGet(used, Math::max);
      maxUsedEver.accumulateAndGet(used, Math::max);
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        MemoryUsage afterGc = pool.getCollectionUsage();
        if (pool.getType() == MemoryType.HEAP
            && afterGc != null
            && pool.getName().toLowerCase(Locale.ROOT).contains("old")) {
          maxOldAfterGc.accumulateAndGet(afterGc.getUsed(), Math::max);
        }
      }
    }

    long usedNow() {
      return memory.getHeapMemoryUsage().getUsed();
    }

    long maxUsed() {
      return maxUsed.get();
    }

    long maxUsedEver() {
      return maxUsedEver.get();
    }

    long maxOldAfterGc() {
      return maxOldAfterGc.get();
    }

    void resetMax() {
      maxUsed.set(0);
    }

    void stop() {
      running = false;
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
