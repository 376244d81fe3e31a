package dev.analytics.pipeline.sinks.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON of a window aggregate carries every statistic; undefined ones are null, not NaN. */
class WindowAggregateSerializerTest {
  private static final String[] STATISTICS = {
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
    "anomaly_score"
  };

  @Test
  void writesEveryStatistic() throws Exception {
    WindowAccumulator acc = new WindowAccumulator();
    acc.add(10, 2.0);
    acc.add(20, 2.0);
    Map<String, Object> json = parse(aggregate(acc));
    assertEquals(4.0, json.get("estimated_count"));
    assertEquals(2L, json.get("kept_count"));
    assertEquals(0.5, json.get("sample_rate"));
    assertEquals(2L, json.get("value_count"));
    assertEquals(60.0, json.get("sum"));
    assertEquals(10.0, json.get("min"));
    assertEquals(20.0, json.get("max"));
    assertEquals(15.0, json.get("mean"));
    assertEquals(25.0, json.get("variance_pop"));
    assertEquals(50.0, json.get("variance_sample"));
    assertEquals(5.0, json.get("stddev_pop"));
    assertEquals(Math.sqrt(50), json.get("stddev_sample"));
    for (String p : new String[] {"p50", "p75", "p90", "p95", "p99", "p999"}) {
      assertEquals(10.0, json.get(p), p);
    }
  }

  @Test
  void undefinedStatisticsAreNull() throws Exception {
    WindowAccumulator countsOnly = new WindowAccumulator();
    countsOnly.addCountOnly(1.0);
    Map<String, Object> json = parse(aggregate(countsOnly));
    assertEquals(0L, json.get("value_count"));
    assertEquals(0.0, json.get("sum"));
    for (String s : STATISTICS) {
      assertTrue(json.containsKey(s), s);
      if (!s.equals("value_count") && !s.equals("sum")) {
        assertEquals(null, json.get(s), s);
      }
    }
    WindowAccumulator one = new WindowAccumulator();
    one.add(3.5, 1.0);
    Map<String, Object> single = parse(aggregate(one));
    assertEquals(null, single.get("variance_sample"));
    assertEquals(null, single.get("stddev_sample"));
    assertEquals(0.0, single.get("variance_pop"));
    assertEquals(3.5, single.get("p99"));
  }

  @Test
  void theAnomalyScoreOfAJudgedWindowIsWritten() throws Exception {
    WindowAccumulator acc = new WindowAccumulator();
    acc.add(1.0, 1.0);
    WindowAggregate a = aggregate(acc);
    assertEquals(null, parse(a).get("anomaly_score"));
    a.anomalyScore = 0.9987;
    assertEquals(0.9987, parse(a).get("anomaly_score"));
  }

  /** The sketch's bins as two arrays of numbers, so a consumer can merge windows as SQL does. */
  @Test
  void theSketchBinsAreWrittenAsArrays() throws Exception {
    WindowAccumulator acc = new WindowAccumulator();
    acc.add(-2.5, 1.0);
    acc.add(0, 1.0);
    acc.add(120, 1.0);
    acc.add(120, 1.0);
    WindowAggregate a = aggregate(acc);
    com.fasterxml.jackson.databind.JsonNode json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(WindowAggregateSerializer.toJson(a));
    assertEquals(
        "[" + (-100_000 - 61) + ",0," + (100_000 + 319) + "]", json.get("sketch_index").toString());
    assertEquals("[1.0,1.0,2.0]", json.get("sketch_count").toString());
    json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(WindowAggregateSerializer.toJson(aggregate(new WindowAccumulator())));
    assertEquals("[]", json.get("sketch_index").toString());
    assertEquals("[]", json.get("sketch_count").toString());
  }

  private static WindowAggregate aggregate(WindowAccumulator acc) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = "performance.response_time";
    a.granularity = "1m";
    a.windowStart = 0;
    a.windowEnd = 60_000;
    acc.fillInto(a);
    return a;
  }

  /** Top-level scalar fields; numbers as Long or Double, null as null. */
  private static Map<String, Object> parse(WindowAggregate a) throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    try (JsonParser p = new JsonFactory().createParser(WindowAggregateSerializer.toJson(a))) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (t) {
          case VALUE_NUMBER_INT -> fields.put(name, p.getLongValue());
          case VALUE_NUMBER_FLOAT -> fields.put(name, p.getDoubleValue());
          case VALUE_NULL -> fields.put(name, null);
          case START_OBJECT, START_ARRAY -> p.skipChildren();
          default -> fields.put(name, p.getText());
        }
      }
    }
    return fields;
  }
}
