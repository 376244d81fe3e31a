package dev.analytics.pipeline.sinks.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exactly-once PostgreSQL sink built on PostgreSQL's own two-phase commit: each writer subtask
 * writes the rows between two checkpoints in one transaction, turns it into a prepared transaction
 * ({@code PREPARE TRANSACTION 'gid'}) when the checkpoint barrier passes, and Flink's committer
 * makes it visible ({@code COMMIT PREPARED 'gid'}) only once that checkpoint has completed.
 *
 * <p><b>Why not the connector's XA sink.</b> flink-connector-jdbc 4.0.0-2.0 ({@code
 * JdbcSink.buildExactlyOnce}) commits the XA transaction in the writer's {@code snapshotState},
 * before the checkpoint completes ({@code JdbcWriter.snapshotState} → {@code commitTxUntil}); a
 * failure before completion then replays rows that are already committed. The tests saw it: a daily
 * counter counted a window twice after an injected commit failure. This sink keeps the same
 * protocol shape (a prepared transaction per checkpoint and subtask, statement retries off,
 * recovery by Flink) with the commit where it belongs.
 *
 * <p><b>Guarantees.</b> A row's change becomes visible once, and only after the checkpoint that
 * holds it completed: normally it is in the transaction prepared at that checkpoint's barrier; a
 * row held back (below) is in that checkpoint's writer state instead and becomes visible with the
 * transaction of a later checkpoint. After a restore from checkpoint N, the transactions of
 * checkpoints up to N are committed (by the committer, from its state, before the writer starts),
 * every other prepared transaction of this sink and subtask (a checkpoint that never completed) is
 * rolled back before writing, so its locks are gone and its rows are replayed, and the rows held in
 * N's writer state are written again. A commit whose transaction no longer exists counts as done
 * only with proof: every transaction writes its id into the commit records ({@code
 * postgres.table.commits}) before it is prepared, so the record exists exactly when it was
 * committed; without one, the transaction was rolled back outside the job and the commit fails the
 * job (its rows are lost) instead of passing for done. Ids of the format before commit records, and
 * transactions prepared longer ago than {@code postgres.commit-record-retention}, count as done as
 * before. Transaction ids: {@code <prefix>:<subtask>:<last checkpoint>:<sequence>:<prepared, epoch
 * seconds>-<writer incarnation>}, where the prefix names the job instance and the sink (so two
 * sinks or two jobs never clash), "last checkpoint" is the checkpoint after which the transaction
 * began (on a restore from N, ids with a last checkpoint at or above N are exactly the orphans),
 * and the incarnation keeps a later run with the same instance id, which counts checkpoints from 1
 * again, from reusing an id.
 *
 * <p><b>No writer waits on its own prepared transactions.</b> A prepared transaction keeps its row
 * locks until the committer commits it, i.e. until its checkpoint or a later one completes (Flink
 * keeps the committable of an aborted checkpoint for the next completed one). A later transaction
 * of the same subtask writing one of those rows (daily counters do at every checkpoint) would wait
 * for a completion that needs this very task: after an aborted checkpoint, or when a completion
 * reaches the committer after the next rows arrived, that was a deadlock until {@code
 * postgres.lock-timeout}. The writer ({@link PostgresTwoPhaseCommitWriter}) holds such rows back
 * and writes them once {@code pg_prepared_xacts} shows the locking transaction gone; why that stays
 * exactly-once, its memory bound, the end of input and rescaling are in its Javadoc. The statement
 * must be an {@link UpsertStatement}: its key hash tells which table row a row locks.
 *
 * <p><b>Operations.</b> Needs {@code max_prepared_transactions} ≥ (parallelism × prepared
 * transactions per subtask) summed over the sinks; each subtask holds one connection for writing
 * and one for committing. After a rescale a subtask also cleans the ids of the subtasks that no
 * longer exist ({@code index mod parallelism}). The writer state is versioned ({@link
 * PostgresWriterStateSerializer}): savepoints of the version without held-back rows restore.
 */
public final class PostgresTwoPhaseCommitSink<T>
    implements Sink<T>, SupportsCommitter<String>, SupportsWriterState<T, PostgresWriterState<T>> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTwoPhaseCommitSink.class);

  private final PostgresSettings settings;
  private final PostgresConnections connections;
  private final String prefix;
  private final UpsertStatement<T> statement;
  private final int maxDeferredRows;

  /**
   * Most rows one writer subtask holds back (after merging rows of one key where the statement can)
   * while their table row is locked by its own prepared transaction; one more fails the task.
   */
  public static final int MAX_DEFERRED_ROWS = 100_000;

  /**
   * @param prefix names the job and the sink in the transaction ids: unique per sink and job on a
   *     server, stable across restores; letters, digits, '-', '_' and '.' only
   */
  public PostgresTwoPhaseCommitSink(
      PostgresSettings settings,
      PostgresConnections connections,
      String prefix,
      UpsertStatement<T> statement) {
    this(settings, connections, prefix, statement, MAX_DEFERRED_ROWS);
  }

  /** With another bound on held-back rows (tests). */
  PostgresTwoPhaseCommitSink(
      PostgresSettings settings,
      PostgresConnections connections,
      String prefix,
      UpsertStatement<T> statement,
      int maxDeferredRows) {
    if (!prefix.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException("bad transaction id prefix: " + prefix);
    }
    if (maxDeferredRows < 1) {
      throw new IllegalArgumentException("maxDeferredRows must be positive: " + maxDeferredRows);
    }
    this.settings = settings;
    this.connections = connections;
    this.prefix = prefix;
    this.statement = statement;
    this.maxDeferredRows = maxDeferredRows;
  }

  @Override
  public PostgresTwoPhaseCommitWriter<T> createWriter(WriterInitContext context)
      throws IOException {
    return restoreWriter(context, List.of());
  }

  @Override
  public PostgresTwoPhaseCommitWriter<T> restoreWriter(
      WriterInitContext context, Collection<PostgresWriterState<T>> recoveredState)
      throws IOException {
    try {
      return new PostgresTwoPhaseCommitWriter<>(
          settings, connections, prefix, statement, maxDeferredRows, context, recoveredState);
    } catch (SQLException e) {
      throw new IOException("cannot open the PostgreSQL writer of " + prefix, e);
    }
  }

  @Override
  public SimpleVersionedSerializer<PostgresWriterState<T>> getWriterStateSerializer() {
    return new PostgresWriterStateSerializer<>();
  }

  @Override
  public Committer<String> createCommitter(CommitterInitContext context) {
    return new PreparedTransactionCommitter(settings, connections);
  }

  @Override
  public SimpleVersionedSerializer<String> getCommittableSerializer() {
    return new GidSerializer();
  }

  /** COMMIT PREPARED for the transactions of completed checkpoints. */
  static final class PreparedTransactionCommitter implements Committer<String> {
    private final PostgresSettings settings;
    private final PostgresConnections connections;
    private Connection connection;
    private long lastCleanupMillis;

    PreparedTransactionCommitter(PostgresSettings settings, PostgresConnections connections) {
      this.settings = settings;
      this.connections = connections;
    }

    @Override
    public void commit(Collection<CommitRequest<String>> requests) {
      for (CommitRequest<String> request : requests) {
        String gid = request.getCommittable();
        try {
          if (connection == null || connection.isClosed()) {
            connection = connections.connect(settings);
            connection.setAutoCommit(true);
          }
          try (Statement s = connection.createStatement()) {
            s.execute("COMMIT PREPARED " + quote(gid));
          }
        } catch (SQLException e) {
          String state = e.getSQLState() == null ? "" : e.getSQLState();
          if (state.equals("42704")) {
            // undefined_object: committed before a failure, or rolled back outside the job.
            gone(request, gid);
          } else {
            closeQuietly();
            request.signalFailedWithUnknownReason(
                new IOException("COMMIT PREPARED '" + gid + "' failed: " + e.getMessage(), e));
          }
        }
      }
      deleteOldRecords();
    }

    /**
     * A transaction of a completed checkpoint that no longer exists: committed if its commit record
     * says so; rolled back outside the job, its rows lost, if the record is missing while it would
     * still be kept: then the job fails rather than go on without them.
     */
    private void gone(CommitRequest<String> request, String gid) {
      long prepared = preparedAtSeconds(gid);
      if (prepared < 0) {
        LOG.info(
            "Prepared transaction {} no longer exists: taken as committed (it predates commit"
                + " records)",
            gid);
        request.signalAlreadyCommitted();
        return;
      }
      long age = System.currentTimeMillis() - prepared * 1000;
      try (PreparedStatement ps =
          connection.prepareStatement(
              "SELECT 1 FROM " + settings.commitsTable() + " WHERE gid = ?")) {
        ps.setString(1, gid);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            LOG.info("Prepared transaction {} was committed before (its commit record)", gid);
            request.signalAlreadyCommitted();
          } else if (age > settings.commitRecordRetentionMillis()) {
            LOG.warn(
                "Prepared transaction {} no longer exists and was prepared {} ago, longer than"
                    + " postgres.commit-record-retention: taken as committed without proof",
                gid,
                Duration.ofMillis(age));
            request.signalAlreadyCommitted();
          } else {
            request.signalFailedWithKnownReason(
                new IOException(
                    "Prepared transaction "
                        + gid
                        + " of a completed checkpoint no longer exists and was never committed"
                        + " (no commit record in "
                        + settings.commitsTable()
                        + "): it was rolled back outside this job, and its rows are lost."
                        + " Restore the job from a savepoint or checkpoint taken before that"
                        + " checkpoint to write them again."));
          }
        }
      } catch (SQLException e) {
        closeQuietly();
        request.signalFailedWithUnknownReason(
            new IOException(
                "checking the commit record of " + gid + " failed: " + e.getMessage(), e));
      }
    }

    /** Deletes the commit records older than the retention, at most once an hour. */
    private void deleteOldRecords() {
      long now = System.currentTimeMillis();
      if (connection == null || now - lastCleanupMillis < CLEANUP_INTERVAL_MILLIS) {
        return;
      }
      lastCleanupMillis = now;
      try (PreparedStatement ps =
          connection.prepareStatement(
              "DELETE FROM "
                  + settings.commitsTable()
                  + " WHERE prepared_at < now() - ? * interval '1 millisecond'")) {
        ps.setLong(1, settings.commitRecordRetentionMillis());
        int deleted = ps.executeUpdate();
        if (deleted > 0) {
          LOG.info("Deleted {} commit records older than the retention", deleted);
        }
      } catch (SQLException e) {
        LOG.warn("Deleting old commit records failed (retried in an hour): {}", e.getMessage());
      }
    }

    private void closeQuietly() {
      try {
        if (connection != null) {
          connection.close();
        }
      } catch (SQLException e) {
        LOG.debug("closing the committer's connection", e);
      }
      connection = null;
    }

    @Override
    public void close() {
      closeQuietly();
    }
  }

  private static final long CLEANUP_INTERVAL_MILLIS = 3_600_000;

  /**
   * The prepare time of a transaction id, epoch seconds: the first half of its fifth part ({@code
   * <prefix>:<subtask>:<last checkpoint>:<sequence>:<seconds>-<incarnation>}); -1 for an id of the
   * format before commit records.
   */
  static long preparedAtSeconds(String gid) {
    String[] parts = gid.split(":");
    if (parts.length < 5) {
      return -1;
    }
    String last = parts[parts.length - 1];
    int dash = last.indexOf('-');
    try {
      return Long.parseLong(dash < 0 ? last : last.substring(0, dash));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The ids of this database's prepared transactions that begin with {@code prefix}, sorted. */
  public static List<String> preparedTransactions(Connection c, String prefix) throws SQLException {
    List<String> gids = new java.util.ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
                + " AND starts_with(gid, ?) ORDER BY gid")) {
      ps.setString(1, prefix);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          gids.add(rs.getString(1));
        }
      }
    }
    return gids;
  }

  static String quote(String gid) {
    return "'" + gid.replace("'", "''") + "'";
  }

  /** The committable: the transaction id, as UTF-8. */
  static final class GidSerializer implements SimpleVersionedSerializer<String> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(String gid) {
      return gid.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String deserialize(int version, byte[] serialized) {
      return new String(serialized, StandardCharsets.UTF_8);
    }
  }
}
