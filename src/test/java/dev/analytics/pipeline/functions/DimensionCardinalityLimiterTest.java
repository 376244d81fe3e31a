package dev.analytics.pipeline.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.analytics.pipeline.model.AnalyticsEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The cap on distinct dimension combinations per event type and window. */
class DimensionCardinalityLimiterTest {
  private static final long T0 = 1_767_225_600_000L;
  private static final long MINUTE = 60_000;

  private static AnalyticsEvent event(String type, long ts, String region, String tier) {
    AnalyticsEvent e = new AnalyticsEvent();
    e.eventId = type + ts + region;
    e.eventType = type;
    e.timestamp = ts;
    e.dimensions.put("region", region);
    e.dimensions.put("tier", tier);
    e.dimensions.put("free", "text-" + ts);
    return e;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent>
      harness(Duration lateness) throws Exception {
    AggregationSettings settings =
        new AggregationSettings(
            Map.of("api.error", List.of("region", "tier")),
            List.of(),
            2,
            Duration.ofMinutes(1),
            lateness,
            List.of());
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DimensionCardinalityLimiter(settings)),
            (AnalyticsEvent e) -> e.eventType,
            Types.STRING);
    h.open();
    return h;
  }

  @Test
  void foldsCombinationsBeyondTheCapIntoOtherPerWindow() throws Exception {
    var h = harness(Duration.ZERO);
    h.processElement(event("api.error", T0 + 1, "eu", "free"), T0 + 1);
    h.processElement(event("api.error", T0 + 2, "us", "free"), T0 + 2);
    h.processElement(event("api.error", T0 + 3, "eu", "free"), T0 + 3); // admitted already
    h.processElement(event("api.error", T0 + 4, "ap", "paid"), T0 + 4); // third: folded
    h.processElement(event("checkout", T0 + 5, "ap", "paid"), T0 + 5); // no dimensions keyed
    h.processElement(event("api.error", T0 + MINUTE, "ap", "paid"), T0 + MINUTE); // new window

    List<AnalyticsEvent> out = h.extractOutputValues();
    assertEquals(6, out.size(), "nothing is dropped");
    assertEquals(
        List.of("eu", "us", "eu", "__other__", "ap", "ap"),
        out.stream().map(e -> e.dimensions.get("region")).toList());
    assertEquals("__other__", out.get(3).dimensions.get("tier"));
    assertEquals("text-" + (T0 + 4), out.get(3).dimensions.get("free"), "other dims kept");

    h.processWatermark(T0 + 2 * MINUTE - 1);
    assertEquals(0, h.numKeyedStateEntries(), "state of closed windows cleared");
    assertEquals(0, h.numEventTimeTimers());
    h.close();
  }

  @Test
  void keepsTheWindowOpenUntilItsAllowedLatenessPassed() throws Exception {
    var h = harness(Duration.ofSeconds(30));
    h.processElement(event("api.error", T0 + 1, "eu", "free"), T0 + 1);
    h.processElement(event("api.error", T0 + 2, "us", "free"), T0 + 2);
    h.processWatermark(T0 + MINUTE + 10_000);
    h.processElement(event("api.error", T0 + 3, "ap", "free"), T0 + 3); // late, still capped
    assertEquals("__other__", h.extractOutputValues().get(2).dimensions.get("region"));
    h.processWatermark(T0 + MINUTE - 1 + 30_000);
    assertEquals(0, h.numKeyedStateEntries());
    h.processElement(event("api.error", T0 + 4, "ap", "free"), T0 + 4); // beyond: unchanged
    assertEquals("ap", h.extractOutputValues().get(3).dimensions.get("region"));
    assertEquals(0, h.numKeyedStateEntries(), "no state recreated for a dead window");
    h.close();
  }
}
