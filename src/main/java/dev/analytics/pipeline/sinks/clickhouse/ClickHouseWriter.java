package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Encodes records into RowBinary and, by the table's {@link BatchStrategy}:
 *
 * <ul>
 *   <li>{@code checkpoint} (exactly-once): keeps the rows of the current checkpoint in parts of at
 *       most {@code max-rows} rows, {@code max-bytes} bytes and {@code max-partitions-per-insert}
 *       table partitions (a part holds at least one row) and hands them to the committer as {@link
 *       ClickHouseCommittable}s at the checkpoint barrier; nothing is inserted here;
 *   <li>any other (at-least-once): inserts the buffer when the strategy's trigger fires (size,
 *       bytes, a processing-time timer), before a row of one partition more than {@code
 *       max-partitions-per-insert}, and at every checkpoint barrier and end of input. The insert
 *       runs on the writer's own thread while the next buffer fills (one insert in flight: an
 *       insert waits for the one before it), so the task is not held up for ClickHouse's round trip
 *       (synchronous inserts of 1,000-row batches kept the source task waiting 15% of its time in
 *       the benchmark); at the checkpoint barrier and end of input the writer waits for
 *       ClickHouse's acknowledgement of every row (with retries) before going on. A failed insert
 *       fails the next write or flush. With {@code size} and {@code hybrid} the row bound of an
 *       insert adapts to the traffic ({@link AdaptiveBatchSize}, when enabled) and can be changed
 *       while the job runs ({@link #rebatch}).
 * </ul>
 *
 * Memory is bounded: an at-least-once buffer by its trigger and {@code max-bytes}, plus the one
 * insert in flight; the exactly-once buffer by the rows of one checkpoint interval. While
 * ClickHouse is unreachable the inserting thread waits (retrying, then behind its {@link
 * ClickHouseCircuitBreaker}, one probe per probe interval), and the task thread waits for it before
 * it hands over the next buffer: the job is backpressured instead of buffering more.
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

  /** The row bound of size-bounded at-least-once inserts; null for the other strategies. */
  private final AdaptiveBatchSize batchSize;

  private final RowBinaryWriter row = new RowBinaryWriter();
  private final RowBinaryWriter buffer = new RowBinaryWriter(1 << 16);
  private final List<Part> parts = new ArrayList<>();
  private static final long NO_PARTITION = Long.MIN_VALUE;

  /** The partitions of the buffer's rows, and the last one added (not boxed for every row). */
  private final Set<Long> bufferPartitions = new HashSet<>();

  private long lastPartition = NO_PARTITION;
  private int bufferRows;
  private long partRows;
  private long oldestRowTime;
  private boolean timerSet;
  private long checkpoint;

  // At-least-once only: the thread that inserts, and the insert in flight (null if none).
  private ExecutorService inserts;
  private Future<?> inFlight;

  ClickHouseWriter(
      ClickHouseRowEncoder<T> encoder,
      ClickHouseSinkSettings settings,
      ClickHouseHttpClient client,
      ProcessingTimeService time,
      MetricGroup metricGroup,
      String jobId,
      int subtask,
      long restoredCheckpointId) {
    this(encoder, settings, client, time, metricGroup, jobId, subtask, 1, restoredCheckpointId);
  }

  /**
   * @param subtasks the number of writers of the table, which share the table's target insert rate
   *     of adaptive batching
   */
  ClickHouseWriter(
      ClickHouseRowEncoder<T> encoder,
      ClickHouseSinkSettings settings,
      ClickHouseHttpClient client,
      ProcessingTimeService time,
      MetricGroup metricGroup,
      String jobId,
      int subtask,
      int subtasks,
      long restoredCheckpointId) {
    this.encoder = encoder;
    this.table = settings.table();
    this.columnList = encoder.columnList();
    this.batch = settings.batch();
    this.time = time;
    this.metrics = ClickHouseSinkMetrics.register(metricGroup, table, () -> bufferRows + partRows);
    this.inserter =
        new ClickHouseInserter(
            client,
            settings.retry(),
            metrics,
            settings.breaker()
                ? new ClickHouseCircuitBreaker(
                    settings.connection().database()
                        + "."
                        + settings.table()
                        + " (writer "
                        + subtask
                        + ")",
                    settings.probeInterval())
                : null);
    BatchStrategy strategy = batch.strategy();
    if (strategy == BatchStrategy.SIZE || strategy == BatchStrategy.HYBRID) {
      AdaptiveBatching adaptive = settings.adaptive();
      boolean on = adaptive.enabled() && adaptive.minRows() < batch.maxRows();
      this.batchSize =
          new AdaptiveBatchSize(
              on ? adaptive.minRows() : batch.maxRows(),
              batch.maxRows(),
              Duration.ofNanos(
                  Math.round(1e9 * Math.max(1, subtasks) / adaptive.targetInsertsPerSecond())),
              System::nanoTime);
      metrics.register(batchSize);
    } else {
      this.batchSize = null;
    }
    // The writer's incarnation in the token: a job redeployed with a fixed job id from an older
    // savepoint counts its checkpoints from there again, and must not reuse a token of other rows
    // (the committables it restores keep theirs).
    this.tokenPrefix =
        jobId
            + "/"
            + table
            + "/"
            + Long.toHexString(new java.security.SecureRandom().nextLong())
            + "/";
    this.subtask = subtask;
    this.checkpoint = restoredCheckpointId;
  }

  @Override
  public void write(T element, Context context) throws IOException, InterruptedException {
    row.reset();
    encoder.encode(element, row);
    long partition = encoder.partitionOf(element);
    // Rows mostly follow each other within a day: the set is consulted when the day changes.
    boolean onePartitionTooMany =
        partition != lastPartition
            && bufferPartitions.size() >= batch.maxPartitions()
            && !bufferPartitions.contains(partition);
    if (batch.strategy().exactlyOnce()) {
      if (onePartitionTooMany || batch.startsNewPart(bufferRows, buffer.size(), row.size())) {
        sealPart();
      }
      buffer.append(row);
      bufferRows++;
      addPartition(partition);
      return;
    }
    if (onePartitionTooMany) {
      insertBuffer(false);
    }
    if (bufferRows == 0) {
      oldestRowTime = time.getCurrentProcessingTime();
    }
    buffer.append(row);
    bufferRows++;
    addPartition(partition);
    if (batch.isFull(
        bufferRows, buffer.size(), batchSize != null ? batchSize.rows() : batch.maxRows())) {
      insertBuffer(true);
    } else if (batch.strategy().timed() && !timerSet) {
      setTimer();
    }
  }

  @Override
  public void flush(boolean endOfInput) throws IOException, InterruptedException {
    if (!batch.strategy().exactlyOnce()) {
      insertBuffer(false);
      awaitInFlight();
    }
  }

  /**
   * Changes the row bounds of the inserts of a {@code size} or {@code hybrid} table from the next
   * row on: the adaptive bound then moves within {@code [minRows, maxRows]} (a fixed bound when
   * they are equal). Refused for the other strategies, whose inserts have no row bound, and for
   * bounds outside {@code 1 <= minRows <= maxRows <= max_insert_block_size}.
   */
  void rebatch(int minRows, int maxRows) {
    if (batchSize == null) {
      throw new IllegalArgumentException(
          "table " + table + " (" + batch.strategy() + ") has no row bound to change");
    }
    if (maxRows > 1_048_576) {
      throw new IllegalArgumentException(
          "maxRows " + maxRows + " is above max_insert_block_size (1,048,576)");
    }
    batchSize.rebatch(minRows, maxRows);
  }

  /** The current row bound of an insert, or -1 for strategies without one. */
  int batchRows() {
    return batchSize != null ? batchSize.rows() : -1;
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
  public void close() {
    if (inserts != null) {
      // Rows not flushed are not acknowledged: the job replays them from its last checkpoint.
      inserts.shutdownNow();
    }
  }

  private void sealPart() {
    if (bufferRows == 0) {
      return;
    }
    parts.add(new Part(buffer.toByteArray(), bufferRows));
    partRows += bufferRows;
    buffer.reset();
    bufferRows = 0;
    clearPartitions();
  }

  private void addPartition(long partition) {
    if (partition != lastPartition) {
      bufferPartitions.add(partition);
      lastPartition = partition;
    }
  }

  private void clearPartitions() {
    bufferPartitions.clear();
    lastPartition = NO_PARTITION;
  }

  /**
   * Hands the buffer to the inserting thread, once the insert before it has succeeded; {@code full}
   * when the row or byte bound triggered it.
   */
  private void insertBuffer(boolean full) throws IOException, InterruptedException {
    if (bufferRows == 0) {
      return;
    }
    awaitInFlight();
    if (batchSize != null) {
      batchSize.onInsertStarted(full);
    }
    byte[] rows = buffer.toByteArray();
    int count = bufferRows;
    buffer.reset();
    bufferRows = 0;
    clearPartitions();
    if (inserts == null) {
      inserts =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "ClickHouse inserts " + table + " (" + subtask + ")");
                t.setDaemon(true);
                return t;
              });
    }
    inFlight =
        inserts.submit(
            () -> {
              long start = System.nanoTime();
              long failuresBefore = metrics.failures.getCount();
              inserter.insert(table, columnList, rows, count, null);
              long nanos = System.nanoTime() - start;
              metrics.commitLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(nanos));
              if (batchSize != null) {
                batchSize.onInsertFinished(nanos, metrics.failures.getCount() > failuresBefore);
              }
              return null;
            });
  }

  /** Waits for the insert in flight; its failure (after the retries) is this call's. */
  private void awaitInFlight() throws IOException, InterruptedException {
    if (inFlight == null) {
      return;
    }
    Future<?> insert = inFlight;
    inFlight = null;
    try {
      insert.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof InterruptedException ie) {
        throw ie;
      }
      throw new IOException("insert into " + table + " failed", cause);
    }
  }

  private void setTimer() {
    timerSet = true;
    time.registerTimer(oldestRowTime + batch.interval().toMillis(), this::onTimer);
  }

  private void onTimer(long now) throws IOException, InterruptedException {
    timerSet = false;
    if (batch.isDue(bufferRows, now - oldestRowTime)) {
      insertBuffer(false);
    } else if (bufferRows > 0) {
      setTimer();
    }
  }
}
