package dev.analytics.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.sinks.clickhouse.BatchBounds;
import dev.analytics.pipeline.testing.TestEvents;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * The row bounds of the high-priority events' inserts under control changes: new bounds for the
 * writer after each change that moves them, and again after a restore, before the first event.
 */
class ControlledBatchBoundsTest {
  private static final JobConfig BASE =
      JobConfig.of(
          Map.of(
              "clickhouse.url", "http://localhost:8123",
              "clickhouse.events.batch.min-rows", "100",
              "clickhouse.events.batch.max-rows", "1000"));

  private static TwoInputStreamOperatorTestHarness<
          AnalyticsEvent, ControlChange, Either<AnalyticsEvent, BatchBounds>>
      harness(OperatorSubtaskState restore) throws Exception {
    var h =
        new TwoInputStreamOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(
                new ControlledBatchBounds(BASE, List.of()), List.of(AppliedChanges.STATE)));
    h.setup(
        Types.EITHER(
                TypeInformation.of(AnalyticsEvent.class), TypeInformation.of(BatchBounds.class))
            .createSerializer(new SerializerConfigImpl()));
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  private static ControlChange change(long seq, String key, String value) {
    return ControlChange.of(seq, key, value, Long.MIN_VALUE);
  }

  private static List<String> outputs(
      TwoInputStreamOperatorTestHarness<
              AnalyticsEvent, ControlChange, Either<AnalyticsEvent, BatchBounds>>
          h) {
    return h.extractOutputValues().stream()
        .map(e -> e.isLeft() ? "event " + e.left().eventId : e.right().toString())
        .toList();
  }

  @Test
  void newBoundsGoToTheWriterAfterEachChangeAndAfterARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(null)) {
      h.processElement1(new StreamRecord<>(TestEvents.event("api.error").id("a").at(1).build()));
      h.processElement2(new StreamRecord<>(change(1, "clickhouse.events.batch.max-rows", "500")));
      h.processElement2(new StreamRecord<>(change(2, "detection.spike-factor", "4")));
      h.processElement2(new StreamRecord<>(change(3, "clickhouse.events.batch.min-rows", "10")));
      h.processElement1(new StreamRecord<>(TestEvents.event("api.error").id("b").at(2).build()));
      assertThat(outputs(h))
          .containsExactly("event a", "BatchBounds[100..500]", "BatchBounds[10..500]", "event b");
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(snapshot)) {
      h.processElement1(new StreamRecord<>(TestEvents.event("api.error").id("c").at(3).build()));
      assertThat(outputs(h)).containsExactly("BatchBounds[10..500]", "event c");
    }
  }

  @Test
  void boundsCannotChangeWhereTheInsertsHaveNone() {
    JobConfig noClickHouse = JobConfig.of(Map.of());
    assertThat(
            RunTimeKeys.problem(
                noClickHouse,
                noClickHouse.with(Map.of("clickhouse.events.batch.max-rows", "600"), "x")))
        .contains("no row bounds to change");
    JobConfig byCheckpoint =
        JobConfig.of(
            Map.of(
                "clickhouse.url",
                "http://localhost:8123",
                "clickhouse.events.batch.strategy",
                "checkpoint"));
    assertThat(
            RunTimeKeys.problem(
                byCheckpoint,
                byCheckpoint.with(Map.of("clickhouse.events.batch.max-rows", "600"), "x")))
        .contains("no row bounds to change");
    assertThat(
            RunTimeKeys.problem(
                BASE, BASE.with(Map.of("clickhouse.events.batch.max-rows", "600"), "x")))
        .isNull();
  }
}
