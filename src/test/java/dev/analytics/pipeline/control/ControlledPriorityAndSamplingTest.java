package dev.analytics.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.priority.PriorityClassifier;
import dev.analytics.pipeline.priority.PriorityRules;
import dev.analytics.pipeline.sampling.DeterministicSampler;
import dev.analytics.pipeline.sampling.SamplingDecision;
import dev.analytics.pipeline.sampling.SamplingRates;
import dev.analytics.pipeline.testing.TestEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Priority and sampling under control changes: each event is judged by the settings of its own
 * event time, whenever the change arrived, and the changes survive a snapshot and restore.
 */
class ControlledPriorityAndSamplingTest {
  private static final JobConfig BASE = JobConfig.of(Map.of());
  private static final long F = 60_000;

  private static TwoInputStreamOperatorTestHarness<AnalyticsEvent, ControlChange, AnalyticsEvent>
      harness(OperatorSubtaskState restore) throws Exception {
    ControlledPriorityAndSampling function =
        new ControlledPriorityAndSampling(
            new PriorityClassifier(PriorityRules.from(BASE), 1024),
            new DeterministicSampler(SamplingRates.from(BASE)),
            BASE,
            List.of());
    var h =
        new TwoInputStreamOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(function, List.of(AppliedChanges.STATE)));
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  private static ControlChange change(long seq, String key, String value, long from) {
    return ControlChange.of(seq, key, value, from);
  }

  /** 2,000 events of type t, half before F, half after. */
  private static List<AnalyticsEvent> events() {
    List<AnalyticsEvent> events = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      events.add(TestEvents.event("t").id("e-" + i).at(i < 1_000 ? F - 1 - i : F + i).build());
    }
    return events;
  }

  private static List<String> expectedIds(double rateAfter) {
    List<String> ids = new ArrayList<>();
    for (AnalyticsEvent e : events()) {
      if (e.timestamp < F || SamplingDecision.keep(e.eventId, rateAfter)) {
        ids.add(e.eventId);
      }
    }
    return ids;
  }

  @Test
  void eachEventIsSampledWithTheRateOfItsEventTimeAndTheChangesSurviveARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(null)) {
      h.processElement2(new StreamRecord<>(change(1, "sampling.rates.t", "0.1", F)));
      for (AnalyticsEvent e : events()) {
        h.processElement1(new StreamRecord<>(e, e.timestamp));
      }
      List<AnalyticsEvent> out = h.extractOutputValues();
      assertThat(out.stream().map(e -> e.eventId).toList()).isEqualTo(expectedIds(0.1));
      assertThat(out.stream().filter(e -> e.timestamp >= F).map(e -> e.sampleRate).distinct())
          .containsExactly(0.1);
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(snapshot)) {
      // No change arrives again: the restored broadcast state holds it.
      for (AnalyticsEvent e : events()) {
        h.processElement1(new StreamRecord<>(e, e.timestamp));
      }
      assertThat(h.extractOutputValues().stream().map(e -> e.eventId).toList())
          .isEqualTo(expectedIds(0.1));
    }
  }

  @Test
  void aChangeOfThePriorityRulesAppliesFromItsTimeOn() throws Exception {
    try (var h = harness(null)) {
      h.processElement2(new StreamRecord<>(change(1, "priority.high.event-types", "checkout*", F)));
      AnalyticsEvent before = TestEvents.event("checkout.done").id("a").at(F - 1).build();
      AnalyticsEvent after = TestEvents.event("checkout.done").id("b").at(F).build();
      h.processElement1(new StreamRecord<>(before, before.timestamp));
      h.processElement1(new StreamRecord<>(after, after.timestamp));
      assertThat(h.extractOutputValues().stream().map(e -> e.priority).toList())
          .containsExactly(Priority.NORMAL, Priority.HIGH);
    }
  }
}
