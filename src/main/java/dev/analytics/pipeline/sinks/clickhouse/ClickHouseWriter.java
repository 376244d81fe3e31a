package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Encodes records into RowBinary and, by the table's {@link BatchStrategy}:
 *
 * <ul>
 *   <li>{@code checkpoint} (exactly-once): keeps the rows of the current checkpoint in parts of at
 *       most {@code max-rows} rows and {@code max-bytes} bytes (a part holds at least one row) and
 *       hands them to the committer as {@link ClickHouseCommittable}s at the checkpoint barrier;
 *       nothing is inserted here;
 *   <li>any other (at-least-once): inserts the buffer when the strategy's trigger fires (size,
 *       bytes, a processing-time timer) and at every checkpoint barrier and end of input, waiting
 *       for ClickHouse's acknowledgement (with retries) before going on.
 * </ul>
 *
 * Memory is bounded: an at-least-once buffer by its trigger and {@code max-bytes}; the exactly-once
 * buffer by the rows of one checkpoint interval. While ClickHouse is unreachable the inserting
 * thread waits (retrying), which backpressures the job instead of buffering more.
 */
final class ClickHouseWriter<T> implements CommittingSinkWriter<T, ClickHouseCommittable> {
  private record Part(byte[] rows, int count) {}

  private final ClickHouseRowEncoder<T> encoder;
  private final String table;
  private final String columnList;
  private final BatchSettings batch;
  private final ClickHouseInserter inserter;
  private final ProcessingTimeService time;
  private final ClickHouseSinkMetrics metrics;
  private final String tokenPrefix;
  private final int subtask;

  private final RowBinaryWriter row = new RowBinaryWriter();
  private final RowBinaryWriter buffer = new RowBinaryWriter(1 << 16);
  private final List<Part> parts = new ArrayList<>();
  private int bufferRows;
  private long partRows;
  private long oldestRowTime;
  private boolean timerSet;
  private long checkpoint;

  ClickHouseWriter(
      ClickHouseRowEncoder<T> encoder,
      ClickHouseSinkSettings settings,
      ClickHouseHttpClient client,
      ProcessingTimeService time,
      MetricGroup metricGroup,
      String jobId,
      int subtask,
      long restoredCheckpointId) {
    this.encoder = encoder;
    this.table = settings.table();
    this.columnList = encoder.columnList();
    this.batch = settings.batch();
    this.time = time;
    this.metrics = ClickHouseSinkMetrics.register(metricGroup, table, () -> bufferRows + partRows);
    this.inserter = new ClickHouseInserter(client, settings.retry(), metrics);
    this.tokenPrefix = jobId + "/" + table + "/";
    this.subtask = subtask;
    this.checkpoint = restoredCheckpointId;
  }

  @Override
  public void write(T element, Context context) throws IOException, InterruptedException {
    row.reset();
    encoder.encode(element, row);
    if (batch.strategy().exactlyOnce()) {
      if (batch.startsNewPart(bufferRows, buffer.size(), row.size())) {
        sealPart();
      }
      buffer.append(row);
      bufferRows++;
      return;
    }
    if (bufferRows == 0) {
      oldestRowTime = time.getCurrentProcessingTime();
    }
    buffer.append(row);
    bufferRows++;
    if (batch.isFull(bufferRows, buffer.size())) {
      insertBuffer();
    } else if (batch.strategy().timed() && !timerSet) {
      setTimer();
    }
  }

  @Override
  public void flush(boolean endOfInput) throws IOException, InterruptedException {
    if (!batch.strategy().exactlyOnce()) {
      insertBuffer();
    }
  }

  @Override
  public Collection<ClickHouseCommittable> prepareCommit() {
    checkpoint++;
    if (!batch.strategy().exactlyOnce()) {
      return List.of();
    }
    sealPart();
    List<ClickHouseCommittable> committables = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      Part part = parts.get(i);
      String token = tokenPrefix + checkpoint + "/" + subtask + "/" + i;
      committables.add(
          new ClickHouseCommittable(table, columnList, token, part.count(), part.rows()));
    }
    parts.clear();
    partRows = 0;
    return committables;
  }

  @Override
  public void close() {}

  private void sealPart() {
    if (bufferRows == 0) {
      return;
    }
    parts.add(new Part(buffer.toByteArray(), bufferRows));
    partRows += bufferRows;
    buffer.reset();
    bufferRows = 0;
  }

  private void insertBuffer() throws IOException, InterruptedException {
    if (bufferRows == 0) {
      return;
    }
    long start = System.nanoTime();
    inserter.insert(table, columnList, buffer.toByteArray(), bufferRows, null);
    buffer.reset();
    bufferRows = 0;
    metrics.commitLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private void setTimer() {
    timerSet = true;
    time.registerTimer(oldestRowTime + batch.interval().toMillis(), this::onTimer);
  }

  private void onTimer(long now) throws IOException, InterruptedException {
    timerSet = false;
    if (batch.isDue(bufferRows, now - oldestRowTime)) {
      insertBuffer();
    } else if (bufferRows > 0) {
      setTimer();
    }
  }
}
