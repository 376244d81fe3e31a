package dev.analytics.pipeline.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.bench.JobMetrics;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.junit.jupiter.api.Test;

/**
 * Flink finds the metric reporters of the local run and of the benchmarks through {@link
 * ServiceLoader}. Both source sets are copied into target/test-classes, where one services file of
 * a name shadows the other: the local run's summary then read 0 for every metric, without an error.
 * One file lists both.
 */
class ReporterDiscoveryTest {
  @Test
  void flinkFindsTheReportersOfTheLocalRunAndOfTheBenchmarks() {
    List<Class<?>> found =
        ServiceLoader.load(MetricReporterFactory.class).stream()
            .<Class<?>>map(ServiceLoader.Provider::type)
            .toList();
    assertThat(found).contains(ConsoleMetrics.Factory.class, JobMetrics.Factory.class);
  }
}
