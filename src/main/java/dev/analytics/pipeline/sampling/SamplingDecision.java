package dev.analytics.pipeline.sampling;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * The sampling decision, as pure functions shared by {@link DeterministicSampler}, {@link
 * AdaptiveSampler} and the tests.
 *
 * <p>An event is kept iff {@code hashFraction(eventId) < rate}. The fraction is a fixed function of
 * the event id (the first 64-bit half of MurmurHash3 x64 128 of its UTF-8 bytes, seed 0, top 53
 * bits scaled to [0, 1)), so every replay, every parallel instance and every version of the job
 * keeps exactly the same events; changing this function changes which events are kept and must be
 * treated as a breaking change. Because the fraction does not depend on the rate, the events kept
 * at a rate are a subset of those kept at any higher rate.
 *
 * <p>A kept event carries {@code sampleRate = rate} and {@code weight = 1 / rate}, so a sum of
 * weights (of weighted values) is an unbiased Horvitz-Thompson estimate of the count (sum) of all
 * events. High-priority events are never sampled out: rate 1, weight 1.
 */
public final class SamplingDecision {
  private SamplingDecision() {}

  private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

  /** A uniform-looking number in [0, 1) that depends on the event id alone. */
  public static double hashFraction(String eventId) {
    byte[] bytes = eventId.getBytes(StandardCharsets.UTF_8);
    long h = MurmurHash3.hash128x64(bytes)[0];
    return (h >>> 11) * TWO_POW_MINUS_53;
  }

  /** Whether an event with this id is kept at this rate; rate 1 (or more) keeps without hashing. */
  public static boolean keep(String eventId, double rate) {
    if (rate >= 1.0) {
      return true;
    }
    return hashFraction(eventId) < rate;
  }

  /**
   * Decides on {@code event} at {@code rate} (in (0, 1]). If kept, sets its {@code sampleRate} and
   * {@code weight} and returns true; a high-priority event is always kept with rate 1.
   */
  public static boolean sample(AnalyticsEvent event, double rate) {
    double effective = event.priority == Priority.HIGH ? 1.0 : Math.min(rate, 1.0);
    if (!keep(event.eventId, effective)) {
      return false;
    }
    event.sampleRate = effective;
    event.weight = 1.0 / effective;
    return true;
  }
}
