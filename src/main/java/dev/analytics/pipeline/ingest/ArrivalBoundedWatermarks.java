package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.ParsedRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Bounded out-of-orderness watermarks in which no event is trusted beyond its arrival: an event
 * advances its partition's watermark only to {@code min(event time, received at)}, so a client
 * whose clock runs ahead (within {@code events.max-future-skew}, beyond it the event is a dead
 * letter) cannot close windows early for everyone else. Events of unknown arrival count with their
 * event time. Dead letters do not move the watermark.
 *
 * <p>The watermark is {@code max - outOfOrderness - 1}, as in Flink's {@code
 * BoundedOutOfOrdernessWatermarks}. {@code perEvent} emits it right after each event that advances
 * it, instead of on the wall clock's interval: the replay uses it so that which events are late is
 * a function of the file, not of how fast the machine read it.
 */
public final class ArrivalBoundedWatermarks implements WatermarkGenerator<ParsedRecord> {
  private final long outOfOrdernessMillis;
  private final boolean perEvent;
  private long max;

  public ArrivalBoundedWatermarks(Duration outOfOrderness, boolean perEvent) {
    this.outOfOrdernessMillis = outOfOrderness.toMillis();
    this.perEvent = perEvent;
    this.max = Long.MIN_VALUE + outOfOrdernessMillis + 1;
  }

  /**
   * The strategy of these watermarks: timestamps are the parsed events' times; dead letters carry
   * none and do not move the watermark.
   */
  public static WatermarkStrategy<ParsedRecord> strategy(
      Duration outOfOrderness, boolean perEvent) {
    return WatermarkStrategy.<ParsedRecord>forGenerator(
            context -> new ArrivalBoundedWatermarks(outOfOrderness, perEvent))
        .withTimestampAssigner(
            (record, recordTimestamp) ->
                record.isEvent() ? record.event.timestamp : Long.MIN_VALUE);
  }

  /** How far one event may advance the watermark: its time, but never past its arrival. */
  public static long trustedTime(AnalyticsEvent e) {
    return e.receivedAt >= 0 ? Math.min(e.timestamp, e.receivedAt) : e.timestamp;
  }

  @Override
  public void onEvent(ParsedRecord record, long eventTimestamp, WatermarkOutput output) {
    if (!record.isEvent()) {
      return;
    }
    long t = trustedTime(record.event);
    if (t > max) {
      max = t;
      if (perEvent) {
        output.emitWatermark(new Watermark(max - outOfOrdernessMillis - 1));
      }
    }
  }

  @Override
  public void onPeriodicEmit(WatermarkOutput output) {
    if (!perEvent) {
      output.emitWatermark(new Watermark(max - outOfOrdernessMillis - 1));
    }
  }
}
