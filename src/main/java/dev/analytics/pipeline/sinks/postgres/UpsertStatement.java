package dev.analytics.pipeline.sinks.postgres;

import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/**
 * A statement that writes one table row by its unique key ({@code INSERT ... ON CONFLICT (key) DO
 * UPDATE}), and tells which table row a row writes without asking the database.
 *
 * <p>Two writes wait on each other's row lock only when they write the same key: an upsert locks
 * the existing row of its key, or waits for an uncommitted insert of that key; rows of other keys
 * never wait (the tables have no other unique key, foreign key or trigger: the DDL in {@code
 * sql/postgres/}). {@link PostgresTwoPhaseCommitWriter} uses {@link #keyHash} to keep rows away
 * from the locks of its own prepared transactions, and {@link #combine} to keep fewer of them.
 *
 * @param <T> the rows
 */
public interface UpsertStatement<T> extends JdbcQueryStatement<T> {

  /**
   * A 64-bit hash of the row's key, computed from the values as {@link #statement} binds them:
   * <b>guaranteed equal</b> for two rows that write the same table row; for different keys equal
   * only by a hash collision (about 2<sup>-64</sup> per pair), which costs a needless wait, never
   * correctness.
   */
  long keyHash(T row);

  /**
   * One row whose single write has exactly the effect of writing {@code earlier}, then {@code
   * later}, on any stored row; or null when the statement cannot merge them (both are then written,
   * in that order). The arguments are not changed. Default: null.
   */
  default T combine(T earlier, T later) {
    return null;
  }
}
