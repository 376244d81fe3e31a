package dev.analytics.pipeline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.sinks.kafka.AlertSerializer;
import dev.analytics.pipeline.sinks.kafka.DeadLetterSerializer;
import dev.analytics.pipeline.sinks.kafka.WindowAggregateSerializer;
import dev.analytics.pipeline.testing.Chromium;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveResults} on records as the job's serializers write them to the output topics: what the
 * live page charts per window, merged over each type's keys.
 */
class LiveResultsTest {
  private static final long W = 60_000;

  private static final long T0 = Instant.parse("2026-11-22T12:00:00Z").toEpochMilli();

  private final LiveResults results = new LiveResults("1m", W);

  @Test
  void ratesSumTheKeysOfATypeWithTheLatestVersionOfEachWindowAndLeaveRollupsOut() {
    results.addAggregate(json(counted("api.error", Map.of("error_type", "timeout"), T0, 0, 60)));
    results.addAggregate(json(counted("api.error", Map.of("error_type", "internal"), T0, 0, 120)));
    results.addAggregate(json(counted("api.error", Map.of("error_type", "internal"), T0, 1, 180)));
    // An older version arriving last changes nothing.
    results.addAggregate(json(counted("api.error", Map.of("error_type", "internal"), T0, 0, 999)));
    results.addAggregate(json(counted("cache_hit", Map.of(), T0 + W, 0, 600)));
    WindowAggregate rollup = counted("api.error", Map.of(), T0, 0, 10_000);
    rollup.granularity = "1h";
    results.addAggregate(json(rollup));

    Map<String, Object> page = page();
    assertThat(page.get("times")).isEqualTo(List.of(T0 / 1000.0, (T0 + W) / 1000.0));
    assertThat(page.get("rates"))
        .isEqualTo(
            Map.of(
                "api.error", Arrays.asList(4.0, null),
                "cache_hit", Arrays.asList(null, 10.0)));
    assertThat(records(page)).containsEntry("aggregates", 6.0).containsEntry("unreadable", 0.0);
  }

  @Test
  void percentilesMergeTheSketchesOfATypesKeysAsTheJobMergesAccumulators() {
    Random random = new Random(5);
    WindowAccumulator fast = new WindowAccumulator();
    WindowAccumulator slow = new WindowAccumulator();
    for (int i = 0; i < 2000; i++) {
      fast.add(20 * Math.exp(0.3 * random.nextGaussian()), 2);
      slow.add(400 * Math.exp(0.5 * random.nextGaussian()), 2);
    }
    String type = "performance.response_time";
    results.addAggregate(json(measured(type, Map.of("endpoint", "/health"), T0, fast)));
    results.addAggregate(json(measured(type, Map.of("endpoint", "/api/export"), T0, slow)));
    WindowAccumulator merged = fast.copy().merge(slow);

    @SuppressWarnings("unchecked")
    Map<String, List<Double>> q =
        (Map<String, List<Double>>) ((Map<String, Object>) page().get("percentiles")).get(type);
    assertThat(q.get("p50").get(0)).isCloseTo(merged.quantile(0.50), within(1e-9));
    assertThat(q.get("p95").get(0)).isCloseTo(merged.quantile(0.95), within(1e-9));
    assertThat(q.get("p99").get(0)).isCloseTo(merged.quantile(0.99), within(1e-9));
    // Between the two keys' own medians: merged, not picked from one of them.
    assertThat(q.get("p50").get(0)).isBetween(fast.quantile(0.5), slow.quantile(0.5));
  }

  @Test
  void theAnomalyScoreIsTheHighestOfTheTypesJudgedKeys() {
    WindowAggregate a = counted("api.error", Map.of("error_type", "timeout"), T0, 0, 60);
    a.anomalyScore = 0.4;
    WindowAggregate b = counted("api.error", Map.of("error_type", "internal"), T0, 0, 60);
    b.anomalyScore = 0.9;
    WindowAggregate unjudged = counted("api.error", Map.of("error_type", "internal"), T0 + W, 0, 6);
    results.addAggregate(json(a));
    results.addAggregate(json(b));
    results.addAggregate(json(unjudged));
    results.addAggregate(json(counted("cache_hit", Map.of(), T0, 0, 60)));

    assertThat(page().get("anomaly")).isEqualTo(Map.of("api.error", Arrays.asList(0.9, null)));
  }

  @Test
  void deadLettersCountByReasonInAllAndPerWindowOfArrival() {
    results.addDeadLetter(deadLetter(DeadLetterReason.MALFORMED_JSON, T0 + 5));
    results.addDeadLetter(deadLetter(DeadLetterReason.MALFORMED_JSON, T0 + W + 5));
    results.addDeadLetter(deadLetter(DeadLetterReason.WRONG_TYPE, T0 + W + 7));

    @SuppressWarnings("unchecked")
    Map<String, Object> d = (Map<String, Object>) page().get("dead_letters");
    assertThat(d.get("totals")).isEqualTo(Map.of("malformed_json", 2.0, "wrong_type", 1.0));
    assertThat(d.get("times")).isEqualTo(List.of(T0 / 1000.0, (T0 + W) / 1000.0));
    assertThat(d.get("by_reason"))
        .isEqualTo(Map.of("malformed_json", List.of(1.0, 1.0), "wrong_type", List.of(0.0, 1.0)));
  }

  @Test
  void anAlertReEmittedWithAHigherVersionReplacesTheEarlierOne() {
    results.addAlert(AlertSerializer.toJson(alert("spike", 0, 500)));
    results.addAlert(AlertSerializer.toJson(alert("spike", 1, 520)));
    results.addAlert(AlertSerializer.toJson(alert("spike", 0, 999)));
    results.addAlert(AlertSerializer.toJson(alert("resolved", 0, 100)));

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> alerts = (List<Map<String, Object>>) page().get("alerts");
    assertThat(alerts).extracting(a -> a.get("pattern")).containsExactly("spike", "resolved");
    assertThat(alerts.get(0))
        .containsEntry("value", 520.0)
        .containsEntry("version", 1.0)
        .containsEntry("window_start", T0 / 1000.0)
        .containsEntry("dimensions", Map.of("error_type", "timeout"));
  }

  @Test
  void theTopKeysAreThoseOfTheLatestWindowByEventsPerSecond() {
    for (int i = 0; i < 20; i++) {
      results.addAggregate(json(counted("t" + i, Map.of(), T0, 0, 600 + i)));
      results.addAggregate(json(counted("t" + i, Map.of("k", "v"), T0 + W, 0, 60 * (i + 1))));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> top = (Map<String, Object>) page().get("top_keys");
    assertThat(top.get("window_start")).isEqualTo((T0 + W) / 1000.0);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> keys = (List<Map<String, Object>>) top.get("keys");
    assertThat(keys).hasSize(LiveResults.TOP_KEYS);
    assertThat(keys.get(0))
        .containsEntry("key", "t19 {k=v}")
        .containsEntry("events_per_second", 20.0);
    assertThat(keys.get(11)).containsEntry("key", "t8 {k=v}");
  }

  @Test
  void keepsTheLatestWindowsOnlyAndCountsWhatItCannotRead() {
    for (int i = 0; i < LiveResults.MAX_WINDOWS + 10; i++) {
      results.addAggregate(json(counted("cache_hit", Map.of(), T0 + i * W, 0, 60)));
    }
    // Too old for what is kept: ignored.
    results.addAggregate(json(counted("cache_hit", Map.of(), T0, 0, 60)));
    results.addAggregate("not json".getBytes(StandardCharsets.UTF_8));
    results.addAggregate("{\"event_type\":\"x\",\"granularity\":\"1m\"}".getBytes());
    results.addAlert("[1,2]".getBytes(StandardCharsets.UTF_8));
    results.addAggregate(
        "{\"event_type\":\"x\",\"granularity\":\"1m\",\"window_start\":\"yesterday\"}".getBytes());

    Map<String, Object> page = page();
    @SuppressWarnings("unchecked")
    List<Double> times = (List<Double>) page.get("times");
    assertThat(times).hasSize(LiveResults.MAX_WINDOWS);
    assertThat(times.get(0)).isEqualTo((T0 + 10 * W) / 1000.0);
    assertThat(records(page)).containsEntry("unreadable", 4.0);
  }

  // ---- records as the job writes them ----

  private Map<String, Object> page() {
    @SuppressWarnings("unchecked")
    Map<String, Object> page =
        (Map<String, Object>) Chromium.parse(new String(results.toJson(), StandardCharsets.UTF_8));
    return page;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> records(Map<String, Object> page) {
    return (Map<String, Object>) page.get("records");
  }

  private static byte[] json(WindowAggregate a) {
    return WindowAggregateSerializer.toJson(a);
  }

  private static WindowAggregate counted(
      String type, Map<String, String> dims, long start, int version, double estimated) {
    WindowAccumulator acc = new WindowAccumulator();
    acc.addCountOnly(estimated);
    WindowAggregate a = window(type, dims, start, acc);
    a.version = version;
    return a;
  }

  private static WindowAggregate measured(
      String type, Map<String, String> dims, long start, WindowAccumulator acc) {
    return window(type, dims, start, acc);
  }

  private static WindowAggregate window(
      String type, Map<String, String> dims, long start, WindowAccumulator acc) {
    WindowAggregate a = new WindowAggregate();
    acc.fillInto(a);
    a.eventType = type;
    a.dimensions = new HashMap<>(dims);
    a.windowStart = start;
    a.windowEnd = start + W;
    a.granularity = "1m";
    return a;
  }

  private static Alert alert(String pattern, int version, double value) {
    Alert a = new Alert();
    a.eventType = "api.error";
    a.dimensions = new HashMap<>(Map.of("error_type", "timeout"));
    a.granularity = "1m";
    a.windowStart = T0;
    a.windowEnd = T0 + W;
    a.pattern = pattern;
    a.metric = "count";
    a.value = value;
    a.baseline = 50;
    a.confidence = 0.9;
    a.version = version;
    a.message = "count of api.error: " + pattern;
    return a;
  }

  private static byte[] deadLetter(DeadLetterReason reason, long receivedAt) {
    DeadLetter d =
        DeadLetter.of(
            reason,
            "value",
            "detail",
            "{}".getBytes(StandardCharsets.UTF_8),
            1024,
            "analytics-events",
            0,
            42,
            receivedAt);
    return DeadLetterSerializer.toJson(d);
  }
}
