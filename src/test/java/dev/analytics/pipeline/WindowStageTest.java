package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.aggregation.AggregationSettings;
import dev.analytics.pipeline.aggregation.PartialAggregate;
import dev.analytics.pipeline.aggregation.WindowResultEmitter;
import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.TestEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The window operators exactly as {@link AnalyticsPipeline} builds them, driven through Flink's
 * operator harness: versions on late firings, the late side output, the contributions sent to
 * rollups, rollups merging them, and no state or timers left once a window is cleaned up.
 */
class WindowStageTest {
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final long MINUTE = 60_000;

  private static AggregationSettings settings(Duration lateness) {
    return new AggregationSettings(
        Map.of("api.error", List.of("region")),
        List.of(),
        100,
        10_000,
        Duration.ofMinutes(1),
        lateness,
        List.of(Duration.ofHours(1)));
  }

  private static AnalyticsEvent event(String type, long ts, double value, String region) {
    TestEvents.EventBuilder e =
        TestEvents.event(type).id(type + "-" + ts + "-" + value).at(ts).value(value);
    if (region != null) {
      e.dim("region", region);
    }
    return e.build();
  }

  /** The keyed harness of a window stage's operator, opened. */
  @SuppressWarnings("unchecked")
  static <I> KeyedOneInputStreamOperatorTestHarness<String, I, WindowAggregate> harness(
      SingleOutputStreamOperator<WindowAggregate> stream, KeySelector<I, String> key)
      throws Exception {
    OneInputTransformation<I, WindowAggregate> t =
        (OneInputTransformation<I, WindowAggregate>) stream.getTransformation();
    OneInputStreamOperator<I, WindowAggregate> op =
        (OneInputStreamOperator<I, WindowAggregate>)
            ((SimpleOperatorFactory<WindowAggregate>) t.getOperatorFactory()).getOperator();
    KeyedOneInputStreamOperatorTestHarness<String, I, WindowAggregate> h =
        new KeyedOneInputStreamOperatorTestHarness<>(op, key, Types.STRING);
    h.open();
    return h;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, WindowAggregate>
      eventHarness(AggregationSettings s) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<AnalyticsEvent> in = env.fromData(event("t", T0, 1, null));
    return harness(AnalyticsPipeline.eventWindows(in, s, true), s::keyOf);
  }

  @Test
  void emitsEachKeyOnceWithItsDimensionsAndCleansUpWithoutLateness() throws Exception {
    AggregationSettings s = settings(Duration.ZERO);
    var h = eventHarness(s);
    h.processElement(event("api.error", T0 + 1_000, 10, "eu"), T0 + 1_000);
    h.processElement(event("api.error", T0 + 2_000, 30, "eu"), T0 + 2_000);
    h.processElement(event("api.error", T0 + 3_000, 5, "us"), T0 + 3_000);
    h.processElement(event("checkout", T0 + 4_000, 7, "eu"), T0 + 4_000);
    assertThat(h.extractOutputValues().isEmpty()).as("nothing before the watermark").isTrue();

    h.processWatermark(T0 + MINUTE - 1);
    Map<String, WindowAggregate> out =
        h.extractOutputValues().stream()
            .collect(Collectors.toMap(a -> a.eventType + a.dimensions, a -> a));
    assertThat(out.size()).as(out.toString()).isEqualTo(3);
    WindowAggregate eu = out.get("api.error{region=eu}");
    assertThat(eu.keptCount).isEqualTo(2);
    assertThat(eu.sum).isEqualTo(40.0);
    assertThat(eu.windowStart).isEqualTo(T0);
    assertThat(eu.windowEnd).isEqualTo(T0 + MINUTE);
    assertThat(eu.granularity).isEqualTo("1m");
    assertThat(eu.version).isEqualTo(0);
    assertThat(out.get("api.error{region=us}").keptCount).isEqualTo(1);
    assertThat(out.get("checkout{}").keptCount)
        .as("types without dimensions keep none")
        .isEqualTo(1);

    assertThat(h.numKeyedStateEntries()).as("no state left for closed windows").isEqualTo(0);
    assertThat(h.numEventTimeTimers()).as("no timers left for closed windows").isEqualTo(0);
    h.close();
  }

  @Test
  void lateEventsWithinLatenessReEmitTheWholeWindowWithTheNextVersion() throws Exception {
    AggregationSettings s = settings(Duration.ofSeconds(30));
    var h = eventHarness(s);
    h.processElement(event("checkout", T0 + 1_000, 10, null), T0 + 1_000);
    h.processElement(event("checkout", T0 + 2_000, 20, null), T0 + 2_000);
    h.processWatermark(T0 + MINUTE + 5_000);
    h.processElement(event("checkout", T0 + 3_000, 30, null), T0 + 3_000);
    h.processElement(event("checkout", T0 + 4_000, 40, null), T0 + 4_000);

    List<WindowAggregate> out = h.extractOutputValues();
    assertThat(out.stream().map(a -> a.version).toList()).isEqualTo(List.of(0, 1, 2));
    assertThat(out.stream().map(a -> a.keptCount).toList()).isEqualTo(List.of(2L, 3L, 4L));
    assertThat(out.get(2).sum).isEqualTo(100.0);
    assertThat(out.get(2).min).isEqualTo(10.0);
    assertThat(out.get(2).max).isEqualTo(40.0);

    // Each firing sends only its own contribution to the rollup: every event exactly once.
    List<Long> contributions =
        sideOutput(h).stream().map(p -> p.accumulator).map(WindowStageTest::kept).toList();
    assertThat(contributions).isEqualTo(List.of(2L, 1L, 1L));

    // Past the allowed lateness the window is gone: state and timers cleaned, the event is late.
    h.processWatermark(T0 + MINUTE - 1 + 30_000);
    assertThat(h.numKeyedStateEntries()).isEqualTo(0);
    assertThat(h.numEventTimeTimers()).isEqualTo(0);
    h.processElement(event("checkout", T0 + 5_000, 50, null), T0 + 5_000);
    assertThat(h.extractOutputValues().size())
        .as("no firing for a window past its lateness")
        .isEqualTo(3);
    ConcurrentLinkedQueue<StreamRecord<AnalyticsEvent>> late =
        h.getSideOutput(AnalyticsPipeline.LATE_EVENTS);
    assertThat(late.size()).isEqualTo(1);
    assertThat(late.peek().getValue().timestamp).isEqualTo(T0 + 5_000);
    h.close();
  }

  @Test
  void rollupsMergeContributionsAndReFireOnLateOnes() throws Exception {
    AggregationSettings s = settings(Duration.ofSeconds(30));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<PartialAggregate> in =
        env.fromData(new PartialAggregate("t", T0, new WindowAccumulator()));
    var h =
        harness(
            AnalyticsPipeline.windowPartials(in, s, Duration.ofHours(1), false),
            (PartialAggregate p) -> p.key);

    for (int minute = 0; minute < 60; minute++) {
      long end = T0 + (minute + 1) * MINUTE - 1;
      h.processElement(partial("checkout", T0 + minute * MINUTE, 1 + minute % 3), end);
    }
    h.processWatermark(T0 + 3_600_000 - 1);
    List<WindowAggregate> out = h.extractOutputValues();
    assertThat(out.size()).isEqualTo(1);
    assertThat(out.get(0).granularity).isEqualTo("1h");
    assertThat(out.get(0).keptCount).isEqualTo(120); // 20 x (1 + 2 + 3)
    assertThat(out.get(0).version).isEqualTo(0);

    // A late contribution of the last minute (within the lateness) re-fires the hour.
    h.processWatermark(T0 + 3_600_000 + 10_000);
    h.processElement(partial("checkout", T0 + 59 * MINUTE, 1), T0 + 3_600_000 - 1);
    out = h.extractOutputValues();
    assertThat(out.size()).isEqualTo(2);
    assertThat(out.get(1).version).isEqualTo(1);
    assertThat(out.get(1).keptCount).isEqualTo(121);

    h.processWatermark(T0 + 3_600_000 + 30_000);
    assertThat(h.numKeyedStateEntries()).isEqualTo(0);
    assertThat(h.numEventTimeTimers()).isEqualTo(0);
    h.close();
  }

  private static PartialAggregate partial(String key, long windowStart, int events) {
    WindowAccumulator acc = new WindowAccumulator();
    for (int i = 0; i < events; i++) {
      acc.add(event(key, windowStart + i, i, null));
    }
    return new PartialAggregate(key, windowStart, acc);
  }

  private static long kept(WindowAccumulator acc) {
    WindowAggregate a = new WindowAggregate();
    acc.fillInto(a);
    return a.keptCount;
  }

  private static List<PartialAggregate> sideOutput(
      KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, WindowAggregate> h) {
    return h.getSideOutput(WindowResultEmitter.PARTIALS).stream()
        .map(StreamRecord::getValue)
        .toList();
  }
}
