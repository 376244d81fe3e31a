package dev.analytics.pipeline.sinks.clickhouse;

import java.util.List;

/**
 * The two layouts of the job's ClickHouse tables, and so of the rows its encoders write.
 *
 * <ul>
 *   <li>{@link #LEGACY}: {@code sql/clickhouse/<table>.sql}, ClickHouse 18.16's lowest common
 *       denominator: {@code String} columns, times as {@code DateTime('UTC')} seconds plus a {@code
 *       UInt16} of milliseconds, the dimensions as a Nested column ({@code dimensions.key}, {@code
 *       dimensions.value}), no codecs, no TTL. Works on every version.
 *   <li>{@link #CURRENT}: {@code sql/clickhouse/current/<table>.sql}, for ClickHouse 22.2 and
 *       later: {@code LowCardinality(String)} for the few-valued strings, times as {@code
 *       DateTime64(3, 'UTC')}, the dimensions as {@code Map(String, String)}, compression codecs,
 *       and the deduplication window in its SETTINGS.
 * </ul>
 *
 * The job creates tables of {@link #forServer the variant of the server}; the columns of an
 * existing table decide which variant the writer encodes ({@link ClickHouseTables#prepare}).
 */
public enum TableVariant {
  LEGACY("sql/clickhouse/"),
  CURRENT("sql/clickhouse/current/");

  private final String directory;

  TableVariant(String directory) {
    this.directory = directory;
  }

  /** The classpath resource of the DDL of {@code defaultTable}. */
  public String ddlFile(String defaultTable) {
    return directory + defaultTable + ".sql";
  }

  /**
   * The variant the job creates on a server of {@code version}: {@link #CURRENT} from 22.2 on, the
   * version from which the server takes deduplication tokens (so the current DDL always carries the
   * deduplication window) and in which every type of the current DDL is generally available ({@code
   * Map} since 21.8, {@code DateTime64} since 20.1, {@code LowCardinality} since 19.x); {@link
   * #LEGACY} before, and for an unrecognised version.
   */
  public static TableVariant forServer(String version) {
    return ClickHouseHttpClient.supportsDeduplicationToken(version) ? CURRENT : LEGACY;
  }

  /**
   * The type of a string column with few distinct values: {@code LowCardinality(...)} of {@code
   * type} in the current layout, {@code type} in the legacy one.
   */
  public String fewValued(String type) {
    return this == CURRENT ? "LowCardinality(" + type + ")" : type;
  }

  /**
   * The columns of the time {@code name}: {@code DateTime64(3, 'UTC')} in the current layout,
   * {@code DateTime('UTC')} seconds plus {@code <name>_millis UInt16} in the legacy one.
   */
  public List<ClickHouseColumn> timeColumns(String name) {
    return this == CURRENT
        ? List.of(new ClickHouseColumn(name, "DateTime64(3, 'UTC')"))
        : List.of(
            new ClickHouseColumn(name, "DateTime('UTC')"),
            new ClickHouseColumn(name + "_millis", "UInt16"));
  }

  /** Writes an epoch-millisecond time as {@link #timeColumns} holds it. */
  public void writeTime(long epochMillis, RowBinaryWriter out) {
    if (this == CURRENT) {
      out.dateTime64Millis(epochMillis);
    } else {
      out.dateTimeWithMillis(epochMillis);
    }
  }
}
