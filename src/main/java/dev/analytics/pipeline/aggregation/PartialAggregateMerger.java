package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Merges partial accumulators of one key into the accumulator of a window: the window function of
 * pre-aggregated input and of rollups (coarser windows built from finer ones, never from events).
 */
public class PartialAggregateMerger
    implements AggregateFunction<PartialAggregate, WindowAccumulator, WindowAccumulator> {

  @Override
  public WindowAccumulator createAccumulator() {
    return new WindowAccumulator();
  }

  @Override
  public WindowAccumulator add(PartialAggregate partial, WindowAccumulator acc) {
    return acc.merge(partial.accumulator);
  }

  @Override
  public WindowAccumulator getResult(WindowAccumulator acc) {
    return acc;
  }

  @Override
  public WindowAccumulator merge(WindowAccumulator a, WindowAccumulator b) {
    return a.merge(b);
  }
}
