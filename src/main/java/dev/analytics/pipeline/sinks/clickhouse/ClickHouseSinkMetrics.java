package dev.analytics.pipeline.sinks.clickhouse;

import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The metrics of one ClickHouse table, in the group {@code clickhouseTable.<table>} of the writer
 * or committer operator: {@code rowsWritten}, {@code inserts}, {@code bytesWritten} (RowBinary,
 * before compression), {@code insertFailures} (failed attempts, retried or not), {@code
 * insertRetries}, the histograms {@code insertLatencyMs} (one insert, retries included) and {@code
 * commitLatencyMs} (from the start of a flush of the at-least-once writer, or of a commit of the
 * committer, until ClickHouse acknowledged all its rows) and, in the writer, the gauge {@code
 * rowsPending} (encoded rows not yet inserted or handed to the committer) and the meter {@code
 * insertsPerSecond}. With a circuit breaker: the gauges {@code breakerState} (0 closed, 1
 * half-open, 2 open), {@code breakerOpenings} (times it opened) and {@code breakerOpenMs} (time
 * spent open or half-open in total); with adaptive batching, the gauge {@code batchRows} (the
 * current row bound of an insert).
 */
final class ClickHouseSinkMetrics {
  final Counter rows;
  final Counter inserts;
  final Counter bytes;
  final Counter failures;
  final Counter retries;
  final Histogram insertLatencyMs;
  final Histogram commitLatencyMs;
  private final MetricGroup group;

  private ClickHouseSinkMetrics(MetricGroup group) {
    this.group = group;
    rows = group.counter("rowsWritten");
    inserts = group.counter("inserts");
    bytes = group.counter("bytesWritten");
    failures = group.counter("insertFailures");
    retries = group.counter("insertRetries");
    insertLatencyMs = group.histogram("insertLatencyMs", new DescriptiveStatisticsHistogram(1000));
    commitLatencyMs = group.histogram("commitLatencyMs", new DescriptiveStatisticsHistogram(1000));
    group.meter("insertsPerSecond", new MeterView(inserts));
  }

  void register(ClickHouseCircuitBreaker breaker) {
    group.gauge("breakerState", (Gauge<Integer>) () -> breaker.state().gauge);
    group.gauge("breakerOpenings", (Gauge<Long>) breaker::openings);
    group.gauge("breakerOpenMs", (Gauge<Long>) breaker::millisOpen);
  }

  void register(AdaptiveBatchSize batchSize) {
    group.gauge("batchRows", (Gauge<Integer>) batchSize::rows);
  }

  static ClickHouseSinkMetrics register(
      MetricGroup operatorGroup, String table, LongSupplier pendingRows) {
    MetricGroup group = operatorGroup.addGroup("clickhouseTable", table);
    if (pendingRows != null) {
      group.gauge("rowsPending", (Gauge<Long>) pendingRows::getAsLong);
    }
    return new ClickHouseSinkMetrics(group);
  }
}
