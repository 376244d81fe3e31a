package dev.analytics.pipeline.sinks.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of {@link PostgresTwoPhaseCommitSink}: writes into the current transaction and
 * prepares it at each checkpoint barrier; on start, rolls back its subtask's orphaned prepared
 * transactions.
 */
final class PostgresTwoPhaseCommitWriter<T>
    implements CommittingSinkWriter<T, String>, StatefulSinkWriter<T, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTwoPhaseCommitWriter.class);

  private final String prefix;
  private final JdbcQueryStatement<T> statement;
  private final int subtask;
  private final Connection connection;
  private final PreparedStatement insert;
  private final int batchSize;
  private int batched;
  private boolean dirty;
  private long lastCheckpoint;
  private int sequence;

  PostgresTwoPhaseCommitWriter(
      PostgresSettings settings,
      PostgresConnections connections,
      String prefix,
      JdbcQueryStatement<T> statement,
      WriterInitContext context)
      throws SQLException {
    this.prefix = prefix;
    this.statement = statement;
    this.subtask = context.getTaskInfo().getIndexOfThisSubtask();
    this.batchSize = settings.batchSize();
    OptionalLong restored = context.getRestoredCheckpointId();
    this.lastCheckpoint = restored.orElse(0);
    this.connection = connections.connect(settings);
    rollBackOrphans(restored, context.getTaskInfo().getNumberOfParallelSubtasks());
    connection.setAutoCommit(false);
    this.insert = connection.prepareStatement(statement.query());
  }

  /** Rolls back this subtask's prepared transactions that no completed checkpoint holds. */
  private void rollBackOrphans(OptionalLong restored, int parallelism) throws SQLException {
    List<String> orphans = new ArrayList<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
                + " AND starts_with(gid, ?) ORDER BY gid")) {
      ps.setString(1, prefix + ":");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String gid = rs.getString(1);
          String[] parts = gid.substring(prefix.length() + 1).split(":");
          if (parts.length != 3) {
            continue;
          }
          int owner = Integer.parseInt(parts[0]);
          long began = Long.parseLong(parts[1]);
          boolean mine =
              owner == subtask || (owner >= parallelism && owner % parallelism == subtask);
          if (mine && (restored.isEmpty() || began >= restored.getAsLong())) {
            orphans.add(gid);
          }
        }
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
    }
  }

  @Override
  public void write(T element, Context context) throws IOException {
    try {
      statement.statement(insert, element);
      insert.addBatch();
      dirty = true;
      if (++batched >= batchSize) {
        executeBatch();
      }
    } catch (SQLException e) {
      throw new IOException("writing to PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  private void executeBatch() throws SQLException {
    if (batched > 0) {
      insert.executeBatch();
      batched = 0;
    }
  }

  @Override
  public void flush(boolean endOfInput) {
    // Rows go with the transaction at the barrier (prepareCommit), or earlier in full batches.
  }

  @Override
  public Collection<String> prepareCommit() throws IOException {
    if (!dirty) {
      return Collections.emptyList();
    }
    String gid = prefix + ":" + subtask + ":" + lastCheckpoint + ":" + sequence++;
    try {
      executeBatch();
      try (Statement s = connection.createStatement()) {
        s.execute("PREPARE TRANSACTION " + PostgresTwoPhaseCommitSink.quote(gid));
      }
    } catch (SQLException e) {
      throw new IOException("preparing transaction " + gid + " failed: " + e.getMessage(), e);
    }
    dirty = false;
    return List.of(gid);
  }

  @Override
  public List<Long> snapshotState(long checkpointId) {
    lastCheckpoint = checkpointId;
    sequence = 0;
    return List.of();
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
