package dev.analytics.pipeline.sinks.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dimensions of a row in the forms the tables hold: a canonical string ({@code dims}, part of
 * the row identity) and either sorted key and value arrays ({@code dimensions.key}, {@code
 * dimensions.value}: the Nested column of {@link TableVariant#LEGACY}) or a {@code Map(String,
 * String)} ({@code dimensions}, {@link TableVariant#CURRENT}).
 */
final class Dimensions {
  private Dimensions() {}

  /**
   * {@code k1=v1,k2=v2}, sorted by key; {@code \}, {@code ,} and {@code =} in keys and values are
   * escaped with {@code \}, so distinct maps give distinct strings.
   */
  static String canonical(Map<String, String> dimensions) {
    if (dimensions == null || dimensions.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(dimensions).entrySet()) {
      if (out.length() > 0) {
        out.append(',');
      }
      escape(e.getKey(), out);
      out.append('=');
      escape(e.getValue(), out);
    }
    return out.toString();
  }

  /** Appends {@code dims}, {@code dimensions.key} and {@code dimensions.value}. */
  static void write(Map<String, String> dimensions, RowBinaryWriter out) {
    write(dimensions, TableVariant.LEGACY, out);
  }

  /**
   * Appends {@code dims} and then {@code dimensions.key} and {@code dimensions.value} ({@link
   * TableVariant#LEGACY}) or the map {@code dimensions} ({@link TableVariant#CURRENT}), sorted by
   * key.
   */
  static void write(Map<String, String> dimensions, TableVariant variant, RowBinaryWriter out) {
    TreeMap<String, String> sorted =
        dimensions == null ? new TreeMap<>() : new TreeMap<>(dimensions);
    out.string(canonical(sorted));
    if (variant == TableVariant.CURRENT) {
      out.stringMap(sorted);
      return;
    }
    out.stringArray(new ArrayList<>(sorted.keySet()));
    List<String> values = new ArrayList<>(sorted.size());
    for (String v : sorted.values()) {
      values.add(v == null ? "" : v);
    }
    out.stringArray(values);
  }

  /** The columns {@link #write} writes. */
  static List<ClickHouseColumn> columns() {
    return columns(TableVariant.LEGACY);
  }

  /** The columns {@link #write} writes for {@code variant}. */
  static List<ClickHouseColumn> columns(TableVariant variant) {
    if (variant == TableVariant.CURRENT) {
      return List.of(
          new ClickHouseColumn("dims", "String"),
          new ClickHouseColumn("dimensions", "Map(String, String)"));
    }
    return List.of(
        new ClickHouseColumn("dims", "String"),
        new ClickHouseColumn("dimensions.key", "Array(String)"),
        new ClickHouseColumn("dimensions.value", "Array(String)"));
  }

  private static void escape(String s, StringBuilder out) {
    if (s == null) {
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' || c == ',' || c == '=') {
        out.append('\\');
      }
      out.append(c);
    }
  }
}
