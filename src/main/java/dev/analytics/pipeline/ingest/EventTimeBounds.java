package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.DeadLetterReason;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * Judges the time an event claims against when its record reached us: client clocks are often hours
 * or days off, so an event far ahead of its arrival is a dead letter ({@code timestamp_in_future})
 * rather than a jump of the watermark, and, where configured, one far behind is one too ({@code
 * timestamp_too_old}).
 *
 * @param maxFutureSkewMillis greatest accepted {@code timestamp - receivedAt}
 * @param maxPastAgeMillis greatest accepted {@code receivedAt - timestamp}; 0: no bound
 */
public record EventTimeBounds(long maxFutureSkewMillis, long maxPastAgeMillis)
    implements Serializable {

  public static final EventTimeBounds DEFAULTS =
      new EventTimeBounds(Duration.ofMinutes(10).toMillis(), 0);

  public static EventTimeBounds from(JobConfig config) {
    return new EventTimeBounds(
        config.get(EventOptions.EVENTS_MAX_FUTURE_SKEW).toMillis(),
        config.get(EventOptions.EVENTS_MAX_PAST_AGE).toMillis());
  }

  /**
   * Throws when {@code eventTime} is too far from {@code receivedAt}; a negative {@code receivedAt}
   * (unknown) accepts every time.
   */
  public void check(long eventTime, long receivedAt) throws InvalidEventException {
    if (receivedAt < 0) {
      return;
    }
    // Both are epoch ms within [1970, 2106]: the differences cannot overflow.
    long ahead = eventTime - receivedAt;
    if (ahead > maxFutureSkewMillis) {
      throw new InvalidEventException(
          DeadLetterReason.TIMESTAMP_IN_FUTURE,
          "timestamp",
          "event time "
              + Instant.ofEpochMilli(eventTime)
              + " is "
              + Duration.ofMillis(ahead)
              + " after the record reached us at "
              + Instant.ofEpochMilli(receivedAt)
              + ", more than events.max-future-skew ("
              + Duration.ofMillis(maxFutureSkewMillis)
              + "): the client's clock is ahead");
    }
    if (maxPastAgeMillis > 0 && -ahead > maxPastAgeMillis) {
      throw new InvalidEventException(
          DeadLetterReason.TIMESTAMP_TOO_OLD,
          "timestamp",
          "event time "
              + Instant.ofEpochMilli(eventTime)
              + " is "
              + Duration.ofMillis(-ahead)
              + " before the record reached us at "
              + Instant.ofEpochMilli(receivedAt)
              + ", more than events.max-past-age ("
              + Duration.ofMillis(maxPastAgeMillis)
              + ")");
    }
  }
}
