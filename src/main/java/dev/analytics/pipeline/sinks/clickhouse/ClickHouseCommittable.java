package dev.analytics.pipeline.sinks.clickhouse;

import java.util.Arrays;
import java.util.Objects;

/**
 * One insert of the exactly-once strategy: the encoded rows themselves (RowBinary), the table and
 * column list they go to, and a deterministic deduplication token. It is kept in the checkpoint, so
 * a commit retried after a failure inserts exactly the same bytes into the same columns.
 *
 * <p>Token: {@code <job id>/<table>/<incarnation>/<checkpoint>/<subtask>/<part>}, where incarnation
 * is random per writer start and checkpoint counts the checkpoints this writer prepared since the
 * restored checkpoint id (Flink's checkpoint id unless some were aborted before reaching the
 * writer). It never names two different contents: within a job a restore starts from the latest
 * completed checkpoint, beyond every committed one, and a job redeployed with a fixed job id from
 * an older savepoint, whose checkpoint ids repeat, starts a new incarnation.
 */
public final class ClickHouseCommittable {
  private final String table;
  private final String columnList;
  private final String token;
  private final int rowCount;
  private final byte[] rows;

  public ClickHouseCommittable(
      String table, String columnList, String token, int rowCount, byte[] rows) {
    this.table = table;
    this.columnList = columnList;
    this.token = token;
    this.rowCount = rowCount;
    this.rows = rows;
  }

  public String table() {
    return table;
  }

  public String columnList() {
    return columnList;
  }

  public String token() {
    return token;
  }

  public int rowCount() {
    return rowCount;
  }

  /** The RowBinary rows; not copied. */
  public byte[] rows() {
    return rows;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClickHouseCommittable c
        && rowCount == c.rowCount
        && table.equals(c.table)
        && columnList.equals(c.columnList)
        && token.equals(c.token)
        && Arrays.equals(rows, c.rows);
  }

  @Override
  public int hashCode() {
    return Objects.hash(table, token, rowCount);
  }

  @Override
  public String toString() {
    return "ClickHouseCommittable{" + token + ", " + rowCount + " rows, " + rows.length + " bytes}";
  }
}
