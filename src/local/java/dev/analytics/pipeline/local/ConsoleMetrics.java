package dev.analytics.pipeline.local;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter for the local run: it keeps the job's own counters (summed over subtasks,
 * and over restarts) so that the console can show progress from the real metrics. Registered with
 * {@code metrics.reporter.console.factory.class}; only meaningful in the JVM that runs the
 * mini-cluster.
 */
public final class ConsoleMetrics implements MetricReporter {
  private static final Map<Counter, String> LIVE = new ConcurrentHashMap<>();
  private static final Map<String, AtomicLong> RETIRED = new ConcurrentHashMap<>();

  /** Current total of the counters named {@code name} (outside any {@code reason} group). */
  public static long total(String name) {
    long sum = RETIRED.getOrDefault(name, new AtomicLong()).get();
    for (Map.Entry<Counter, String> e : LIVE.entrySet()) {
      if (e.getValue().equals(name)) {
        sum += e.getKey().getCount();
      }
    }
    return sum;
  }

  @Override
  public void open(MetricConfig config) {}

  @Override
  public void close() {}

  @Override
  public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
    if (metric instanceof Counter c && !group.getAllVariables().containsKey("<reason>")) {
      LIVE.put(c, name);
    }
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
    if (metric instanceof Counter c && LIVE.remove(c) != null) {
      RETIRED.computeIfAbsent(name, n -> new AtomicLong()).addAndGet(c.getCount());
    }
  }

  /** The factory named in the Flink configuration. */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      return new ConsoleMetrics();
    }
  }
}
