package dev.analytics.pipeline.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.analytics.pipeline.aggregation.accumulator.SketchBins;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the live results page shows, built from the job's output records as its Kafka topics carry
 * them (the JSON of {@code WindowAggregateSerializer}, {@code AlertSerializer} and {@code
 * DeadLetterSerializer}): per fine window, the events per second of each event type, the p50, p95
 * and p99 of each measured type (its keys' sketches merged, as SQL merges them), the highest
 * anomaly score of each type's keys, the dead letters by reason, the alerts and the top keys of the
 * latest window. A re-emitted window or alert replaces the earlier version. Keeps the last {@value
 * #MAX_WINDOWS} windows and {@value #MAX_ALERTS} alerts. Thread-safe.
 */
final class LiveResults {
  static final int MAX_WINDOWS = 240;
  static final int MAX_ALERTS = 200;
  static final int TOP_KEYS = 12;
  private static final JsonFactory JSON = new JsonFactory();
  private static final double[] QUANTILES = {0.50, 0.95, 0.99};
  private static final String[] QUANTILE_NAMES = {"p50", "p95", "p99"};

  private final String granularity;
  private final long windowMillis;

  /** Fine windows by start: the latest version of each key (type + dimensions). */
  private final NavigableMap<Long, Map<String, Row>> windows = new TreeMap<>();

  /** Dead letters by the start of the window their arrival falls in, then by reason. */
  private final NavigableMap<Long, Map<String, Long>> deadLetters = new TreeMap<>();

  private final Map<String, Long> deadLetterTotals = new TreeMap<>();
  private final Deque<AlertRow> alerts = new ArrayDeque<>();
  private long aggregateRecords;
  private long alertRecords;
  private long deadLetterRecords;
  private long unreadable;

  /**
   * @param granularity the label of the fine windows ({@code Granularity.label(window.size)}); the
   *     rollups are left out
   * @param windowMillis their size
   */
  LiveResults(String granularity, long windowMillis) {
    this.granularity = granularity;
    this.windowMillis = windowMillis;
  }

  /** One window aggregate of the fine granularity (the rest is ignored). */
  private record Row(
      String eventType,
      Map<String, String> dimensions,
      int version,
      double estimatedCount,
      long keptCount,
      long valueCount,
      double min,
      double max,
      double p95,
      double anomalyScore,
      int[] sketchIndex,
      double[] sketchCount) {}

  private record AlertRow(
      String eventType,
      Map<String, String> dimensions,
      long windowStart,
      String pattern,
      String metric,
      double value,
      double baseline,
      double confidence,
      int version,
      String message) {
    boolean sameAs(AlertRow o) {
      return eventType.equals(o.eventType)
          && dimensions.equals(o.dimensions)
          && windowStart == o.windowStart
          && pattern.equals(o.pattern)
          && metric.equals(o.metric);
    }
  }

  // ---- input ----

  /** A record of the aggregates topic. */
  synchronized void addAggregate(byte[] json) {
    aggregateRecords++;
    Map<String, Object> f = parse(json);
    if (f == null || !granularity.equals(f.get("granularity"))) {
      return;
    }
    if (!(f.get("event_type") instanceof String) || !(f.get("window_start") instanceof String)) {
      unreadable++;
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, String> dims = (Map<String, String>) f.getOrDefault("dimensions", Map.of());
    Row row =
        new Row(
            (String) f.get("event_type"),
            dims,
            (int) number(f, "version"),
            number(f, "estimated_count"),
            (long) number(f, "kept_count"),
            (long) number(f, "value_count"),
            number(f, "min"),
            number(f, "max"),
            number(f, "p95"),
            number(f, "anomaly_score"),
            ints(f.get("sketch_index")),
            doubles(f.get("sketch_count")));
    long start = (long) number(f, "window_start_ms");
    if (!windows.containsKey(start) && windows.size() >= MAX_WINDOWS) {
      if (start < windows.firstKey()) {
        return;
      }
      windows.pollFirstEntry();
    }
    windows
        .computeIfAbsent(start, s -> new HashMap<>())
        .merge(
            keyOf(row.eventType, dims), row, (old, neu) -> neu.version >= old.version ? neu : old);
  }

  /** A record of the alerts topic. */
  synchronized void addAlert(byte[] json) {
    alertRecords++;
    Map<String, Object> f = parse(json);
    if (f == null || !granularity.equals(f.get("granularity"))) {
      return;
    }
    if (!(f.get("event_type") instanceof String)
        || !(f.get("window_start") instanceof String)
        || !(f.get("pattern") instanceof String)
        || !(f.get("metric") instanceof String)) {
      unreadable++;
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, String> dims = (Map<String, String>) f.getOrDefault("dimensions", Map.of());
    AlertRow a =
        new AlertRow(
            (String) f.get("event_type"),
            dims,
            (long) number(f, "window_start_ms"),
            (String) f.get("pattern"),
            (String) f.get("metric"),
            number(f, "value"),
            number(f, "baseline"),
            number(f, "confidence"),
            (int) number(f, "version"),
            (String) f.get("message"));
    for (AlertRow old : alerts) {
      if (old.sameAs(a)) {
        if (old.version >= a.version) {
          return;
        }
        alerts.remove(old);
        break;
      }
    }
    alerts.addLast(a);
    while (alerts.size() > MAX_ALERTS) {
      alerts.removeFirst();
    }
  }

  /** A record of the dead-letter topic. */
  synchronized void addDeadLetter(byte[] json) {
    deadLetterRecords++;
    Map<String, Object> f = parse(json);
    if (f == null || !(f.get("reason") instanceof String reason)) {
      return;
    }
    deadLetterTotals.merge(reason, 1L, Long::sum);
    double received = number(f, "received_at");
    if (received > 0) {
      long at = (long) received;
      long start = at - Math.floorMod(at, windowMillis);
      deadLetters.computeIfAbsent(start, s -> new TreeMap<>()).merge(reason, 1L, Long::sum);
      while (deadLetters.size() > MAX_WINDOWS) {
        deadLetters.pollFirstEntry();
      }
    }
  }

  // ---- output ----

  /**
   * The page's data as JSON: times in epoch seconds of event time (window starts), each series an
   * array aligned with {@code times} (null where the window has no value).
   *
   * <pre>{"granularity":"1m","window_seconds":60,"times":[...],
   *  "rates":{"api.error":[...],...},                      events per second of event time
   *  "percentiles":{"performance.response_time":{"p50":[...],"p95":[...],"p99":[...]},...},
   *  "anomaly":{"api.error":[...],...},                    highest score of the type's keys
   *  "dead_letters":{"times":[...],"by_reason":{"wrong_type":[...]},"totals":{"wrong_type":3}},
   *  "alerts":[{"event_type":..,"dimensions":{..},"window_start":..,"pattern":..,"metric":..,
   *             "value":..,"baseline":..,"confidence":..,"message":..}],
   *  "top_keys":{"window_start":..,"keys":[{"key":..,"events_per_second":..,"kept":..,"p95":..}]},
   *  "records":{"aggregates":..,"alerts":..,"dead_letters":..,"unreadable":..}}</pre>
   */
  synchronized byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16_384);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("granularity", granularity);
      g.writeNumberField("window_seconds", windowMillis / 1000.0);
      List<Long> times = new ArrayList<>(windows.keySet());
      g.writeArrayFieldStart("times");
      for (long t : times) {
        g.writeNumber(t / 1000.0);
      }
      g.writeEndArray();
      writeRates(g);
      writePercentiles(g);
      writeAnomaly(g);
      writeDeadLetters(g);
      writeAlerts(g);
      writeTopKeys(g);
      g.writeObjectFieldStart("records");
      g.writeNumberField("aggregates", aggregateRecords);
      g.writeNumberField("alerts", alertRecords);
      g.writeNumberField("dead_letters", deadLetterRecords);
      g.writeNumberField("unreadable", unreadable);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private TreeSet<String> types(boolean measuredOnly) {
    TreeSet<String> types = new TreeSet<>();
    for (Map<String, Row> w : windows.values()) {
      for (Row r : w.values()) {
        if (!measuredOnly || r.valueCount > 0) {
          types.add(r.eventType);
        }
      }
    }
    return types;
  }

  private void writeRates(JsonGenerator g) throws IOException {
    double seconds = windowMillis / 1000.0;
    g.writeObjectFieldStart("rates");
    for (String type : types(false)) {
      g.writeArrayFieldStart(type);
      for (Map<String, Row> w : windows.values()) {
        double sum = 0;
        boolean any = false;
        for (Row r : w.values()) {
          if (r.eventType.equals(type)) {
            sum += r.estimatedCount;
            any = true;
          }
        }
        number(g, any ? sum / seconds : Double.NaN);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private void writePercentiles(JsonGenerator g) throws IOException {
    g.writeObjectFieldStart("percentiles");
    for (String type : types(true)) {
      double[][] series = new double[QUANTILES.length][windows.size()];
      int i = 0;
      for (Map<String, Row> w : windows.values()) {
        double[] q = mergedQuantiles(w.values().stream().filter(r -> r.eventType.equals(type)));
        for (int k = 0; k < QUANTILES.length; k++) {
          series[k][i] = q[k];
        }
        i++;
      }
      g.writeObjectFieldStart(type);
      for (int k = 0; k < QUANTILES.length; k++) {
        g.writeArrayFieldStart(QUANTILE_NAMES[k]);
        for (double v : series[k]) {
          number(g, v);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** p50, p95, p99 of the merged sketches of {@code rows}: their bins summed by key. */
  private static double[] mergedQuantiles(java.util.stream.Stream<Row> rows) {
    TreeMap<Integer, Double> bins = new TreeMap<>();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Row r : (Iterable<Row>) rows::iterator) {
      if (r.valueCount == 0) {
        continue;
      }
      for (int i = 0; i < r.sketchIndex.length && i < r.sketchCount.length; i++) {
        bins.merge(r.sketchIndex[i], r.sketchCount[i], Double::sum);
      }
      min = Math.min(min, r.min);
      max = Math.max(max, r.max);
    }
    double[] q = new double[QUANTILES.length];
    int[] keys = bins.keySet().stream().mapToInt(Integer::intValue).toArray();
    double[] counts = bins.values().stream().mapToDouble(Double::doubleValue).toArray();
    for (int k = 0; k < QUANTILES.length; k++) {
      q[k] =
          keys.length == 0 ? Double.NaN : SketchBins.quantile(keys, counts, QUANTILES[k], min, max);
    }
    return q;
  }

  private void writeAnomaly(JsonGenerator g) throws IOException {
    TreeSet<String> scored = new TreeSet<>();
    for (Map<String, Row> w : windows.values()) {
      for (Row r : w.values()) {
        if (!Double.isNaN(r.anomalyScore)) {
          scored.add(r.eventType);
        }
      }
    }
    g.writeObjectFieldStart("anomaly");
    for (String type : scored) {
      g.writeArrayFieldStart(type);
      for (Map<String, Row> w : windows.values()) {
        double highest = Double.NaN;
        for (Row r : w.values()) {
          if (r.eventType.equals(type) && !Double.isNaN(r.anomalyScore)) {
            highest = Double.isNaN(highest) ? r.anomalyScore : Math.max(highest, r.anomalyScore);
          }
        }
        number(g, highest);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private void writeDeadLetters(JsonGenerator g) throws IOException {
    g.writeObjectFieldStart("dead_letters");
    g.writeArrayFieldStart("times");
    for (long t : deadLetters.keySet()) {
      g.writeNumber(t / 1000.0);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("by_reason");
    for (String reason : deadLetterTotals.keySet()) {
      g.writeArrayFieldStart(reason);
      for (Map<String, Long> w : deadLetters.values()) {
        g.writeNumber(w.getOrDefault(reason, 0L));
      }
      g.writeEndArray();
    }
    g.writeEndObject();
    g.writeObjectFieldStart("totals");
    for (Map.Entry<String, Long> e : deadLetterTotals.entrySet()) {
      g.writeNumberField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  private void writeAlerts(JsonGenerator g) throws IOException {
    g.writeArrayFieldStart("alerts");
    for (AlertRow a : alerts) {
      g.writeStartObject();
      g.writeStringField("event_type", a.eventType);
      dimensions(g, a.dimensions);
      g.writeNumberField("window_start", a.windowStart / 1000.0);
      g.writeStringField("pattern", a.pattern);
      g.writeStringField("metric", a.metric);
      numberField(g, "value", a.value);
      numberField(g, "baseline", a.baseline);
      numberField(g, "confidence", a.confidence);
      g.writeNumberField("version", a.version);
      if (a.message != null) {
        g.writeStringField("message", a.message);
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private void writeTopKeys(JsonGenerator g) throws IOException {
    g.writeObjectFieldStart("top_keys");
    if (!windows.isEmpty()) {
      Map.Entry<Long, Map<String, Row>> last = windows.lastEntry();
      g.writeNumberField("window_start", last.getKey() / 1000.0);
      g.writeArrayFieldStart("keys");
      List<Map.Entry<String, Row>> top =
          last.getValue().entrySet().stream()
              .sorted(
                  Comparator.comparingDouble(
                          (Map.Entry<String, Row> e) -> e.getValue().estimatedCount)
                      .reversed()
                      .thenComparing(Map.Entry::getKey))
              .limit(TOP_KEYS)
              .toList();
      for (Map.Entry<String, Row> e : top) {
        g.writeStartObject();
        g.writeStringField("key", e.getKey());
        g.writeNumberField("events_per_second", e.getValue().estimatedCount / (windowMillis / 1e3));
        g.writeNumberField("kept", e.getValue().keptCount);
        numberField(g, "p95", e.getValue().p95);
        numberField(g, "anomaly_score", e.getValue().anomalyScore);
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** {@code type} or {@code type {k=v, ...}}, the dimensions sorted by name (as the console). */
  static String keyOf(String eventType, Map<String, String> dims) {
    return dims.isEmpty() ? eventType : eventType + " " + new TreeMap<>(dims);
  }

  private static void dimensions(JsonGenerator g, Map<String, String> dims) throws IOException {
    g.writeObjectFieldStart("dimensions");
    for (Map.Entry<String, String> d : new TreeMap<>(dims).entrySet()) {
      g.writeStringField(d.getKey(), d.getValue());
    }
    g.writeEndObject();
  }

  private static void number(JsonGenerator g, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumber(v);
    } else {
      g.writeNull();
    }
  }

  private static void numberField(JsonGenerator g, String name, double v) throws IOException {
    g.writeFieldName(name);
    number(g, v);
  }

  // ---- parsing ----

  /**
   * The top-level fields of one JSON object: strings, numbers (as doubles), null (as NaN), arrays
   * of numbers (as {@code List<Double>}) and one level of object of strings (the dimensions); null
   * when the record is not such an object (counted as unreadable).
   */
  private Map<String, Object> parse(byte[] json) {
    Map<String, Object> fields = new HashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        unreadable++;
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (t) {
          case VALUE_STRING -> fields.put(name, p.getText());
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> fields.put(name, p.getDoubleValue());
          case VALUE_NULL -> fields.put(name, Double.NaN);
          case VALUE_TRUE, VALUE_FALSE -> fields.put(name, t == JsonToken.VALUE_TRUE);
          case START_ARRAY -> {
            List<Double> values = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
              values.add(p.getDoubleValue());
            }
            fields.put(name, values);
          }
          case START_OBJECT -> {
            Map<String, String> inner = new TreeMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.currentName();
              p.nextToken();
              inner.put(key, p.getText());
            }
            fields.put(name, inner);
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      unreadable++;
      return null;
    }
    if (fields.get("window_start") instanceof String start) {
      try {
        fields.put("window_start_ms", (double) Instant.parse(start).toEpochMilli());
      } catch (RuntimeException e) {
        unreadable++;
        return null;
      }
    }
    if (fields.containsKey("dimensions") && !(fields.get("dimensions") instanceof Map)) {
      unreadable++;
      return null;
    }
    return fields;
  }

  private static double number(Map<String, Object> f, String name) {
    return f.get(name) instanceof Double d ? d : Double.NaN;
  }

  private static int[] ints(Object list) {
    if (!(list instanceof List<?> l)) {
      return new int[0];
    }
    return l.stream().mapToInt(v -> ((Double) v).intValue()).toArray();
  }

  private static double[] doubles(Object list) {
    if (!(list instanceof List<?> l)) {
      return new double[0];
    }
    return l.stream().mapToDouble(v -> (Double) v).toArray();
  }
}
