package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.WindowAggregate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns a fired window into a {@link WindowAggregate} with its key, bounds, granularity and
 * version.
 *
 * <p>The window's trigger purges on every firing, so each firing hands over only what arrived since
 * the last one: everything for the first firing (version 0), the late events within the allowed
 * lateness for each later one (version +1 each). With allowed lateness, the running total lives in
 * per-window state so each emission reports the whole window; that state is cleared when the window
 * is cleaned up. The contribution of each firing also goes to {@link #PARTIALS} for the next
 * coarser rollup, which therefore counts every event exactly once. Versions are a function of the
 * input, so a replay writes the same rows.
 */
public class WindowResultEmitter
    extends ProcessWindowFunction<WindowAccumulator, WindowAggregate, String, TimeWindow> {
  /** The contribution of each firing, for the next coarser window. */
  public static final OutputTag<PartialAggregate> PARTIALS =
      new OutputTag<>("window-partials", TypeInformation.of(PartialAggregate.class));

  private static final ValueStateDescriptor<Integer> FIRINGS =
      new ValueStateDescriptor<>("window-firings", Integer.class);
  private static final ValueStateDescriptor<WindowAccumulator> TOTAL =
      new ValueStateDescriptor<>("window-total", TypeInformation.of(WindowAccumulator.class));

  private final String granularity;
  private final boolean lateFirings;
  private final boolean emitPartials;
  private transient Counter windowsEmitted;

  /**
   * @param lateFirings whether the window has an allowed lateness (then versions and totals are
   *     kept per window)
   * @param emitPartials whether a coarser rollup consumes {@link #PARTIALS}
   */
  public WindowResultEmitter(String granularity, boolean lateFirings, boolean emitPartials) {
    this.granularity = granularity;
    this.lateFirings = lateFirings;
    this.emitPartials = emitPartials;
  }

  @Override
  public void open(OpenContext openContext) {
    windowsEmitted = getRuntimeContext().getMetricGroup().counter("windowsEmitted");
  }

  @Override
  public void process(
      String key,
      Context ctx,
      Iterable<WindowAccumulator> accumulators,
      Collector<WindowAggregate> out)
      throws Exception {
    WindowAccumulator delta = accumulators.iterator().next();
    if (emitPartials) {
      ctx.output(PARTIALS, new PartialAggregate(key, ctx.window().getStart(), delta));
    }
    WindowAccumulator total = delta;
    int version = 0;
    if (lateFirings) {
      ValueState<Integer> firings = ctx.windowState().getState(FIRINGS);
      ValueState<WindowAccumulator> running = ctx.windowState().getState(TOTAL);
      if (firings.value() != null) {
        version = firings.value() + 1;
        total = running.value().copy().merge(delta);
      }
      firings.update(version);
      running.update(total);
    }

    WindowAggregate agg = new WindowAggregate();
    agg.eventType = AggregationSettings.decodeEventType(key);
    agg.dimensions = AggregationSettings.decodeDimensions(key);
    agg.windowStart = ctx.window().getStart();
    agg.windowEnd = ctx.window().getEnd();
    agg.granularity = granularity;
    agg.version = version;
    total.fillInto(agg);
    out.collect(agg);
    windowsEmitted.inc();
  }

  @Override
  public void clear(Context ctx) {
    if (lateFirings) {
      ctx.windowState().getState(FIRINGS).clear();
      ctx.windowState().getState(TOTAL).clear();
    }
  }
}
