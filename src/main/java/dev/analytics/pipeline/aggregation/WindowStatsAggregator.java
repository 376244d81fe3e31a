package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Folds the kept events of one key and window into a {@link WindowAccumulator}, one event at a
 * time: window state never grows with the number of events. The result is the accumulator itself;
 * {@link WindowResultEmitter} turns it into a row.
 */
public class WindowStatsAggregator
    implements AggregateFunction<AnalyticsEvent, WindowAccumulator, WindowAccumulator> {

  @Override
  public WindowAccumulator createAccumulator() {
    return new WindowAccumulator();
  }

  @Override
  public WindowAccumulator add(AnalyticsEvent event, WindowAccumulator acc) {
    acc.add(event);
    return acc;
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
