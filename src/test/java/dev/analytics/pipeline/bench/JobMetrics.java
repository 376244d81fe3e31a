package dev.analytics.pipeline.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * The metrics of the benchmark's MiniCluster jobs, read in the same JVM: a metric reporter that
 * keeps every counter and numeric gauge it is told about, by operator name, ClickHouse table and
 * metric name. Counters are summed over subtasks (a removed counter keeps its last value); a gauge
 * reads its largest value (live or at removal). One job at a time: {@link #reset()} before each.
 * Enabled by {@link #enable(Configuration)}.
 */
public final class JobMetrics implements MetricReporter {
  private static final Map<Metric, String> LIVE = new ConcurrentHashMap<>();
  private static final Map<String, Double> COUNTERS_RETIRED = new ConcurrentHashMap<>();
  private static final Map<String, Double> GAUGES_RETIRED = new ConcurrentHashMap<>();

  /** Forgets every metric seen so far. */
  public static void reset() {
    LIVE.clear();
    COUNTERS_RETIRED.clear();
    GAUGES_RETIRED.clear();
  }

  /** Adds this reporter to a MiniCluster's configuration. */
  public static Configuration enable(Configuration flink) {
    flink.setString("metrics.reporter.benchjob.factory.class", Factory.class.getName());
    return flink;
  }

  /**
   * The sum of the counters called {@code name} of the operators whose name contains {@code
   * operator} ("" for any, including task and job level) and, if {@code table} is not null, of that
   * ClickHouse table.
   */
  public static long counter(String operator, String table, String name) {
    double sum = 0;
    for (Map.Entry<String, Double> e : COUNTERS_RETIRED.entrySet()) {
      if (matches(e.getKey(), operator, table, name)) {
        sum += e.getValue();
      }
    }
    for (Map.Entry<Metric, String> e : LIVE.entrySet()) {
      if (e.getKey() instanceof Counter c && matches(e.getValue(), operator, table, name)) {
        sum += c.getCount();
      }
    }
    return (long) sum;
  }

  /** The largest value of the numeric gauges called {@code name} (0 if none). */
  public static double gauge(String name) {
    double max = 0;
    for (Map.Entry<String, Double> e : GAUGES_RETIRED.entrySet()) {
      if (matches(e.getKey(), "", null, name)) {
        max = Math.max(max, e.getValue());
      }
    }
    for (Map.Entry<Metric, String> e : LIVE.entrySet()) {
      if (e.getKey() instanceof Gauge<?> g && matches(e.getValue(), "", null, name)) {
        max = Math.max(max, numeric(g));
      }
    }
    return max;
  }

  private static boolean matches(String key, String operator, String table, String name) {
    String[] parts = key.split("\\|", -1);
    return parts[2].equals(name)
        && parts[0].contains(operator)
        && (table == null || parts[1].equals(table));
  }

  private static double numeric(Gauge<?> g) {
    try {
      return g.getValue() instanceof Number n ? n.doubleValue() : 0;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static String key(String name, MetricGroup group) {
    Map<String, String> vars = group.getAllVariables();
    return vars.getOrDefault("<operator_name>", "")
        + "|"
        + vars.getOrDefault("<clickhouseTable>", "")
        + "|"
        + name;
  }

  @Override
  public void open(MetricConfig config) {}

  @Override
  public void close() {}

  @Override
  public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
    if (metric instanceof Counter || metric instanceof Gauge<?>) {
      LIVE.put(metric, key(name, group));
    }
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
    String key = LIVE.remove(metric);
    if (key == null) {
      return;
    }
    if (metric instanceof Counter c) {
      COUNTERS_RETIRED.merge(key, (double) c.getCount(), Double::sum);
    } else if (metric instanceof Gauge<?> g) {
      GAUGES_RETIRED.merge(key, numeric(g), Math::max);
    }
  }

  /**
   * The live counters called {@code name} of the operators whose name contains {@code operator}.
   */
  static List<Counter> liveCounters(String operator, String name) {
    List<Counter> out = new ArrayList<>();
    for (Map.Entry<Metric, String> e : LIVE.entrySet()) {
      if (e.getKey() instanceof Counter c && matches(e.getValue(), operator, null, name)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Watches a source's record counter from its own thread: when the first record was counted and
   * when the last expected one was. Reads the counters every 20 ms and looks for new ones every 500
   * ms (subtasks register theirs as they start), so that it costs next to nothing.
   */
  public static final class Progress implements AutoCloseable {
    /** The steady rate starts once 1/4 of the records are through. */
    static final int WARM_UP_SHARE = 4;

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile long firstNanos;
    private volatile long warmNanos;
    private volatile long warmSeen;
    private volatile long lastNanos;
    private volatile long seen;

    /** Starts watching the counter {@code metric} of the operators named {@code source}. */
    public Progress(String source, String metric, long expected) {
      thread =
          new Thread(
              () -> {
                // Kept once seen: a finished subtask's counter leaves LIVE but keeps its count.
                Set<Counter> counters = Collections.newSetFromMap(new IdentityHashMap<>());
                long lookedUp = 0;
                while (running.get()) {
                  long now = System.nanoTime();
                  if (now - lookedUp > 500_000_000L) {
                    counters.addAll(liveCounters(source, metric));
                    lookedUp = now;
                  }
                  long n = 0;
                  for (Counter c : counters) {
                    n += c.getCount();
                  }
                  if (n > 0 && firstNanos == 0) {
                    firstNanos = now;
                  }
                  if (n >= expected / WARM_UP_SHARE && warmNanos == 0) {
                    warmSeen = n;
                    warmNanos = now;
                  }
                  if (n >= expected && lastNanos == 0) {
                    lastNanos = now;
                  }
                  seen = n;
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "bench-progress");
      thread.setDaemon(true);
      thread.start();
    }

    /** Seconds from the first record out of the source to the last, or NaN if not seen. */
    public double seconds() {
      return firstNanos == 0 || lastNanos == 0 ? Double.NaN : (lastNanos - firstNanos) / 1e9;
    }

    /**
     * Records per second after the first quarter of the records (JIT compilation, the first
     * checkpoint, buffers filling) to the last: the sustained rate; NaN if not seen.
     */
    public double steadyRate(long expected) {
      return warmNanos == 0 || lastNanos <= warmNanos
          ? Double.NaN
          : (expected - warmSeen) / ((lastNanos - warmNanos) / 1e9);
    }

    /** System.nanoTime() when the last expected record left the source, 0 if not yet. */
    public long lastNanos() {
      return lastNanos;
    }

    public long seen() {
      return seen;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.interrupt();
      thread.join();
    }
  }

  /** The factory named in the Flink configuration. */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      return new JobMetrics();
    }
  }
}
