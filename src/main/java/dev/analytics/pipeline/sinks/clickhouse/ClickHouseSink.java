package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records into one ClickHouse table over the HTTP interface as {@code INSERT ... FORMAT
 * RowBinary}, generic over a per-table {@link ClickHouseRowEncoder}. Build it with {@link
 * ClickHouseSinks}.
 *
 * <h2>Delivery guarantees</h2>
 *
 * <ul>
 *   <li><b>Exactly-once results</b> with {@link BatchStrategy#CHECKPOINT}: the rows of a checkpoint
 *       become visible only after that checkpoint completes. The writer encodes them into
 *       committables (the RowBinary bytes themselves, kept in the checkpoint); the committer
 *       inserts them when the checkpoint completes. A commit repeated after a failure inserts the
 *       same bytes again, with the same deduplication token. Every table is a ReplacingMergeTree
 *       with a deterministic row identity and a version, so a repeated row collapses: <b>read with
 *       {@code FINAL}</b> or {@code argMax(column, version)}. On ClickHouse 22.2 and later the
 *       token is also sent as {@code insert_deduplication_token} (effective with a deduplication
 *       window on the table); ClickHouse 18.16 does not know it, and there the table key alone
 *       makes repeats collapse.
 *   <li><b>At-least-once</b> with the other strategies: rows are inserted when the strategy's
 *       trigger fires and at every checkpoint; a replay after a failure inserts some again, which
 *       the ReplacingMergeTree key collapses (read with FINAL).
 * </ul>
 *
 * <h2>Failures</h2>
 *
 * Transient failures (connection errors, timeouts, HTTP 5xx, too many parts, memory limit, ...) are
 * retried with exponential backoff and jitter while the task waits: the job is backpressured,
 * nothing is buffered beyond the configured bounds. When the retries run out, a circuit breaker per
 * writer and committer opens ({@link ClickHouseCircuitBreaker}, {@code
 * clickhouse.breaker.probe-interval}): one probe insert per interval, the task waits, checkpoints
 * fail by their timeout within {@code checkpoint.tolerable-failures}, and the sink resumes by
 * itself when ClickHouse answers. Permanent failures (unknown table or column, type mismatch,
 * syntax, authentication, ...) fail the job with the table's name and the server's message; it
 * restarts from its last completed checkpoint and loses nothing. At start-up each writer creates
 * its table ({@code clickhouse.create-tables}; with the current DDL on ClickHouse 22.2 and later,
 * see {@link TableVariant}) or checks that it exists with the expected columns; the existing
 * table's columns decide which of the two layouts the writer encodes, and a table of neither fails
 * the start naming the table and column.
 *
 * <h2>Caveats</h2>
 *
 * An INSERT is atomic only up to ClickHouse's {@code max_insert_block_size} (1,048,576 rows by
 * default): keep {@code max-rows} below it. Exactly-once rows wait in memory for one checkpoint
 * interval; the committables are part of the checkpoint's state.
 *
 * @param <T> the record type
 */
public final class ClickHouseSink<T> implements Sink<T>, SupportsCommitter<ClickHouseCommittable> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSink.class);

  private final ClickHouseSinkSettings settings;
  private final ClickHouseRowEncoder<T> encoder;

  public ClickHouseSink(ClickHouseSinkSettings settings, ClickHouseRowEncoder<T> encoder) {
    this.settings = settings;
    this.encoder = encoder;
  }

  public ClickHouseSinkSettings settings() {
    return settings;
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
    ClickHouseHttpClient client = new ClickHouseHttpClient(settings.connection());
    TableVariant variant;
    try {
      variant =
          ClickHouseTables.prepare(
              client,
              settings.retry(),
              settings.table(),
              encoder,
              settings.createTables(),
              settings.ttl());
      if (context.getTaskInfo().getIndexOfThisSubtask() == 0) {
        String version = client.serverVersion();
        LOG.info(
            "ClickHouse {} at {}: table {}.{} ready ({} DDL, {}), batching {}, deduplication"
                + " tokens {}",
            version,
            settings.connection().url(),
            settings.connection().database(),
            settings.table(),
            variant.name().toLowerCase(java.util.Locale.ROOT),
            variant.ddlFile(encoder.defaultTable()),
            settings.batch(),
            ClickHouseHttpClient.supportsDeduplicationToken(version)
                ? "sent"
                : "not supported (repeats collapse by the table key: read with FINAL)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while preparing ClickHouse table " + settings.table(), e);
    }
    return new ClickHouseWriter<>(
        encoder.withVariant(variant),
        settings,
        client,
        context.getProcessingTimeService(),
        context.metricGroup(),
        context.getJobInfo().getJobId().toHexString(),
        context.getTaskInfo().getIndexOfThisSubtask(),
        context.getTaskInfo().getNumberOfParallelSubtasks(),
        context.getRestoredCheckpointId().orElse(0L));
  }

  @Override
  public Committer<ClickHouseCommittable> createCommitter(CommitterInitContext context) {
    ClickHouseSinkMetrics metrics =
        ClickHouseSinkMetrics.register(context.metricGroup(), settings.table(), null);
    ClickHouseInserter inserter =
        new ClickHouseInserter(
            new ClickHouseHttpClient(settings.connection()),
            settings.retry(),
            metrics,
            settings.breaker()
                ? new ClickHouseCircuitBreaker(
                    settings.connection().database()
                        + "."
                        + settings.table()
                        + " (committer "
                        + context.getTaskInfo().getIndexOfThisSubtask()
                        + ")",
                    settings.probeInterval())
                : null);
    return new ClickHouseCommitter(inserter, metrics);
  }

  @Override
  public SimpleVersionedSerializer<ClickHouseCommittable> getCommittableSerializer() {
    return new ClickHouseCommittableSerializer();
  }
}
