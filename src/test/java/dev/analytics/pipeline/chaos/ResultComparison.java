package dev.analytics.pipeline.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.chaos.ExpectedResults.Stats;
import dev.analytics.pipeline.chaos.ExpectedResults.WindowKey;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.InvalidKind;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Compares every sink with {@link ExpectedResults}: the window aggregates in ClickHouse (FINAL) and
 * PostgreSQL at 1 m, 1 h and 1 d (counts exact; sum within 1e-9 relative; min and max exact;
 * percentiles within 1% of the exact order statistic, the sketch's documented bound), the
 * high-priority raw events in ClickHouse (exactly the expected event ids), the dead letters
 * (read_committed: exactly the invalid records' positions, each once, with a reason their kind
 * allows), the daily counters in PostgreSQL, and the alerts of ClickHouse, PostgreSQL and the Kafka
 * alerts topic (identical, none twice). Collects mismatches instead of stopping at the first.
 */
final class ResultComparison {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double[] QUANTILES = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
  private static final double PERCENTILE_ERROR = 0.01;

  /** What the sinks hold for one window. */
  record Row(
      double estimatedCount,
      long keptCount,
      long valueCount,
      double sum,
      Double min,
      Double max,
      Double[] percentiles) {}

  private final ExpectedResults expected;
  private final ClickHouseServer clickhouse;
  private final String database;
  private final PostgresServer postgres;
  private final String bootstrap;
  private final List<String> mismatches = new ArrayList<>();
  private final Map<String, String> compared = new LinkedHashMap<>();
  private int alerts;

  ResultComparison(
      ExpectedResults expected,
      ClickHouseServer clickhouse,
      String database,
      PostgresServer postgres,
      String bootstrap) {
    this.expected = expected;
    this.clickhouse = clickhouse;
    this.database = database;
    this.postgres = postgres;
    this.bootstrap = bootstrap;
  }

  ResultComparison compareAll() throws Exception {
    compareWindows("ClickHouse window_aggregates", clickhouseWindows());
    compareWindows("PostgreSQL analytics_window_aggregate", postgresWindows());
    compareHighPriorityEvents();
    for (Map.Entry<String, Map<String, InvalidKind>> t :
        expected.invalidByDeadLetterTopic.entrySet()) {
      compareDeadLetters(t.getKey(), t.getValue());
    }
    compareDailyCounters();
    compareAlerts();
    return this;
  }

  List<String> mismatches() {
    return mismatches;
  }

  /** The alerts in ClickHouse (compared with those of PostgreSQL and Kafka). */
  int alerts() {
    return alerts;
  }

  String report() {
    StringBuilder out = new StringBuilder("results compared:\n");
    compared.forEach((k, v) -> out.append(String.format("  %-40s %s%n", k, v)));
    return out.toString();
  }

  private void mismatch(String text) {
    mismatches.add(text);
  }

  // ---- window aggregates ----

  private void compareWindows(String sink, Map<WindowKey, List<Row>> actual) {
    int before = mismatches.size();
    for (Map.Entry<WindowKey, Stats> e : expected.windows.entrySet()) {
      List<Row> rows = actual.remove(e.getKey());
      if (rows == null) {
        mismatch(sink + ": missing " + e.getKey());
        continue;
      }
      if (rows.size() != 1) {
        mismatch(sink + ": " + rows.size() + " rows for " + e.getKey());
      }
      compareStats(sink, e.getKey(), e.getValue(), rows.get(0));
    }
    actual.keySet().forEach(k -> mismatch(sink + ": unexpected window " + k));
    compared.put(
        sink,
        expected.windows.size()
            + " key x window rows at 1m/1h/1d "
            + expected.windowCounts()
            + ", "
            + (mismatches.size() - before)
            + " mismatches");
  }

  private void compareStats(String sink, WindowKey key, Stats s, Row r) {
    String at = sink + " " + key + ": ";
    if (r.estimatedCount() != s.count || r.keptCount() != s.count) {
      mismatch(at + "count " + r.estimatedCount() + "/" + r.keptCount() + ", expected " + s.count);
    }
    if (r.valueCount() != s.valueCount) {
      mismatch(at + "value_count " + r.valueCount() + ", expected " + s.valueCount);
    }
    if (Math.abs(r.sum() - s.sum) > 1e-9 * Math.max(1, Math.abs(s.sum))) {
      mismatch(at + "sum " + r.sum() + ", expected " + s.sum);
    }
    if (s.valueCount == 0) {
      return;
    }
    if (r.min() == null || r.min() != s.min || r.max() == null || r.max() != s.max) {
      mismatch(at + "min/max " + r.min() + "/" + r.max() + ", expected " + s.min + "/" + s.max);
    }
    for (int i = 0; i < QUANTILES.length; i++) {
      double exact = s.quantile(QUANTILES[i]);
      Double got = r.percentiles()[i];
      if (got == null || Math.abs(got - exact) > PERCENTILE_ERROR * Math.abs(exact) + 1e-9) {
        mismatch(at + "p" + QUANTILES[i] + " " + got + ", exact " + exact);
      }
    }
  }

  private Map<WindowKey, List<Row>> clickhouseWindows() throws Exception {
    Map<WindowKey, List<Row>> out = new HashMap<>();
    for (String line :
        clickhouse.rows(
            "SELECT granularity, event_type, dims, toUInt64(window_start) * 1000 +"
                + " window_start_millis, estimated_count, kept_count, value_count, value_sum,"
                + " value_min, value_max, p50, p75, p90, p95, p99, p999 FROM "
                + database
                + ".window_aggregates FINAL")) {
      String[] f = line.split("\t", -1);
      WindowKey key = new WindowKey(f[0], f[1], dims(f[2]), Long.parseLong(f[3]));
      Double[] p = new Double[6];
      for (int i = 0; i < 6; i++) {
        p[i] = nullable(f[10 + i]);
      }
      out.computeIfAbsent(key, k -> new ArrayList<>())
          .add(
              new Row(
                  Double.parseDouble(f[4]),
                  Long.parseLong(f[5]),
                  Long.parseLong(f[6]),
                  Double.parseDouble(f[7]),
                  nullable(f[8]),
                  nullable(f[9]),
                  p));
    }
    return out;
  }

  private Map<WindowKey, List<Row>> postgresWindows() throws Exception {
    Map<WindowKey, List<Row>> out = new HashMap<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT granularity, event_type, dimensions::text,"
                    + " (extract(epoch FROM window_start) * 1000)::bigint, estimated_count,"
                    + " kept_count, value_count, sum, min, max, p50, p75, p90, p95, p99, p999"
                    + " FROM analytics_window_aggregate")) {
      while (rs.next()) {
        WindowKey key =
            new WindowKey(
                rs.getString(1), rs.getString(2), jsonDims(rs.getString(3)), rs.getLong(4));
        Double[] p = new Double[6];
        for (int i = 0; i < 6; i++) {
          p[i] = (Double) rs.getObject(11 + i);
        }
        out.computeIfAbsent(key, k -> new ArrayList<>())
            .add(
                new Row(
                    rs.getDouble(5),
                    rs.getLong(6),
                    rs.getLong(7),
                    rs.getDouble(8),
                    (Double) rs.getObject(9),
                    (Double) rs.getObject(10),
                    p));
      }
    }
    return out;
  }

  // ---- high-priority events, dead letters, daily counters ----

  private void compareHighPriorityEvents() throws Exception {
    String table = database + ".high_priority_events";
    List<String> ids = clickhouse.rows("SELECT event_id FROM " + table + " FINAL");
    Set<String> unique = new HashSet<>(ids);
    int before = mismatches.size();
    if (unique.size() != ids.size()) {
      mismatch("ClickHouse high_priority_events: " + (ids.size() - unique.size()) + " doubled");
    }
    Set<String> missing = new HashSet<>(expected.highPriorityIds);
    missing.removeAll(unique);
    Set<String> extra = new HashSet<>(unique);
    extra.removeAll(expected.highPriorityIds);
    if (!missing.isEmpty()) {
      mismatch(
          "ClickHouse high_priority_events: "
              + missing.size()
              + " missing, e.g. "
              + first(missing));
    }
    if (!extra.isEmpty()) {
      mismatch(
          "ClickHouse high_priority_events: " + extra.size() + " unexpected, e.g. " + first(extra));
    }
    long raw = Long.parseLong(clickhouse.query("SELECT count() FROM " + table).strip());
    compared.put(
        "ClickHouse high_priority_events",
        expected.highPriorityIds.size()
            + " events (rows before FINAL "
            + raw
            + "), "
            + (mismatches.size() - before)
            + " mismatches");
  }

  private void compareDeadLetters(String topic, Map<String, InvalidKind> invalidRecords)
      throws Exception {
    List<ConsumerRecord<byte[], byte[]>> letters = CommittedRecords.readAll(bootstrap, topic);
    int before = mismatches.size();
    Set<String> seen = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : letters) {
      JsonNode d = JSON.readTree(r.value());
      String position = d.get("source_partition").asInt() + "/" + d.get("source_offset").asLong();
      if (!seen.add(position)) {
        mismatch(topic + ": dead letter twice: " + position);
        continue;
      }
      InvalidKind kind = invalidRecords.get(position);
      if (kind == null) {
        mismatch(topic + ": dead letter of a valid record: " + d);
        continue;
      }
      String reason = d.get("reason").asText();
      if (kind.acceptableReasons().stream().map(DeadLetterReason::code).noneMatch(reason::equals)) {
        mismatch(
            topic + ": dead letter " + position + " of kind " + kind + " with reason " + reason);
      }
    }
    Set<String> missing = new HashSet<>(invalidRecords.keySet());
    missing.removeAll(seen);
    if (!missing.isEmpty()) {
      mismatch(
          topic
              + ": "
              + missing.size()
              + " invalid records without a dead letter, e.g. "
              + first(missing));
    }
    compared.put(
        "Kafka " + topic + " (read_committed)",
        invalidRecords.size()
            + " invalid records, "
            + letters.size()
            + " dead letters, "
            + (mismatches.size() - before)
            + " mismatches");
  }

  private void compareDailyCounters() throws Exception {
    Map<String, Long> actual = new TreeMap<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT metric, template_id, jurisdiction, delivery_method, utm_source,"
                    + " error_type, day::text, count FROM analytics_aggregate")) {
      while (rs.next()) {
        StringBuilder key = new StringBuilder(rs.getString(1));
        for (int i = 2; i <= 7; i++) {
          key.append('|').append(rs.getString(i));
        }
        actual.put(key.toString(), rs.getLong(8));
      }
    }
    int before = mismatches.size();
    Set<String> keys = new HashSet<>(actual.keySet());
    keys.addAll(expected.dailyCounters.keySet());
    for (String k : new TreeMap<>(Map.copyOf(toMap(keys))).keySet()) {
      Long want = expected.dailyCounters.get(k);
      Long got = actual.get(k);
      if (!java.util.Objects.equals(want, got)) {
        mismatch("PostgreSQL daily counter " + k + ": " + got + ", expected " + want);
      }
    }
    compared.put(
        "PostgreSQL daily counters",
        expected.dailyCounters.size()
            + " counters, "
            + (mismatches.size() - before)
            + " mismatches");
  }

  private static Map<String, Boolean> toMap(Set<String> keys) {
    Map<String, Boolean> m = new HashMap<>();
    keys.forEach(k -> m.put(k, true));
    return m;
  }

  // ---- alerts ----

  private void compareAlerts() throws Exception {
    Map<String, String> ch = new TreeMap<>();
    for (String line :
        clickhouse.rows(
            "SELECT event_type, dims, granularity, toUInt64(window_start) * 1000 +"
                + " window_start_millis, pattern, metric, version, value FROM "
                + database
                + ".alerts FINAL")) {
      String[] f = line.split("\t", -1);
      String id = alertId(f[0], dims(f[1]), f[2], Long.parseLong(f[3]), f[4], f[5]);
      if (ch.put(id, f[6] + " " + Double.parseDouble(f[7])) != null) {
        mismatch("ClickHouse alert twice: " + id);
      }
    }
    Map<String, String> pg = new TreeMap<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT event_type, dimensions::text, granularity,"
                    + " (extract(epoch FROM window_start) * 1000)::bigint, pattern, metric,"
                    + " version, value FROM analytics_alert")) {
      while (rs.next()) {
        String id =
            alertId(
                rs.getString(1),
                jsonDims(rs.getString(2)),
                rs.getString(3),
                rs.getLong(4),
                rs.getString(5),
                rs.getString(6));
        pg.put(id, rs.getInt(7) + " " + rs.getDouble(8));
      }
    }
    Map<String, String> kafka = new TreeMap<>();
    Map<String, Integer> versions = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(bootstrap, ChaosRun.ALERTS)) {
      JsonNode a = JSON.readTree(r.value());
      String id =
          alertId(
              a.get("event_type").asText(),
              new TreeMap<>(JSON.convertValue(a.get("dimensions"), Map.class)).toString(),
              a.get("granularity").asText(),
              Instant.parse(a.get("window_start").asText()).toEpochMilli(),
              a.get("pattern").asText(),
              a.get("metric").asText());
      int version = a.get("version").asInt();
      if (!seen.add(id + " v" + version)) {
        mismatch("Kafka alert twice: " + id + " v" + version);
      }
      if (versions.getOrDefault(id, -1) < version) {
        versions.put(id, version);
        kafka.put(id, version + " " + a.get("value").asDouble());
      }
    }
    alerts = ch.size();
    int before = mismatches.size();
    diff("alerts ClickHouse vs PostgreSQL", ch, pg);
    diff("alerts ClickHouse vs Kafka", ch, kafka);
    compared.put(
        "alerts (ClickHouse = PostgreSQL = Kafka)",
        ch.size()
            + " / "
            + pg.size()
            + " / "
            + kafka.size()
            + " alerts, "
            + (mismatches.size() - before)
            + " mismatches");
  }

  private void diff(String what, Map<String, String> a, Map<String, String> b) {
    Set<String> keys = new java.util.TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    for (String k : keys) {
      if (!java.util.Objects.equals(a.get(k), b.get(k))) {
        mismatch(what + ": " + k + " " + a.get(k) + " vs " + b.get(k));
      }
    }
  }

  private static String alertId(
      String type, String dims, String granularity, long start, String pattern, String metric) {
    return type
        + dims
        + " "
        + granularity
        + " "
        + Instant.ofEpochMilli(start)
        + " "
        + pattern
        + "/"
        + metric;
  }

  // ---- parsing ----

  /** ClickHouse's canonical {@code k1=v1,k2=v2} (no escapes in this stream's values). */
  private static String dims(String canonical) {
    TreeMap<String, String> m = new TreeMap<>();
    if (!canonical.isEmpty()) {
      for (String kv : canonical.split(",")) {
        int eq = kv.indexOf('=');
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m.toString();
  }

  @SuppressWarnings("unchecked")
  private static String jsonDims(String json) throws Exception {
    return new TreeMap<String, String>(JSON.readValue(json, Map.class)).toString();
  }

  private static Double nullable(String field) {
    return field.equals("\\N") ? null : Double.parseDouble(field);
  }

  private static String first(Set<String> set) {
    return set.stream().sorted().limit(3).toList().toString();
  }
}
