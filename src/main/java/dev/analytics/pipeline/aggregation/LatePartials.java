package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.model.AnalyticsEvent;

/** The event inside a partial accumulator rejected as late. */
public final class LatePartials {
  private LatePartials() {}

  /**
   * @throws IllegalStateException for a partial that carries no event: pre-aggregation sends
   *     multi-event partials before the watermark closing their window, so one arriving late means
   *     an ordering bug, and failing loudly beats losing its events silently.
   */
  public static AnalyticsEvent event(PartialAggregate p) {
    if (p.lateEvent == null) {
      throw new IllegalStateException(
          "A partial accumulator of "
              + p.key
              + " @"
              + p.windowStart
              + " arrived late: pre-aggregation sent it after the watermark closing its window");
    }
    return p.lateEvent;
  }
}
