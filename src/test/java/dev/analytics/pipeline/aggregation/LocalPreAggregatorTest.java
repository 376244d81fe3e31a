package dev.analytics.pipeline.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/** Pre-aggregation: what it sends, when, and that it keeps nothing across a checkpoint. */
class LocalPreAggregatorTest {
  private static final long T0 = 1_767_225_600_000L;
  private static final long MINUTE = 60_000;
  private static final AggregationSettings SETTINGS =
      new AggregationSettings(
          Map.of(), List.of(), 100, 10_000, Duration.ofMinutes(1), Duration.ZERO, List.of());

  private static OneInputStreamOperatorTestHarness<AnalyticsEvent, PartialAggregate> harness(
      int maxKeys) throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new LocalPreAggregator(SETTINGS, maxKeys));
    h.open();
    return h;
  }

  private static AnalyticsEvent event(String type, long ts) {
    return TestEvents.event(type + ts, type, ts);
  }

  private static long kept(PartialAggregate p) {
    WindowAggregate a = new WindowAggregate();
    p.accumulator.fillInto(a);
    return a.keptCount;
  }

  @Test
  void sendsOnePartialPerKeyAndWindowBeforeTheWatermarkThatClosesIt() throws Exception {
    var h = harness(1000);
    for (int i = 0; i < 500; i++) {
      h.processElement(event("hot", T0 + i), T0 + i);
    }
    h.processElement(event("cold", T0 + 7), T0 + 7);
    h.processElement(event("hot", T0 + MINUTE + 1), T0 + MINUTE + 1);
    assertThat(h.getOutput().isEmpty()).as("nothing leaves before a watermark").isTrue();

    h.processWatermark(T0 + MINUTE - 1);
    List<Object> out = new ArrayList<>(h.getOutput());
    assertThat(out.size()).as(out.toString()).isEqualTo(3);
    // Two partials of the first window, each stamped with its last millisecond, then the mark.
    for (int i = 0; i < 2; i++) {
      StreamRecord<?> r =
          assertThat(out.get(i))
              .asInstanceOf(InstanceOfAssertFactories.type(StreamRecord.class))
              .actual();
      assertThat(r.getTimestamp()).isEqualTo(T0 + MINUTE - 1);
    }
    assertThat(out.get(2)).isEqualTo(new Watermark(T0 + MINUTE - 1));
    List<PartialAggregate> partials = h.extractOutputValues();
    long hot = partials.stream().filter(p -> p.key.equals("hot")).mapToLong(p -> kept(p)).sum();
    long cold = partials.stream().filter(p -> p.key.equals("cold")).mapToLong(p -> kept(p)).sum();
    assertThat(hot).isEqualTo(500);
    assertThat(cold).isEqualTo(1);
    h.close();
  }

  @Test
  void flushesEverythingBeforeACheckpointBarrierSoNothingIsHeldInState() throws Exception {
    var h = harness(1000);
    h.processElement(event("a", T0), T0);
    h.processElement(event("a", T0 + MINUTE), T0 + MINUTE);
    h.prepareSnapshotPreBarrier(1);
    assertThat(h.extractOutputValues().size()).isEqualTo(2);
    assertThat(
            h.snapshot(1, 1).getManagedOperatorState().size()
                + h.snapshot(2, 2).getManagedKeyedState().size())
        .isEqualTo(0);
    h.close();
  }

  @Test
  void flushesEarlyWhenHoldingTooManyKeys() throws Exception {
    var h = harness(3);
    for (int k = 0; k < 4; k++) {
      h.processElement(event("k" + k, T0), T0);
    }
    assertThat(h.extractOutputValues().size()).isEqualTo(4);
    h.close();
  }

  @Test
  void forwardsAnEventOfAnAlreadyClosedWindowAloneWithTheEvent() throws Exception {
    var h = harness(1000);
    h.processWatermark(T0 + MINUTE + 10);
    AnalyticsEvent late = event("x", T0 + 5);
    h.processElement(late, T0 + 5);
    List<PartialAggregate> out = h.extractOutputValues();
    assertThat(out.size()).isEqualTo(1);
    assertThat(out.get(0).lateEvent).isEqualTo(late);
    assertThat(kept(out.get(0))).isEqualTo(1);
    h.processElement(event("x", T0 + 2 * MINUTE), T0 + 2 * MINUTE);
    h.processWatermark(Long.MAX_VALUE);
    assertThat(h.extractOutputValues().get(1).lateEvent).isNull();
    h.close();
  }
}
