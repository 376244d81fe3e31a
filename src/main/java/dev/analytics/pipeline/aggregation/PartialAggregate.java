package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.AnalyticsEvent;

/**
 * A partial accumulator of one aggregation key and window: what pre-aggregation sends before the
 * shuffle, and what a window sends to the next coarser rollup (the contribution of one firing). A
 * Flink POJO.
 */
public class PartialAggregate {
  /** The aggregation key (see {@code AggregationSettings}). */
  public String key;

  /** Start of the window the accumulator covers. */
  public long windowStart;

  public WindowAccumulator accumulator;

  /**
   * Set only when pre-aggregation forwards a single event that was already late where it was seen,
   * so that the event itself can become a dead letter if the window rejects it too.
   */
  public AnalyticsEvent lateEvent;

  public PartialAggregate() {}

  public PartialAggregate(String key, long windowStart, WindowAccumulator accumulator) {
    this.key = key;
    this.windowStart = windowStart;
    this.accumulator = accumulator;
  }
}
