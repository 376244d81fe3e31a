package dev.analytics.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.co.CoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The control topic at submission: its records checked and stamped with the start-up rules before
 * any watermark, and the stamper of the job continuing from them.
 */
class ControlBootstrapTest {
  private static final JobConfig BASE =
      JobConfig.of(Map.of("window.size", "1 min", "watermark.out-of-orderness", "5 s"));
  private static final long T = Instant.parse("2026-12-02T10:00:00Z").toEpochMilli();

  private static ControlRequest request(String key, String value, Long from, long offset) {
    ControlRequest r = ControlRequest.of(key, value, from);
    r.offset = offset;
    return r;
  }

  @Test
  void recordsAtSubmissionApplyFromTheirTimeOrTheStartAndBadOnesAreRefused() {
    ControlBootstrap b =
        ControlBootstrap.of(
            BASE,
            List.of(
                request("sampling.rates.page.view", "0.1", T + 300_000, 0),
                request("window.size", "5 min", null, 1),
                request("sampling.rates.page.view", "1.5", T, 2),
                request("detection.spike-factor", "7", null, 3)),
            Map.of(new TopicPartition("control", 0), 4L));

    assertThat(b.applied)
        .extracting(c -> c.seq + " " + c.key + " " + c.effectiveFrom + " " + c.offset)
        .containsExactly(
            "1 sampling.rates.page.view " + (T + 300_000) + " 0",
            "2 detection.spike-factor " + Long.MIN_VALUE + " 3");
    assertThat(b.refused)
        .extracting(r -> r.offset + " " + r.reason)
        .satisfiesExactly(
            r -> assertThat(r).startsWith("1 ").contains("window.size cannot change"),
            r -> assertThat(r).startsWith("2 ").contains("sampling.rates.page.view"));
    assertThat(b.offsets).containsEntry(new TopicPartition("control", 0), 4L);
  }

  @Test
  void aRecordAnEarlierRunStampedAtItsWatermarkKeepsThatTimeAndNothingElseDoes() {
    ControlRequest stamped = request("detection.spike-factor", "7", null, 0);
    stamped.requestedAt = T;
    ControlRequest fresh = request("detection.spike-factor", "8", null, 1);
    fresh.requestedAt = T + 1;
    // At offset 1 an earlier run applied another record (the topic was created anew since).
    ControlChange earlier = ControlChange.of(1, "detection.spike-factor", "7", T + 120_000);
    earlier.requestedAt = T;
    ControlChange other = ControlChange.of(2, "detection.spike-factor", "8", T + 180_000);
    other.offset = 1;
    other.requestedAt = T - 86_400_000;

    ControlBootstrap b =
        ControlBootstrap.of(
            BASE, List.of(stamped, fresh), Map.of(), List.of(earlier, other), List.of());

    assertThat(b.applied)
        .extracting(c -> c.value + " " + c.effectiveFrom)
        .containsExactly("7 " + (T + 120_000), "8 " + Long.MIN_VALUE);
  }

  @Test
  void aRecordAnEarlierRunRefusedIsRefusedAgainWithItsReason() {
    // Refused live: its effective_from was behind that run's watermark. At a submission there is
    // no watermark yet, and it would apply.
    ControlRequest late = request("sampling.rates.page.view", "0.1", T, 0);
    late.requestedAt = T + 600_000;
    ControlRefusal before = ControlRefusal.of(late, "effective_from is behind the watermark", T);
    ControlRequest other = request("sampling.rates.page.view", "0.2", T, 1);

    ControlBootstrap b =
        ControlBootstrap.of(BASE, List.of(late, other), Map.of(), List.of(), List.of(before));

    assertThat(b.refused)
        .extracting(r -> r.offset + " " + r.reason)
        .containsExactly("0 effective_from is behind the watermark");
    assertThat(b.applied).extracting(c -> c.value).containsExactly("0.2");
  }

  @Test
  void refusalsReadBackAsWritten() {
    ControlRequest r = request("window.size", "5 min", T, 3);
    r.requestedAt = T + 5;
    ControlRefusal back =
        ControlJson.readRefused(ControlJson.refused(ControlRefusal.of(r, "no", T - 1)));
    assertThat(
            List.of(
                back.key,
                back.value,
                back.reason,
                back.watermark,
                back.requestedAt,
                back.partition,
                back.offset))
        .containsExactly("window.size", "5 min", "no", T - 1, T + 5, 0, 3L);
  }

  @Test
  void theJobsStamperContinuesTheHistoryOfTheSubmission() throws Exception {
    ControlBootstrap b =
        ControlBootstrap.of(
            BASE, List.of(request("detection.spike-factor", "7", null, 0)), Map.of());
    try (var h =
        new TwoInputStreamOperatorTestHarness<ControlRequest, AnalyticsEvent, ControlChange>(
            new CoProcessOperator<>(new ControlStamper(BASE, b)))) {
      h.open();
      h.processWatermark1(new Watermark(Long.MAX_VALUE));
      h.processWatermark2(new Watermark(T));
      // The history holds the change of the submission: the next one is number 2.
      h.processElement1(new StreamRecord<>(request("detection.spike-factor", "9", null, 1)));
      assertThat(h.extractOutputValues()).extracting(c -> c.seq).containsExactly(2L);
      assertThat(h.extractOutputValues().get(0).effectiveFrom).isEqualTo(T + 60_000);
    }
  }
}
