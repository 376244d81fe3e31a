package dev.analytics.pipeline.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.ParsedRecord;
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
        assertThrows(
            InvalidEventException.class,
            () -> BOUNDS.check(NOW + Duration.ofMinutes(10).toMillis() + 1, NOW));
    assertEquals(DeadLetterReason.TIMESTAMP_IN_FUTURE, ahead.reason());
    assertEquals("timestamp", ahead.field());
    assertTrue(ahead.detail().contains("events.max-future-skew (PT10M)"), ahead.detail());
    assertTrue(ahead.detail().contains("2026-06-01T12:10:00.001Z"), ahead.detail());

    InvalidEventException behind =
        assertThrows(
            InvalidEventException.class,
            () -> BOUNDS.check(NOW - Duration.ofDays(1).toMillis() - 1, NOW));
    assertEquals(DeadLetterReason.TIMESTAMP_TOO_OLD, behind.reason());
    assertTrue(behind.detail().contains("events.max-past-age (PT24H)"), behind.detail());
  }

  @Test
  void theDeserializerDeadLettersAnEventAheadOfItsRecordAndKeepsTheArrivalOfOthers() {
    KafkaEventDeserializer d =
        new KafkaEventDeserializer(ParserSettings.DEFAULTS, EventTimeBounds.DEFAULTS, 1024);
    ParsedRecord ahead = d.parse(event(NOW + Duration.ofDays(1).toMillis()), "t", 3, 42, NOW);
    assertEquals(DeadLetterReason.TIMESTAMP_IN_FUTURE, ahead.deadLetter.reason);
    assertEquals(3, ahead.deadLetter.partition);
    assertEquals(42, ahead.deadLetter.offset);
    assertEquals(NOW, ahead.deadLetter.receivedAt);

    ParsedRecord ok = d.parse(event(NOW - 5), "t", 3, 43, NOW);
    assertEquals(NOW, ok.event.receivedAt);
    assertEquals(3, ok.event.sourcePartition);
    assertEquals(43, ok.event.sourceOffset);
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
    assertEquals(List.of(), out.marks, "periodic: nothing until asked");
    periodic.onPeriodicEmit(out);
    assertEquals(List.of(NOW + 200 - 5_000 - 1), out.marks);
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
    assertEquals(List.of(NOW - 1, NOW + 6), out.marks);
  }

  private static ParsedRecord record(long timestamp, long receivedAt) {
    AnalyticsEvent e = new AnalyticsEvent();
    e.eventId = "e";
    e.eventType = "t";
    e.timestamp = timestamp;
    e.receivedAt = receivedAt;
    return ParsedRecord.of(e);
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
