package dev.analytics.pipeline.sinks.kafka;

import static org.assertj.core.api.Assertions.assertThat;

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
    assertThat(json.get("estimated_count")).isEqualTo(4.0);
    assertThat(json.get("kept_count")).isEqualTo(2L);
    assertThat(json.get("sample_rate")).isEqualTo(0.5);
    assertThat(json.get("value_count")).isEqualTo(2L);
    assertThat(json.get("sum")).isEqualTo(60.0);
    assertThat(json.get("min")).isEqualTo(10.0);
    assertThat(json.get("max")).isEqualTo(20.0);
    assertThat(json.get("mean")).isEqualTo(15.0);
    assertThat(json.get("variance_pop")).isEqualTo(25.0);
    assertThat(json.get("variance_sample")).isEqualTo(50.0);
    assertThat(json.get("stddev_pop")).isEqualTo(5.0);
    assertThat(json.get("stddev_sample")).isEqualTo(Math.sqrt(50));
    for (String p : new String[] {"p50", "p75", "p90", "p95", "p99", "p999"}) {
      assertThat(json.get(p)).as(p).isEqualTo(10.0);
    }
  }

  @Test
  void undefinedStatisticsAreNull() throws Exception {
    WindowAccumulator countsOnly = new WindowAccumulator();
    countsOnly.addCountOnly(1.0);
    Map<String, Object> json = parse(aggregate(countsOnly));
    assertThat(json.get("value_count")).isEqualTo(0L);
    assertThat(json.get("sum")).isEqualTo(0.0);
    for (String s : STATISTICS) {
      assertThat(json.containsKey(s)).as(s).isTrue();
      if (!s.equals("value_count") && !s.equals("sum")) {
        assertThat(json.get(s)).as(s).isEqualTo(null);
      }
    }
    WindowAccumulator one = new WindowAccumulator();
    one.add(3.5, 1.0);
    Map<String, Object> single = parse(aggregate(one));
    assertThat(single.get("variance_sample")).isEqualTo(null);
    assertThat(single.get("stddev_sample")).isEqualTo(null);
    assertThat(single.get("variance_pop")).isEqualTo(0.0);
    assertThat(single.get("p99")).isEqualTo(3.5);
  }

  @Test
  void theAnomalyScoreOfAJudgedWindowIsWritten() throws Exception {
    WindowAccumulator acc = new WindowAccumulator();
    acc.add(1.0, 1.0);
    WindowAggregate a = aggregate(acc);
    assertThat(parse(a).get("anomaly_score")).isEqualTo(null);
    a.anomalyScore = 0.9987;
    assertThat(parse(a).get("anomaly_score")).isEqualTo(0.9987);
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
    assertThat(json.get("sketch_index").toString())
        .isEqualTo("[" + (-100_000 - 61) + ",0," + (100_000 + 319) + "]");
    assertThat(json.get("sketch_count").toString()).isEqualTo("[1.0,1.0,2.0]");
    json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(WindowAggregateSerializer.toJson(aggregate(new WindowAccumulator())));
    assertThat(json.get("sketch_index").toString()).isEqualTo("[]");
    assertThat(json.get("sketch_count").toString()).isEqualTo("[]");
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
