package dev.analytics.pipeline.sinks.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of {@link PostgresTwoPhaseCommitSink}, one per sink subtask.
 *
 * <p><b>Takes</b> rows and writes them into the subtask's open transaction (in JDBC batches of
 * {@code postgres.batch-size}); at each checkpoint barrier ({@link #prepareCommit}) it turns that
 * transaction into a prepared one and <b>gives</b> its id to Flink's committer, which commits it
 * when the checkpoint, or a later one, completes. On start it rolls back the subtask's orphans:
 * prepared transactions begun at or after the restored checkpoint (all of them without state).
 *
 * <p><b>It never waits on a lock of its own prepared transactions.</b> A prepared transaction keeps
 * its row locks until it is committed; a later transaction of the same subtask that writes one of
 * those rows waits for that commit, which needs a checkpoint to complete, which needs this very
 * task: a deadlock until {@code postgres.lock-timeout}. It happens after an aborted checkpoint (the
 * committer keeps its transaction for the next completed one) and whenever a completion reaches the
 * committer after the next rows arrived. So the writer remembers, for each transaction it prepared
 * and has not seen committed, the keys of the rows in it ({@link TransactionKeys}, from {@link
 * UpsertStatement#keyHash}); a row whose key one of them holds is held back in memory ({@link
 * DeferredRows}) instead of being written. Which of those transactions are still prepared it asks
 * {@code pg_prepared_xacts}: at every barrier, and when a row is held back (at most every {@value
 * #RECHECK_MILLIS} ms). Held rows whose table row is free again are then written into the open
 * transaction, in their order. Rows of other keys are written at once, as before.
 *
 * <p><b>Exactly once.</b> A held row is in no transaction; at a barrier it is either written into
 * the transaction prepared there (its table row was freed in time) or part of the checkpoint's
 * writer state ({@link PostgresWriterState}), and it leaves the memory only by being written into
 * the open transaction. So for a row that arrived before barrier k, held at barriers k..j-1 and
 * written into the transaction prepared at barrier j, a restore from checkpoint C finds it exactly
 * once: C &lt; k, it is in no state of C and the source replays it (transaction j began after
 * barrier j-1 &ge; C: an orphan, rolled back); k &le; C &lt; j, it is in the state of C (written
 * again, transaction j an orphan); C &ge; j, transaction j is committed from the committer's state
 * and the state of C no longer holds it. Held rows of one key keep their order and are merged when
 * the statement can (daily counters of one bucket add up), which changes no result. Nothing is
 * rolled back to make room: the writer cannot tell an aborted checkpoint from a completed one whose
 * notification is late, and rolling back a completed one would lose it.
 *
 * <p><b>Bounds.</b> At most {@code maxDeferredRows} rows held (after merging: for daily counters at
 * most one per counter bucket written by a transaction still prepared); one more fails the task,
 * whose restore commits or rolls back every prepared transaction (nothing lost). Key hashes: 8
 * bytes per row of each transaction open or prepared and not seen committed, at most {@link
 * TransactionKeys#MAX_KEYS} per transaction (beyond, it counts as holding every row). Held rows are
 * logged at INFO when the first is held, at each barrier while any is, and when written.
 *
 * <p><b>End of input</b> ({@code stop-with-savepoint --drain}, bounded input): Flink calls {@link
 * #flush flush(true)} and {@link #prepareCommit} once more and never again; rows still held then
 * could only be written after a later checkpoint, which never comes for a bounded job (keeping them
 * in the final checkpoint's state would lose them). So the writer waits for its prepared
 * transactions to be committed, yielding to the task's mailbox meanwhile so that a late completion
 * reaches the committer (it runs in the same task), for at most {@code postgres.lock-timeout} (0:
 * for ever); then it writes the rows into the last transaction. If they are still locked after that
 * (the checkpoint was aborted and no later one completed), it fails the task: the job restores from
 * its last completed checkpoint and replays, nothing is lost, and the stop must be retried.
 *
 * <p><b>Restore.</b> Held rows in the restored state are written into the first transaction. Own
 * prepared transactions that are not orphans (of completed checkpoints, normally committed by the
 * committer before the writer starts) count as holding every row until they are gone. After a
 * rescale a table row may belong to another subtask than the one whose state holds it; two subtasks
 * writing one row deadlock across a checkpoint, so a restored state with held rows of another
 * subtask or parallelism is refused unless the new parallelism is 1 (restore with the old
 * parallelism, let one checkpoint complete, then take a new savepoint and rescale).
 *
 * @param <T> the rows
 */
final class PostgresTwoPhaseCommitWriter<T>
    implements CommittingSinkWriter<T, String>, StatefulSinkWriter<T, PostgresWriterState<T>> {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTwoPhaseCommitWriter.class);

  /** Least time between two checks of {@code pg_prepared_xacts} when rows are held back. */
  static final long RECHECK_MILLIS = 50;

  /** Sleep between two checks at end of input when the mailbox has nothing to run. */
  private static final long WAIT_POLL_MILLIS = 20;

  private final String prefix;
  private final UpsertStatement<T> statement;
  private final int subtask;
  private final int parallelism;
  private final int batchSize;
  private final long lockTimeoutMillis;
  private final int maxDeferredRows;
  private final TypeSerializer<T> serializer;
  private final MailboxExecutor mailbox;
  private final Connection connection;
  private final PreparedStatement insert;
  private final PreparedStatement stillPrepared;
  private final PreparedStatement commitRecord;
  private final String incarnation =
      String.format("%08x", new java.security.SecureRandom().nextInt());

  /** Own prepared transactions not seen committed yet, with the keys they hold. */
  private final Map<String, TransactionKeys> prepared = new LinkedHashMap<>();

  private final DeferredRows<T> deferred;
  private TransactionKeys current = new TransactionKeys();
  private int batched;
  private boolean dirty;
  private long lastCheckpoint;
  private int sequence;
  private long lastCheckNanos;

  PostgresTwoPhaseCommitWriter(
      PostgresSettings settings,
      PostgresConnections connections,
      String prefix,
      UpsertStatement<T> statement,
      int maxDeferredRows,
      WriterInitContext context,
      Collection<PostgresWriterState<T>> restoredState)
      throws SQLException, IOException {
    this.prefix = prefix;
    this.statement = statement;
    this.subtask = context.getTaskInfo().getIndexOfThisSubtask();
    this.parallelism = context.getTaskInfo().getNumberOfParallelSubtasks();
    this.batchSize = settings.batchSize();
    this.lockTimeoutMillis = settings.lockTimeoutMillis();
    this.maxDeferredRows = maxDeferredRows;
    this.serializer = context.createInputSerializer();
    this.mailbox = context.getMailboxExecutor();
    this.deferred = new DeferredRows<>(statement, maxDeferredRows);
    this.lastCheckNanos = System.nanoTime() - RECHECK_MILLIS * 1_000_000;
    OptionalLong restored = context.getRestoredCheckpointId();
    this.lastCheckpoint = restored.orElse(0);
    List<T> restoredRows = restoredRows(restoredState);
    Set<String> restoredPrepared = restoredPrepared(restoredState);
    this.connection = connections.connect(settings);
    // Who holds a namespace, in pg_stat_activity (63 characters: the Flink job first).
    connection.setClientInfo(
        "ApplicationName",
        "Flink job " + context.getJobInfo().getJobId() + " " + prefix + ":" + subtask);
    // Before anything of the namespace is touched: no second job may share it.
    InstanceLock.take(connection, prefix, subtask);
    rollBackOrphans(restored, restoredPrepared);
    connection.setAutoCommit(false);
    this.insert = connection.prepareStatement(statement.query());
    this.commitRecord =
        connection.prepareStatement("INSERT INTO " + settings.commitsTable() + " (gid) VALUES (?)");
    this.stillPrepared =
        connection.prepareStatement(
            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
                + " AND gid = ANY(?)");
    for (T row : restoredRows) {
      // Already in memory: the bound applies to rows held from now on.
      deferred.add(statement.keyHash(row), row, false);
    }
    if (!restoredRows.isEmpty()) {
      LOG.info(
          "Restored {} held-back rows from checkpoint {}; writing them once no own prepared"
              + " transaction locks them",
          restoredRows.size(),
          lastCheckpoint);
      check();
      writeFreedRows();
    }
  }

  /** The rows of the restored state, refused when they may belong to another subtask now. */
  private List<T> restoredRows(Collection<PostgresWriterState<T>> states) throws IOException {
    List<T> rows = new ArrayList<>();
    for (PostgresWriterState<T> state : states) {
      if (state.rows().isEmpty()) {
        continue;
      }
      boolean sameOwner = state.subtask() == subtask && state.parallelism() == parallelism;
      if (!sameOwner && parallelism != 1) {
        throw new IOException(
            String.format(
                "The restored state of PostgreSQL sink %s holds %d rows that subtask %d of %d"
                    + " held back (their table row was locked by its own prepared transaction),"
                    + " but it is restored into subtask %d of %d: after a rescale another subtask"
                    + " may own those rows, and two subtasks writing one row deadlock across a"
                    + " checkpoint. Restore with parallelism %d, let one checkpoint complete"
                    + " (the rows are then written), take a new savepoint and rescale from it.",
                prefix,
                state.rows().size(),
                state.subtask(),
                state.parallelism(),
                subtask,
                parallelism,
                state.parallelism()));
      }
      rows.addAll(state.rows());
    }
    return rows;
  }

  /**
   * The own prepared transactions the restored checkpoint recorded (see {@link
   * PostgresWriterState#prepared()}), or null when unknown: a state of an older version, or one
   * that another subtask or parallelism wrote (after a rescale a subtask cleans up for others).
   */
  private Set<String> restoredPrepared(Collection<PostgresWriterState<T>> states) {
    if (states.isEmpty()) {
      return null;
    }
    Set<String> gids = new HashSet<>();
    for (PostgresWriterState<T> state : states) {
      if (state.prepared() == null
          || state.subtask() != subtask
          || state.parallelism() != parallelism) {
        return null;
      }
      gids.addAll(state.prepared());
    }
    return gids;
  }

  /**
   * Rolls back this subtask's prepared transactions that no completed checkpoint holds, and
   * remembers those that one does (the committer commits them) as holding every row. One that began
   * before the restored checkpoint but is not in its record was left by another run with this
   * instance id (one that started without state and stopped before its commit): no committer will
   * commit it, and its row locks would hold this job back for good, so it is rolled back too.
   */
  private void rollBackOrphans(OptionalLong restored, Set<String> recorded) throws SQLException {
    List<String> orphans = new ArrayList<>();
    List<String> leftovers = new ArrayList<>();
    for (String gid : PostgresTwoPhaseCommitSink.preparedTransactions(connection, prefix + ":")) {
      String[] parts = gid.substring(prefix.length() + 1).split(":");
      // <subtask>:<last checkpoint>:<sequence>[:<prepared, epoch seconds>]
      if (parts.length != 3 && parts.length != 4) {
        continue;
      }
      int owner = Integer.parseInt(parts[0]);
      long began = Long.parseLong(parts[1]);
      boolean mine = owner == subtask || (owner >= parallelism && owner % parallelism == subtask);
      if (!mine) {
        continue;
      }
      if (restored.isEmpty() || began >= restored.getAsLong()) {
        orphans.add(gid);
      } else if (recorded != null && !recorded.contains(gid)) {
        leftovers.add(gid);
      } else {
        prepared.put(gid, TransactionKeys.unknown());
      }
    }
    try (Statement s = connection.createStatement()) {
      for (String gid : orphans) {
        LOG.warn(
            "Rolling back prepared transaction {} (its checkpoint did not complete{})",
            gid,
            restored.isEmpty() ? "; the job started without state" : "");
        s.execute("ROLLBACK PREPARED " + PostgresTwoPhaseCommitSink.quote(gid));
      }
      for (String gid : leftovers) {
        LOG.warn(
            "Rolling back prepared transaction {}: it began before the restored checkpoint {} but"
                + " is not among the transactions that checkpoint recorded, so it was left by"
                + " another run with this instance id (started without state, stopped before its"
                + " commit); its rows were never visible",
            gid,
            restored.getAsLong());
        s.execute("ROLLBACK PREPARED " + PostgresTwoPhaseCommitSink.quote(gid));
      }
    }
    if (!prepared.isEmpty()) {
      LOG.info(
          "Prepared transactions {} of completed checkpoints are not committed yet: rows wait"
              + " until they are",
          prepared.keySet());
    }
  }

  @Override
  public void write(T element, Context context) throws IOException {
    try {
      long key = statement.keyHash(element);
      if (locked(key)) {
        if (System.nanoTime() - lastCheckNanos >= RECHECK_MILLIS * 1_000_000) {
          check();
          writeFreedRows();
        }
        if (locked(key)) {
          hold(key, element);
          return;
        }
      }
      writeRow(key, element);
    } catch (SQLException e) {
      throw new IOException("writing to PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  /** Whether one of the own prepared transactions not seen committed may lock the row. */
  private boolean locked(long key) {
    for (TransactionKeys keys : prepared.values()) {
      if (keys.contains(key)) {
        return true;
      }
    }
    return false;
  }

  private void hold(long key, T row) throws IOException {
    if (deferred.isEmpty()) {
      LOG.info(
          "Holding back rows whose table row is locked by own prepared transactions {}, not"
              + " committed yet: they are written once those are committed",
          prepared.keySet());
    }
    if (!deferred.add(key, serializer.copy(row), true)) {
      throw new IOException(
          String.format(
              "PostgreSQL sink %s subtask %d: more than %d rows wait for the row locks of its"
                  + " own prepared transactions %s, which no completed checkpoint has committed;"
                  + " failing so that the job restores (which commits or rolls back every"
                  + " prepared transaction: nothing is lost)",
              prefix, subtask, maxDeferredRows, prepared.keySet()));
    }
  }

  private void writeRow(long key, T row) throws SQLException {
    statement.statement(insert, row);
    insert.addBatch();
    current.add(key);
    dirty = true;
    if (++batched >= batchSize) {
      executeBatch();
    }
  }

  private void executeBatch() throws SQLException {
    if (batched > 0) {
      insert.executeBatch();
      batched = 0;
    }
  }

  /** Forgets the own prepared transactions that are no longer prepared (committed). */
  private void check() throws SQLException {
    lastCheckNanos = System.nanoTime();
    if (prepared.isEmpty()) {
      return;
    }
    Set<String> still = new HashSet<>();
    stillPrepared.setArray(1, connection.createArrayOf("text", prepared.keySet().toArray()));
    try (ResultSet rs = stillPrepared.executeQuery()) {
      while (rs.next()) {
        still.add(rs.getString(1));
      }
    }
    if (!dirty) {
      // Ends the read-only transaction the query began; nothing else is in it.
      connection.rollback();
    }
    prepared.keySet().retainAll(still);
  }

  /** Writes the held rows whose table row no own prepared transaction locks any more. */
  private void writeFreedRows() throws SQLException {
    if (deferred.isEmpty()) {
      return;
    }
    List<T> freed = deferred.takeWritable(key -> !locked(key));
    if (!freed.isEmpty()) {
      LOG.info(
          "Writing {} held-back rows: their table rows are no longer locked ({} rows still held)",
          freed.size(),
          deferred.size());
      for (T row : freed) {
        writeRow(statement.keyHash(row), row);
      }
    }
  }

  @Override
  public void flush(boolean endOfInput) throws IOException, InterruptedException {
    // Rows go with the transaction at the barrier (prepareCommit), or earlier in full batches.
    if (endOfInput && !deferred.isEmpty()) {
      awaitHeldRowsWritten();
    }
  }

  /** At end of input: waits, running the task's mailbox, until the held rows are written. */
  private void awaitHeldRowsWritten() throws IOException, InterruptedException {
    long start = System.nanoTime();
    LOG.info(
        "End of input: {} rows wait for the row locks of own prepared transactions {}; waiting"
            + " for their commit (at most postgres.lock-timeout, {} ms)",
        deferred.size(),
        prepared.keySet(),
        lockTimeoutMillis);
    try {
      while (true) {
        check();
        writeFreedRows();
        if (deferred.isEmpty()) {
          return;
        }
        if (lockTimeoutMillis > 0 && System.nanoTime() - start >= lockTimeoutMillis * 1_000_000L) {
          throw new IOException(
              String.format(
                  "PostgreSQL sink %s subtask %d, end of input: %d rows are still locked by its"
                      + " own prepared transactions %s after postgres.lock-timeout (%d ms): their"
                      + " checkpoint was aborted and only a later checkpoint can commit them."
                      + " Failing so that the job restores from its last completed checkpoint"
                      + " (nothing is lost); retry the stop.",
                  prefix, subtask, deferred.size(), prepared.keySet(), lockTimeoutMillis));
        }
        if (!mailbox.tryYield()) {
          Thread.sleep(WAIT_POLL_MILLIS);
        }
      }
    } catch (SQLException e) {
      throw new IOException("checking prepared transactions failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Collection<String> prepareCommit() throws IOException {
    try {
      if (!prepared.isEmpty()) {
        check();
        writeFreedRows();
      }
    } catch (SQLException e) {
      throw new IOException("writing held-back rows failed: " + e.getMessage(), e);
    }
    if (!dirty) {
      return List.of();
    }
    // The last part: the prepare time, which tells a commit-record check within the retention
    // from one of a savepoint older than it (PostgresTwoPhaseCommitSink's committer), and this
    // writer's incarnation: a later run with the same instance id counts checkpoints from 1
    // again, and must not meet the commit records of this one's ids.
    String gid =
        prefix
            + ":"
            + subtask
            + ":"
            + lastCheckpoint
            + ":"
            + sequence++
            + ":"
            + System.currentTimeMillis() / 1000
            + "-"
            + incarnation;
    try {
      executeBatch();
      // The commit record: in the transaction, so it exists exactly when it was committed.
      commitRecord.setString(1, gid);
      commitRecord.executeUpdate();
      try (Statement s = connection.createStatement()) {
        s.execute("PREPARE TRANSACTION " + PostgresTwoPhaseCommitSink.quote(gid));
      }
    } catch (SQLException e) {
      throw new IOException("preparing transaction " + gid + " failed: " + e.getMessage(), e);
    }
    prepared.put(gid, current);
    current = new TransactionKeys();
    dirty = false;
    return List.of(gid);
  }

  @Override
  public List<PostgresWriterState<T>> snapshotState(long checkpointId) throws IOException {
    if (dirty) {
      // Flink prepares before every snapshot; rows written since would be in no transaction
      // and in no state of this checkpoint.
      throw new IOException(
          "rows were written after the last prepareCommit, before checkpoint " + checkpointId);
    }
    lastCheckpoint = checkpointId;
    sequence = 0;
    List<String> pending = new ArrayList<>(prepared.keySet());
    if (deferred.isEmpty()) {
      return List.of(
          new PostgresWriterState<>(subtask, parallelism, List.of(), serializer, pending));
    }
    LOG.info(
        "Checkpoint {}: {} rows ({} keys) held back, their table rows locked by own prepared"
            + " transactions {} not committed yet; kept in the writer state, written once those"
            + " are committed",
        checkpointId,
        deferred.size(),
        deferred.keys(),
        prepared.keySet());
    return List.of(
        new PostgresWriterState<>(subtask, parallelism, deferred.rows(), serializer, pending));
  }

  /** Rows held back now, for tests. */
  int heldRows() {
    return deferred.size();
  }

  @Override
  public void close() {
    try {
      if (!connection.isClosed()) {
        // An open (unprepared) transaction dies with its connection.
        connection.close();
      }
    } catch (SQLException e) {
      LOG.debug("closing the writer's connection", e);
    }
  }
}
