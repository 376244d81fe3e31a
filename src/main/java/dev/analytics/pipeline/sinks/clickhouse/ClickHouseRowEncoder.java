package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Encodes the records of one table as {@code RowBinary} rows: one small implementation per table.
 * {@link ClickHouseSink} is generic over it.
 *
 * <p>An encoder must be deterministic (the same record gives the same bytes: a replay inserts the
 * same rows) and write exactly the {@link #columns()} in their order.
 *
 * @param <T> the record type
 */
public interface ClickHouseRowEncoder<T> extends Serializable {

  /**
   * Default table name, and the DDL files {@code sql/clickhouse/<name>.sql} and {@code
   * sql/clickhouse/current/<name>.sql} that create it ({@link TableVariant}).
   */
  String defaultTable();

  /** The table layout this encoder writes. */
  TableVariant variant();

  /** This encoder for tables of {@code variant} (this one if it already writes that variant). */
  ClickHouseRowEncoder<T> withVariant(TableVariant variant);

  /** The columns written, in order, with their ClickHouse types. */
  List<ClickHouseColumn> columns();

  /** Appends one row. */
  void encode(T record, RowBinaryWriter out);

  /**
   * The table partition of the record's row: every table is partitioned by the UTC day of its time
   * ({@code PARTITION BY toYYYYMMDD(...)}), so the day number since the epoch. An insert is cut
   * before it would touch more partitions than the server accepts in one insert.
   */
  long partitionOf(T record);

  /** The UTC day of an epoch-millisecond time. */
  static long utcDay(long epochMillis) {
    return Math.floorDiv(epochMillis, 86_400_000L);
  }

  /** The INSERT column list: {@code (`a`, `b`, `dimensions.key`)}. */
  default String columnList() {
    return columns().stream()
        .map(c -> "`" + c.name() + "`")
        .collect(Collectors.joining(", ", "(", ")"));
  }
}
