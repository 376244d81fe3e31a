package dev.analytics.pipeline.sinks.clickhouse;

import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The metrics of one ClickHouse table, in the group {@code clickhouseTable.<table>} of the writer
 * or committer operator: {@code rowsWritten}, {@code inserts}, {@code bytesWritten} (RowBinary,
 * before compression), {@code insertFailures} (failed attempts, retried or not), {@code
 * insertRetries}, the histograms {@code insertLatencyMs} (one insert, retries included) and {@code
 * commitLatencyMs} (from the start of a flush of the at-least-once writer, or of a commit of the
 * committer, until ClickHouse acknowledged all its rows) and, in the writer, the gauge {@code
 * rowsPending} (encoded rows not yet inserted or handed to the committer).
 */
final class ClickHouseSinkMetrics {
  final Counter rows;
  final Counter inserts;
  final Counter bytes;
  final Counter failures;
  final Counter retries;
  final Histogram insertLatencyMs;
  final Histogram commitLatencyMs;

  private ClickHouseSinkMetrics(MetricGroup group) {
    rows = group.counter("rowsWritten");
    inserts = group.counter("inserts");
    bytes = group.counter("bytesWritten");
    failures = group.counter("insertFailures");
    retries = group.counter("insertRetries");
    insertLatencyMs = group.histogram("insertLatencyMs", new DescriptiveStatisticsHistogram(1000));
    commitLatencyMs = group.histogram("commitLatencyMs", new DescriptiveStatisticsHistogram(1000));
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
