package dev.analytics.pipeline.functions;

import dev.analytics.pipeline.model.WindowAggregate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns the accumulator of a fired window into a {@link WindowAggregate} with its key, bounds,
 * granularity and version. The first firing is version 0; every late firing within the allowed
 * lateness adds one (kept in per-window state, cleared when the window is purged), so versions are
 * a function of the input.
 */
public class WindowResultEmitter
    extends ProcessWindowFunction<WindowAccumulator, WindowAggregate, String, TimeWindow> {
  private static final ValueStateDescriptor<Integer> FIRINGS =
      new ValueStateDescriptor<>("window-firings", Integer.class);

  private final String granularity;
  private transient Counter windowsEmitted;

  public WindowResultEmitter(String granularity) {
    this.granularity = granularity;
  }

  @Override
  public void open(OpenContext openContext) {
    windowsEmitted = getRuntimeContext().getMetricGroup().counter("windowsEmitted");
  }

  @Override
  public void process(
      String eventType,
      Context ctx,
      Iterable<WindowAccumulator> accumulators,
      Collector<WindowAggregate> out)
      throws Exception {
    WindowAccumulator acc = accumulators.iterator().next();
    ValueState<Integer> firings = ctx.windowState().getState(FIRINGS);
    int version = firings.value() == null ? 0 : firings.value() + 1;
    firings.update(version);

    WindowAggregate agg = new WindowAggregate();
    agg.eventType = eventType;
    agg.windowStart = ctx.window().getStart();
    agg.windowEnd = ctx.window().getEnd();
    agg.granularity = granularity;
    agg.version = version;
    acc.fillInto(agg);
    out.collect(agg);
    windowsEmitted.inc();
  }

  @Override
  public void clear(Context ctx) {
    ctx.windowState().getState(FIRINGS).clear();
  }
}
