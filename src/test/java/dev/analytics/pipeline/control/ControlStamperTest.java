package dev.analytics.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The stamper: each change checked as a whole against the changes before it, stamped with the event
 * time it applies from, or refused with its reason; its history survives a restore.
 */
class ControlStamperTest {
  private static final JobConfig BASE =
      JobConfig.of(Map.of("window.size", "1 min", "watermark.out-of-orderness", "5 s"));
  private static final long T = Instant.parse("2026-12-02T10:00:30Z").toEpochMilli();

  private static TwoInputStreamOperatorTestHarness<ControlRequest, AnalyticsEvent, ControlChange>
      harness(OperatorSubtaskState restore) throws Exception {
    var h =
        new TwoInputStreamOperatorTestHarness<>(
            new CoProcessOperator<>(new ControlStamper(BASE, ControlBootstrap.none())));
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    // The control input has no event time: its watermark is the end of time.
    h.processWatermark1(new Watermark(Long.MAX_VALUE));
    return h;
  }

  private static ControlRequest request(String key, String value, Long from, long offset) {
    ControlRequest r = ControlRequest.of(key, value, from);
    r.offset = offset;
    return r;
  }

  private static List<String> refusals(
      TwoInputStreamOperatorTestHarness<ControlRequest, AnalyticsEvent, ControlChange> h) {
    return h.getSideOutput(ControlStamper.REFUSED).stream()
        .map(StreamRecord::getValue)
        .map(r -> r.key + ": " + r.reason)
        .toList();
  }

  @Test
  void beforeAnyWatermarkAChangeAppliesFromTheStart() throws Exception {
    try (var h = harness(null)) {
      h.processElement1(new StreamRecord<>(request("sampling.rates.cache_hit", "0.02", null, 0)));
      List<ControlChange> out = h.extractOutputValues();
      assertThat(out).hasSize(1);
      assertThat(out.get(0).seq).isEqualTo(1);
      assertThat(out.get(0).effectiveFrom).isEqualTo(Long.MIN_VALUE);
    }
  }

  @Test
  void aChangeAppliesFromTheFirstWindowNoEventCanHaveReachedYet() throws Exception {
    try (var h = harness(null)) {
      h.processWatermark2(new Watermark(T));
      h.processElement1(new StreamRecord<>(request("detection.spike-factor", "7", null, 0)));
      ControlChange c = h.extractOutputValues().get(0);
      // watermark 10:00:30 + 5 s out-of-orderness = 10:00:35: the next window starts at 10:01.
      assertThat(Instant.ofEpochMilli(c.effectiveFrom)).isEqualTo("2026-12-02T10:01:00Z");
      assertThat(c.watermark).isEqualTo(T);

      h.processWatermark2(new Watermark(T + 26_000)); // 10:00:56 + 5 s passes 10:01
      h.processElement1(new StreamRecord<>(request("detection.spike-factor", "8", null, 1)));
      assertThat(Instant.ofEpochMilli(h.extractOutputValues().get(1).effectiveFrom))
          .isEqualTo("2026-12-02T10:02:00Z");
    }
  }

  @Test
  void badChangesAreRefusedWholeWithTheirReasonAndChangeNothing() throws Exception {
    try (var h = harness(null)) {
      h.processWatermark2(new Watermark(T));
      h.processElement1(new StreamRecord<>(request("sampling.rates.cache_hit", "2", null, 0)));
      h.processElement1(new StreamRecord<>(request("window.size", "5 min", null, 1)));
      h.processElement1(new StreamRecord<>(request("detection.spike-factor", "7", T - 60_000, 2)));
      h.processElement1(
          new StreamRecord<>(
              ControlJson.request(
                  "sampling.default-rate".getBytes(StandardCharsets.UTF_8),
                  "0.5".getBytes(StandardCharsets.UTF_8),
                  0,
                  3,
                  0)));
      h.processElement1(new StreamRecord<>(request("sampling.default-rate", "0.5", null, 4)));

      assertThat(refusals(h))
          .satisfiesExactly(
              r ->
                  assertThat(r).startsWith("sampling.rates.cache_hit: ").contains("sampling.rates"),
              r -> assertThat(r).contains("window.size cannot change while the job runs"),
              r -> assertThat(r).contains("is not after the watermark 2026-12-02T10:00:30Z"),
              r -> assertThat(r).contains("needs a field 'value'"));
      List<ControlChange> applied = h.extractOutputValues();
      assertThat(applied).hasSize(1);
      assertThat(applied.get(0).seq).as("refusals take no sequence number").isEqualTo(1);
      assertThat(applied.get(0).offset).isEqualTo(4);
    }
  }

  @Test
  void aValueOutsideTheStartUpRulesIsRefusedWithTheRule() throws Exception {
    try (var h = harness(null)) {
      // detection.warmup must lie within [3, detection.history], as at start-up.
      h.processElement1(new StreamRecord<>(request("detection.warmup", "1000", null, 0)));
      assertThat(refusals(h)).singleElement().asString().contains("warmup").contains("history");
      h.processElement1(new StreamRecord<>(request("detection.warmup", "5", null, 1)));
      assertThat(h.extractOutputValues()).hasSize(1);
    }
  }

  @Test
  void theHistoryAndTheWatermarkSurviveARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(null)) {
      h.processWatermark2(new Watermark(T));
      h.processElement1(new StreamRecord<>(request("detection.spike-factor", "7", null, 0)));
      h.processElement1(new StreamRecord<>(request("detection.warmup", "5", null, 1)));
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(snapshot)) {
      // No watermark yet after the restore: the stamper goes on from the one it kept.
      h.processElement1(new StreamRecord<>(request("detection.sigma", "4", null, 2)));
      ControlChange c = h.extractOutputValues().get(0);
      assertThat(c.seq).isEqualTo(3);
      assertThat(Instant.ofEpochMilli(c.effectiveFrom)).isEqualTo("2026-12-02T10:01:00Z");
    }
  }
}
