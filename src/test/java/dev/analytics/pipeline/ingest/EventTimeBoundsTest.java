package dev.analytics.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.testing.TestEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/** Event time judged against arrival, and watermarks that trust no event beyond its arrival. */
class EventTimeBoundsTest {
  private static final long NOW = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();
  private static final EventTimeBounds BOUNDS =
      new EventTimeBounds(Duration.ofMinutes(10).toMillis(), Duration.ofDays(1).toMillis());

  @Test
  void acceptsTimesWithinTheBoundsInclusive() throws Exception {
    BOUNDS.check(NOW, NOW);
    BOUNDS.check(NOW + Duration.ofMinutes(10).toMillis(), NOW);
    BOUNDS.check(NOW - Duration.ofDays(1).toMillis(), NOW);
    // Unknown arrival: nothing to judge against.
    BOUNDS.check(NOW + Duration.ofDays(3650).toMillis(), -1);
    // No past bound.
    new EventTimeBounds(0, 0).check(0, NOW);
  }

  @Test
  void refusesTimesBeyondTheBoundsNamingThem() {
    InvalidEventException ahead =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> BOUNDS.check(NOW + Duration.ofMinutes(10).toMillis() + 1, NOW))
            .actual();
    assertThat(ahead.reason()).isEqualTo(DeadLetterReason.TIMESTAMP_IN_FUTURE);
    assertThat(ahead.field()).isEqualTo("timestamp");
    assertThat(ahead.detail().contains("events.max-future-skew (PT10M)"))
        .as(ahead.detail())
        .isTrue();
    assertThat(ahead.detail().contains("2026-06-01T12:10:00.001Z")).as(ahead.detail()).isTrue();

    InvalidEventException behind =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> BOUNDS.check(NOW - Duration.ofDays(1).toMillis() - 1, NOW))
            .actual();
    assertThat(behind.reason()).isEqualTo(DeadLetterReason.TIMESTAMP_TOO_OLD);
    assertThat(behind.detail().contains("events.max-past-age (PT24H)"))
        .as(behind.detail())
        .isTrue();
  }

  @Test
  void theDeserializerDeadLettersAnEventAheadOfItsRecordAndKeepsTheArrivalOfOthers() {
    KafkaEventDeserializer d =
        new KafkaEventDeserializer(ParserSettings.DEFAULTS, EventTimeBounds.DEFAULTS, 1024);
    ParsedRecord ahead = d.parse(event(NOW + Duration.ofDays(1).toMillis()), "t", 3, 42, NOW);
    assertThat(ahead.deadLetter.reason).isEqualTo(DeadLetterReason.TIMESTAMP_IN_FUTURE);
    assertThat(ahead.deadLetter.partition).isEqualTo(3);
    assertThat(ahead.deadLetter.offset).isEqualTo(42);
    assertThat(ahead.deadLetter.receivedAt).isEqualTo(NOW);

    ParsedRecord ok = d.parse(event(NOW - 5), "t", 3, 43, NOW);
    assertThat(ok.event.receivedAt).isEqualTo(NOW);
    assertThat(ok.event.sourcePartition).isEqualTo(3);
    assertThat(ok.event.sourceOffset).isEqualTo(43);
  }

  @Test
  void anEventAdvancesTheWatermarkOnlyToItsArrival() {
    ArrivalBoundedWatermarks periodic = new ArrivalBoundedWatermarks(Duration.ofSeconds(5), false);
    Output out = new Output();
    periodic.onEvent(record(NOW, NOW + 100), NOW, out);
    // Five minutes ahead: within the skew, so accepted, but trusted only up to its arrival.
    periodic.onEvent(record(NOW + 300_000, NOW + 200), NOW + 300_000, out);
    // Unknown arrival: its own time.
    periodic.onEvent(record(NOW + 150, -1), NOW + 150, out);
    assertThat(out.marks).as("periodic: nothing until asked").isEqualTo(List.of());
    periodic.onPeriodicEmit(out);
    assertThat(out.marks).isEqualTo(List.of(NOW + 200 - 5_000 - 1));
  }

  @Test
  void perEventWatermarksFollowEveryEventThatAdvancesThem() {
    ArrivalBoundedWatermarks perEvent = new ArrivalBoundedWatermarks(Duration.ZERO, true);
    Output out = new Output();
    perEvent.onEvent(record(NOW, NOW), NOW, out);
    perEvent.onEvent(record(NOW - 10, NOW), NOW - 10, out);
    perEvent.onEvent(record(NOW + 7, NOW + 9), NOW + 7, out);
    perEvent.onEvent(ParsedRecord.of(new dev.analytics.pipeline.model.DeadLetter()), 0, out);
    perEvent.onPeriodicEmit(out);
    assertThat(out.marks).isEqualTo(List.of(NOW - 1, NOW + 6));
  }

  private static ParsedRecord record(long timestamp, long receivedAt) {
    return ParsedRecord.of(
        TestEvents.event("t").id("e").at(timestamp).receivedAt(receivedAt).build());
  }

  private static byte[] event(long timestamp) {
    return ("{\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":" + timestamp + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static final class Output implements WatermarkOutput {
    final List<Long> marks = new ArrayList<>();

    @Override
    public void emitWatermark(Watermark watermark) {
      marks.add(watermark.getTimestamp());
    }

    @Override
    public void markIdle() {}

    @Override
    public void markActive() {}
  }
}
