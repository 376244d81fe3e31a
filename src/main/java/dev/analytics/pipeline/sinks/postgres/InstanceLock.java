package dev.analytics.pipeline.sinks.postgres;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One running job per transaction-id namespace: every exactly-once writer subtask holds a
 * session-level advisory lock on its namespace and subtask ({@code <prefix>:<subtask>}) on its own
 * connection, taken before it looks at any prepared transaction. A second job with the same
 * instance id (a backfill started beside production with the same {@code job.name}) would roll back
 * the first one's prepared transactions; its writers find the lock taken and fail at once, naming
 * {@code job.instance-id} and the session that holds it, before they touch anything.
 *
 * <p>PostgreSQL releases the lock with the session: when the task closes its writer (a failover, a
 * stop), when its process dies, and, for a TaskManager cut off by the network, once the server's
 * TCP keepalive (set on every sink connection, see {@link PostgresSettings#connectionProperties()})
 * gives up on it. Until then a restarted writer of the same job fails the same way and the job
 * retries by its restart strategy.
 */
final class InstanceLock {
  private InstanceLock() {}

  /** The advisory lock key of a namespace and subtask: 64 bits of its SHA-256. */
  static long key(String prefix, int subtask) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  ("analytics-pipeline-writer:" + prefix + ":" + subtask)
                      .getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(hash).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * Takes the lock of {@code prefix} and {@code subtask} on {@code connection} (auto-commit on).
   *
   * @throws IOException when another session holds it, naming that session
   */
  static void take(Connection connection, String prefix, int subtask)
      throws SQLException, IOException {
    long key = key(prefix, subtask);
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getBoolean(1)) {
          return;
        }
      }
    }
    throw new IOException(
        "Another job writes with the transaction ids of this one ("
            + prefix
            + ", subtask "
            + subtask
            + "): "
            + holder(connection, key)
            + ". Two running jobs with one job.instance-id (by default derived from job.name)"
            + " roll back each other's prepared transactions and lose rows; give this job its own"
            + " job.instance-id. If that job is gone, PostgreSQL releases its lock when its"
            + " connection ends (at most a few minutes for a lost TaskManager) and this job"
            + " proceeds on a later restart.");
  }

  /** Who holds the lock: the session's application name, client address and start. */
  private static String holder(Connection connection, long key) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT a.application_name, a.client_addr, a.backend_start, a.pid"
                + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND ((l.classid::bigint << 32) | l.objid::bigint) = ?")) {
      ps.setLong(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return "the session holding it ended meanwhile";
        }
        return "held by PostgreSQL session "
            + rs.getInt(4)
            + " ('"
            + rs.getString(1)
            + "' from "
            + rs.getString(2)
            + ", connected "
            + rs.getTimestamp(3)
            + ")";
      }
    }
  }
}
