package dev.analytics.pipeline.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The caps on active event types and on active dimension combinations per event type. */
class CardinalityLimiterTest {
  private static final long T0 = 1_767_225_600_000L;
  private static final long MINUTE = 60_000;
  private static final Duration IDLE = Duration.ofMinutes(2);

  private static AnalyticsEvent event(String type, long ts, String region, String tier) {
    return TestEvents.event(type)
        .id(type + ts + region)
        .at(ts)
        .dim("region", region)
        .dim("tier", tier)
        .dim("free", "text-" + ts)
        .build();
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent>
      harness(Duration lateness, int maxEventTypes) throws Exception {
    AggregationSettings settings =
        new AggregationSettings(
            Map.of("api.error", List.of("region", "tier")),
            List.of(),
            2,
            maxEventTypes,
            Duration.ofMinutes(1),
            lateness,
            List.of());
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new CardinalityLimiter(settings, IDLE)),
            (AnalyticsEvent e) -> CardinalityLimiter.shardOf(e.eventType),
            Types.STRING);
    h.open();
    return h;
  }

  private static List<String> regions(List<AnalyticsEvent> out) {
    return out.stream().map(e -> e.dimensions.get("region")).toList();
  }

  @Test
  void foldsCombinationsBeyondTheCapUntilTheAdmittedOnesWentIdle() throws Exception {
    var h = harness(Duration.ZERO, 10_000);
    h.processElement(event("api.error", T0 + 1, "eu", "free"), T0 + 1);
    h.processElement(event("api.error", T0 + 2, "us", "free"), T0 + 2);
    h.processElement(event("api.error", T0 + 3, "eu", "free"), T0 + 3); // admitted already
    h.processElement(event("api.error", T0 + 4, "ap", "paid"), T0 + 4); // third: folded
    h.processElement(event("checkout", T0 + 5, "ap", "paid"), T0 + 5); // no dimensions keyed
    h.processElement(event("api.error", T0 + MINUTE, "ap", "paid"), T0 + MINUTE); // still folded
    h.processElement(event("api.error", T0 + MINUTE + 1, "us", "free"), T0 + MINUTE + 1);

    List<AnalyticsEvent> out = h.extractOutputValues();
    assertThat(out.size()).as("nothing is dropped").isEqualTo(7);
    assertThat(regions(out))
        .isEqualTo(List.of("eu", "us", "eu", "__other__", "ap", "__other__", "us"));
    assertThat(out.get(3).dimensions.get("tier")).isEqualTo("__other__");
    assertThat(out.get(3).dimensions.get("free"))
        .as("other dims kept")
        .isEqualTo("text-" + (T0 + 4));

    // "eu" was last seen in the first minute: idle 2 minutes after it closed. "us" a minute later.
    h.processWatermark(T0 + 3 * MINUTE - 1);
    h.processElement(event("api.error", T0 + 3 * MINUTE, "ap", "paid"), T0 + 3 * MINUTE);
    assertThat(regions(h.extractOutputValues()).get(7)).as("a slot was free again").isEqualTo("ap");

    h.processWatermark(T0 + 6 * MINUTE);
    assertThat(h.numKeyedStateEntries()).as("idle types and combinations forgotten").isEqualTo(0);
    assertThat(h.numEventTimeTimers()).isEqualTo(0);
    h.close();
  }

  @Test
  void foldsEventTypesBeyondTheShardsShareIntoOtherAndCountsThem() throws Exception {
    // A cap of 512 types: 2 per shard. Types of one shard, found by their hash.
    String shard = CardinalityLimiter.shardOf("t0");
    List<String> sameShard = new ArrayList<>();
    for (int i = 0; sameShard.size() < 3; i++) {
      if (CardinalityLimiter.shardOf("t" + i).equals(shard)) {
        sameShard.add("t" + i);
      }
    }
    var h = harness(Duration.ZERO, 2 * CardinalityLimiter.SHARDS);
    h.processElement(event(sameShard.get(0), T0 + 1, "eu", "free"), T0 + 1);
    h.processElement(event(sameShard.get(1), T0 + 2, "eu", "free"), T0 + 2);
    h.processElement(event(sameShard.get(2), T0 + 3, "eu", "free"), T0 + 3); // third: folded
    h.processElement(event(sameShard.get(0), T0 + 4, "eu", "free"), T0 + 4); // admitted already
    h.processElement(event(sameShard.get(2), T0 + MINUTE, "eu", "free"), T0 + MINUTE); // folded
    h.processElement(event(sameShard.get(0), T0 + MINUTE, "eu", "free"), T0 + MINUTE);
    h.processWatermark(T0 + 3 * MINUTE - 1); // the second type went idle, the first did not
    h.processElement(event(sameShard.get(2), T0 + 3 * MINUTE, "eu", "free"), T0 + 3 * MINUTE);

    List<AnalyticsEvent> out = h.extractOutputValues();
    assertThat(out.stream().map(e -> e.eventType).toList())
        .isEqualTo(
            List.of(
                sameShard.get(0),
                sameShard.get(1),
                "__other__",
                sameShard.get(0),
                "__other__",
                sameShard.get(0),
                sameShard.get(2)));
    assertThat(out.get(2).dimensions).as("a folded type has no dimensions").isEqualTo(Map.of());
    assertThat(out.get(2).timestamp).isEqualTo(T0 + 3);

    h.processWatermark(T0 + 10 * MINUTE);
    assertThat(h.numKeyedStateEntries()).as("idle types forgotten").isEqualTo(0);
    assertThat(h.numEventTimeTimers()).isEqualTo(0);
    h.close();
  }

  @Test
  void eventsBeyondTheirWindowsLatenessPassUnchanged() throws Exception {
    var h = harness(Duration.ofSeconds(30), 10_000);
    h.processElement(event("api.error", T0 + 1, "eu", "free"), T0 + 1);
    h.processElement(event("api.error", T0 + 2, "us", "free"), T0 + 2);
    h.processWatermark(T0 + MINUTE + 10_000);
    h.processElement(event("api.error", T0 + 3, "ap", "free"), T0 + 3); // late, still capped
    assertThat(h.extractOutputValues().get(2).dimensions.get("region")).isEqualTo("__other__");
    h.processWatermark(T0 + MINUTE - 1 + 30_000);
    h.processElement(event("api.error", T0 + 4, "ap", "free"), T0 + 4); // beyond: unchanged
    assertThat(h.extractOutputValues().get(3).dimensions.get("region")).isEqualTo("ap");
    h.close();
  }
}
