package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The SQL statements of the PostgreSQL sinks and their parameter binding, in one place.
 *
 * <ul>
 *   <li>{@link AggregateUpsert} and {@link AlertUpsert}: versioned idempotent upserts. An alert
 *       replaces the stored row of the same identity only when its version is higher ({@code WHERE
 *       stored.version < excluded.version}); a window aggregate when it holds more kept events, or
 *       as many with a higher version (a window's total only grows, while an at-least-once replay
 *       after a restore may number its firings differently). Writing the same rows again (a replay)
 *       changes nothing, so they are correct in both modes.
 *   <li>{@link DailyCounterAdd}: adds to a counter ({@code count = count + excluded.count}); not
 *       idempotent, so only used inside exactly-once transactions.
 * </ul>
 *
 * <p>Each is an {@link UpsertStatement}: it hashes the key of a row from the values it binds, so
 * that the exactly-once writer knows which table row a row will lock.
 *
 * <p>Values: times are {@code timestamptz} (UTC instants), dimensions are {@code jsonb} built from
 * the sorted map (jsonb compares by content, so the identity does not depend on key order), NaN
 * statistics are SQL NULL, and a NUL character (which PostgreSQL text cannot hold) becomes U+FFFD.
 */
public final class PostgresStatements {
  private PostgresStatements() {}

  /** Columns of the window aggregates, in statement order; the first four are the identity. */
  static final List<String> AGGREGATE_COLUMNS =
      List.of(
          "event_type",
          "dimensions",
          "granularity",
          "window_start",
          "window_end",
          "version",
          "estimated_count",
          "kept_count",
          "sample_rate",
          "value_count",
          "sum",
          "min",
          "max",
          "mean",
          "variance_pop",
          "variance_sample",
          "stddev_pop",
          "stddev_sample",
          "p50",
          "p75",
          "p90",
          "p95",
          "p99",
          "p999",
          "anomaly_score",
          "sketch_index",
          "sketch_count");

  static final List<String> AGGREGATE_KEY = AGGREGATE_COLUMNS.subList(0, 4);

  /** Columns of the alerts, in statement order. */
  static final List<String> ALERT_COLUMNS =
      List.of(
          "event_type",
          "dimensions",
          "granularity",
          "window_start",
          "pattern",
          "metric",
          "window_end",
          "value",
          "baseline",
          "confidence",
          "version",
          "message");

  static final List<String> ALERT_KEY = ALERT_COLUMNS.subList(0, 6);

  /** Columns of the daily counters with the given dimension columns. */
  static List<String> dailyCounterColumns(List<String> dimensions) {
    List<String> columns = new java.util.ArrayList<>();
    columns.add("metric");
    columns.addAll(dimensions);
    columns.add("day");
    columns.add("count");
    return columns;
  }

  static List<String> dailyCounterKey(List<String> dimensions) {
    List<String> columns = dailyCounterColumns(dimensions);
    return columns.subList(0, columns.size() - 1);
  }

  /** Versioned upsert of a window aggregate. */
  public static final class AggregateUpsert implements UpsertStatement<WindowAggregate> {
    private static final long serialVersionUID = 1L;
    private final String sql;

    public AggregateUpsert(String table) {
      // More kept events wins, then the higher version. Across a restore an at-least-once replay
      // can number firings differently (a late event may join an earlier version), so a stale
      // row can hold an equal or higher version than the complete one; a window's running total
      // only ever grows, so the row with more kept events is the more complete one.
      this.sql =
          versionedUpsert(
              table,
              AGGREGATE_COLUMNS,
              AGGREGATE_KEY,
              "(%1$s.kept_count, %1$s.version)" + " < (EXCLUDED.kept_count, EXCLUDED.version)");
    }

    @Override
    public String query() {
      return sql;
    }

    @Override
    public void statement(PreparedStatement ps, WindowAggregate a) throws SQLException {
      int i = 1;
      ps.setString(i++, text(a.eventType));
      ps.setString(i++, canonicalJson(a.dimensions));
      ps.setString(i++, text(a.granularity));
      ps.setObject(i++, timestamp(a.windowStart));
      ps.setObject(i++, timestamp(a.windowEnd));
      ps.setInt(i++, a.version);
      ps.setDouble(i++, a.estimatedCount);
      ps.setLong(i++, a.keptCount);
      ps.setDouble(i++, a.sampleRate);
      ps.setLong(i++, a.valueCount);
      ps.setDouble(i++, a.sum);
      for (double v :
          new double[] {
            a.min,
            a.max,
            a.mean,
            a.variancePop,
            a.varianceSample,
            a.stddevPop,
            a.stddevSample,
            a.p50,
            a.p75,
            a.p90,
            a.p95,
            a.p99,
            a.p999,
            a.anomalyScore
          }) {
        doubleOrNull(ps, i++, v);
      }
      ps.setString(i++, intArray(a.sketchIndex));
      ps.setString(i, doubleArray(a.sketchCount));
    }

    /** The key: event_type, dimensions, granularity, window_start. */
    @Override
    public long keyHash(WindowAggregate a) {
      return windowKey(a.eventType, a.dimensions, a.granularity, a.windowStart).get();
    }
  }

  /** Versioned upsert of an alert. */
  public static final class AlertUpsert implements UpsertStatement<Alert> {
    private static final long serialVersionUID = 1L;
    private final String sql;

    public AlertUpsert(String table) {
      this.sql =
          versionedUpsert(table, ALERT_COLUMNS, ALERT_KEY, "%1$s.version < EXCLUDED.version");
    }

    @Override
    public String query() {
      return sql;
    }

    @Override
    public void statement(PreparedStatement ps, Alert a) throws SQLException {
      int i = 1;
      ps.setString(i++, text(a.eventType));
      ps.setString(i++, canonicalJson(a.dimensions));
      ps.setString(i++, text(a.granularity));
      ps.setObject(i++, timestamp(a.windowStart));
      ps.setString(i++, text(a.pattern));
      ps.setString(i++, text(a.metric));
      ps.setObject(i++, timestamp(a.windowEnd));
      doubleOrNull(ps, i++, a.value);
      doubleOrNull(ps, i++, a.baseline);
      doubleOrNull(ps, i++, a.confidence);
      ps.setInt(i++, a.version);
      ps.setString(i, a.message == null ? null : text(a.message));
    }

    /** The key: event_type, dimensions, granularity, window_start, pattern, metric. */
    @Override
    public long keyHash(Alert a) {
      return windowKey(a.eventType, a.dimensions, a.granularity, a.windowStart)
          .add(text(a.pattern))
          .add(text(a.metric))
          .get();
    }
  }

  /** Adds an increment to its daily counter (inserting the counter at the increment). */
  public static final class DailyCounterAdd implements UpsertStatement<DailyCounterIncrement> {
    private static final long serialVersionUID = 1L;
    private final String sql;

    public DailyCounterAdd(String table, List<String> dimensions) {
      List<String> columns = dailyCounterColumns(dimensions);
      this.sql =
          "INSERT INTO "
              + table
              + " ("
              + String.join(", ", columns)
              + ") VALUES ("
              + columns.stream().map(c -> "?").collect(Collectors.joining(", "))
              + ") ON CONFLICT ("
              + String.join(", ", dailyCounterKey(dimensions))
              + ") DO UPDATE SET count = "
              + table
              + ".count + EXCLUDED.count";
    }

    @Override
    public String query() {
      return sql;
    }

    @Override
    public void statement(PreparedStatement ps, DailyCounterIncrement d) throws SQLException {
      int i = 1;
      ps.setString(i++, text(d.metric));
      for (String value : d.dimensionValues) {
        ps.setString(i++, text(value));
      }
      ps.setObject(i++, LocalDate.ofEpochDay(d.epochDay));
      ps.setLong(i, d.count);
    }

    /** The key: metric, the dimension columns, day. */
    @Override
    public long keyHash(DailyCounterIncrement d) {
      KeyHash hash = new KeyHash().add(text(d.metric));
      for (String value : d.dimensionValues) {
        hash.add(text(value));
      }
      return hash.add(d.epochDay).get();
    }

    /** Two increments of the same bucket add up to one; others are not merged. */
    @Override
    public DailyCounterIncrement combine(
        DailyCounterIncrement earlier, DailyCounterIncrement later) {
      if (!Objects.equals(earlier.metric, later.metric)
          || !Arrays.equals(earlier.dimensionValues, later.dimensionValues)
          || earlier.epochDay != later.epochDay) {
        return null;
      }
      return new DailyCounterIncrement(
          earlier.metric,
          earlier.dimensionValues.clone(),
          earlier.epochDay,
          earlier.count + later.count);
    }
  }

  /**
   * {@code INSERT ... ON CONFLICT (key) DO UPDATE SET <other columns> WHERE <guard>}, the guard a
   * format with {@code %1$s} for the table (e.g. {@code %1$s.version < EXCLUDED.version}); the
   * dimensions parameter is cast to jsonb, the sketch's bins from array literals.
   */
  static String versionedUpsert(
      String table, List<String> columns, List<String> key, String guard) {
    String values =
        columns.stream()
            .map(
                c ->
                    switch (c) {
                      case "dimensions" -> "CAST(? AS jsonb)";
                      case "sketch_index" -> "CAST(? AS integer[])";
                      case "sketch_count" -> "CAST(? AS double precision[])";
                      default -> "?";
                    })
            .collect(Collectors.joining(", "));
    String updates =
        columns.stream()
            .filter(c -> !key.contains(c))
            .map(c -> c + " = EXCLUDED." + c)
            .collect(Collectors.joining(", "));
    return "INSERT INTO "
        + table
        + " ("
        + String.join(", ", columns)
        + ") VALUES ("
        + values
        + ") ON CONFLICT ("
        + String.join(", ", key)
        + ") DO UPDATE SET "
        + updates
        + " WHERE "
        + String.format(guard, table);
  }

  /**
   * The dimensions as canonical JSON text: an object with the keys sorted, {@code {}} when there
   * are none. Also the text form of the {@code jsonb} identity column.
   */
  public static String canonicalJson(Map<String, String> dimensions) {
    StringBuilder json = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, String> e :
        new TreeMap<>(dimensions == null ? Map.<String, String>of() : dimensions).entrySet()) {
      if (!first) {
        json.append(',');
      }
      first = false;
      quote(json, text(e.getKey()));
      json.append(':');
      quote(json, text(e.getValue() == null ? "" : e.getValue()));
    }
    return json.append('}').toString();
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** The hash of a window's key (event_type, dimensions, granularity, window_start), to extend. */
  private static KeyHash windowKey(
      String eventType, Map<String, String> dimensions, String granularity, long windowStart) {
    return new KeyHash()
        .add(text(eventType))
        .add(dimensions)
        .add(text(granularity))
        .add(windowStart);
  }

  /**
   * {@code s} as PostgreSQL stores it: text cannot hold U+0000 (written as U+FFFD), and the driver
   * encodes an unpaired surrogate as {@code ?}. Every key column, key hash and routing identity is
   * built from this form, so two strings stored alike are one key everywhere. The parser refuses
   * both in events; this keeps the sink safe from any other source.
   */
  public static String text(String s) {
    if (s == null) {
      return null;
    }
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == 0 || Character.isSurrogate(c)) {
        break;
      }
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length()).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        out.append('\uFFFD');
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
      } else {
        out.append(Character.isSurrogate(c) ? '?' : c);
      }
    }
    return out.toString();
  }

  private static OffsetDateTime timestamp(long epochMillis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
  }

  /** An {@code integer[]} literal ({@code {1,2}}); an empty array for null. */
  static String intArray(int[] values) {
    return values == null
        ? "{}"
        : Arrays.stream(values)
            .mapToObj(Integer::toString)
            .collect(Collectors.joining(",", "{", "}"));
  }

  /**
   * A {@code double precision[]} literal of finite values (Java's shortest decimal form, which
   * PostgreSQL reads back to the same double); an empty array for null.
   */
  static String doubleArray(double[] values) {
    return values == null
        ? "{}"
        : Arrays.stream(values)
            .mapToObj(Double::toString)
            .collect(Collectors.joining(",", "{", "}"));
  }

  private static void doubleOrNull(PreparedStatement ps, int index, double value)
      throws SQLException {
    if (Double.isNaN(value)) {
      ps.setNull(index, Types.DOUBLE);
    } else {
      ps.setDouble(index, value);
    }
  }
}
