package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.aggregation.CardinalityLimiter;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.TestEvents;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that puts a user id into {@code event_type}: 1,000,000 events of 1,000,000 distinct
 * types among 300,000 events of three real types, over 10 minutes of event time, through the whole
 * pipeline (cardinality caps, pre-aggregation, windows, rollups, detection) with checkpoints. The
 * real types stay exact, every event is counted (the overflow as type {@code __other__}), the
 * distinct types per window stay within {@code aggregation.max-event-types}, and the checkpointed
 * state stays small; the largest checkpoint and the heap in use are printed.
 */
class EventTypeCapITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final long START = Instant.parse("2026-05-01T00:00:00Z").toEpochMilli();
  private static final String[] REAL = {"checkout.completed", "search.query", "page.view"};
  private static final long TOTAL = 1_300_000;
  private static final long SPAN = 600_000; // 10 minutes of event time
  private static final int CAP = 10_000;

  @TempDir Path tmp;

  /** Event {@code i}: one of the three real types at every i % 13 < 3, else type u-i. */
  static AnalyticsEvent event(long i) {
    return TestEvents.event(i % 13 < 3 ? REAL[(int) (i % 13)] : "u-" + i)
        .id("e-" + i)
        .at(START + i * SPAN / TOTAL)
        .value(i % 100)
        .build();
  }

  @Test
  void aMillionEventTypesAreCappedWithExactTotalsAndBoundedState() throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", "unused:9092");
    values.put("job.parallelism", "2");
    values.put("state.backend", "hashmap");
    values.put("checkpoint.interval", "500 ms");
    values.put("checkpoint.dir", tmp.resolve("checkpoints").toUri().toString());
    values.put("aggregation.max-event-types", String.valueOf(CAP));
    JobConfig config = JobConfig.of(values);

    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    DataStream<ParsedRecord> records =
        env.fromSequence(0, TOTAL - 1)
            .map(i -> ParsedRecord.of(event(i)))
            .name("Events")
            .assignTimestampsAndWatermarks(KafkaEventSource.watermarks(config));
    AnalyticsPipeline.Outputs outputs = AnalyticsPipeline.build(records, config);

    Map<String, Long> real = new TreeMap<>();
    Map<Long, Set<String>> typesPerMinute = new TreeMap<>();
    Map<String, Long> perGranularity = new TreeMap<>();
    long other = 0;
    Peaks peaks = new Peaks(tmp.resolve("checkpoints"));
    peaks.start();
    try (CloseableIterator<WindowAggregate> it =
        outputs.aggregates().executeAndCollect("event type cap")) {
      Map<String, Integer> versions = new HashMap<>();
      Map<String, Double> latest = new HashMap<>();
      while (it.hasNext()) {
        WindowAggregate a = it.next();
        String id = a.granularity + "/" + a.eventType + "@" + a.windowStart;
        if (versions.getOrDefault(id, -1) < a.version) {
          versions.put(id, a.version);
          latest.put(id, a.estimatedCount);
        }
      }
      for (Map.Entry<String, Double> e : latest.entrySet()) {
        String[] parts = e.getKey().split("[/@]");
        String granularity = parts[0];
        String type = parts[1];
        long count = Math.round(e.getValue());
        perGranularity.merge(granularity, count, Long::sum);
        if (!granularity.equals("1m")) {
          continue;
        }
        typesPerMinute.computeIfAbsent(Long.parseLong(parts[2]), k -> new HashSet<>()).add(type);
        if (Stream.of(REAL).anyMatch(type::equals)) {
          real.merge(type, count, Long::sum);
        } else if (type.equals("__other__")) {
          other += count;
        }
      }
    } finally {
      peaks.finish();
    }

    // The real types exactly; every event once at every granularity.
    Map<String, Long> expectedReal = new TreeMap<>();
    for (long i = 0; i < TOTAL; i++) {
      if (i % 13 < 3) {
        expectedReal.merge(REAL[(int) (i % 13)], 1L, Long::sum);
      }
    }
    assertThat(real).as("real types").isEqualTo(expectedReal);
    assertThat(perGranularity)
        .as("every event")
        .isEqualTo(Map.of("1d", TOTAL, "1h", TOTAL, "1m", TOTAL));
    int widest = typesPerMinute.values().stream().mapToInt(Set::size).max().orElse(0);
    // Each shard admits ceil(CAP / SHARDS) types; __other__ is one more.
    int shareTotal = (CAP + CardinalityLimiter.SHARDS - 1) / CardinalityLimiter.SHARDS;
    assertThat(widest <= shareTotal * CardinalityLimiter.SHARDS + 1)
        .as("types in one minute: " + widest)
        .isTrue();
    // Nothing goes idle within 10 minutes: the slots filled once are all there is.
    long admitted =
        typesPerMinute.values().stream()
            .flatMap(Set::stream)
            .filter(t -> t.startsWith("u-"))
            .distinct()
            .count();
    assertThat(admitted > CAP * 9 / 10 && admitted <= (long) shareTotal * CardinalityLimiter.SHARDS)
        .as("user types admitted over the run: " + admitted)
        .isTrue();
    assertThat(other > 800_000).as("overflow counted as __other__: " + other).isTrue();

    System.out.printf(
        Locale.ROOT,
        "EventTypeCapITCase: %,d events of %,d types; %,d types admitted, at most %,d in one"
            + " minute; %,d events as __other__; largest checkpoint %,d bytes; heap in use at most"
            + " %,d MiB%n",
        TOTAL,
        TOTAL - expectedReal.values().stream().mapToLong(v -> v).sum() + REAL.length,
        admitted + REAL.length,
        widest,
        other,
        peaks.checkpointBytes.get(),
        peaks.heapBytes.get() >> 20);
    // Bounded by the cap: about 10,000 keys in the windows, each rollup and the detector. (Capped
    // per window instead, as first tried, 10,000 new types a minute reached the rollups: 361 MB.)
    assertThat(peaks.checkpointBytes.get() < 64L << 20)
        .as("largest checkpoint " + peaks.checkpointBytes.get() + " bytes")
        .isTrue();
  }

  /** Samples the size of the newest checkpoint directory and the heap in use, keeps the maxima. */
  private static final class Peaks extends Thread {
    final AtomicLong checkpointBytes = new AtomicLong();
    final AtomicLong heapBytes = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Path dir;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    Peaks(Path dir) {
      this.dir = dir;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (running.get()) {
        heapBytes.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        checkpointBytes.accumulateAndGet(largestCheckpoint(), Math::max);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void finish() throws InterruptedException {
      running.set(false);
      join();
    }

    private long largestCheckpoint() {
      if (!Files.isDirectory(dir)) {
        return 0;
      }
      long largest = 0;
      try (Stream<Path> checkpoints = Files.walk(dir, 2)) {
        for (Path chk :
            checkpoints.filter(p -> p.getFileName().toString().startsWith("chk-")).toList()) {
          largest = Math.max(largest, size(chk));
        }
      } catch (IOException | RuntimeException e) {
        // A checkpoint subsumed while it was measured: the next sample measures again.
      }
      return largest;
    }

    private static long size(Path p) throws IOException {
      try (Stream<Path> files = Files.walk(p)) {
        return files
            .filter(Files::isRegularFile)
            .mapToLong(
                f -> {
                  try {
                    return Files.size(f);
                  } catch (IOException e) {
                    return 0;
                  }
                })
            .sum();
      }
    }
  }
}
