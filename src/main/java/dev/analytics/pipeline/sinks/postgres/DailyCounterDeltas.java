package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns the emissions of one window (keyed by {@link #windowIdentity}) into daily-counter
 * increments whose sum is the window's final count.
 *
 * <p><b>Takes</b> window aggregates of one granularity, every version of a window. <b>Gives</b> for
 * each emission the increment {@code round(estimatedCount) − round(previous estimatedCount)} (the
 * previous being 0 for version 0) for the bucket (event type, the configured dimensions, UTC day of
 * the window start); nothing when that is 0.
 *
 * <p><b>Guarantees</b>: the increments of a window add up to {@code round(estimatedCount)} of its
 * last version, so a late re-emission adds only what it changed, never the whole window again. The
 * last count is keyed state, consistent with the checkpoint of the sink that adds the increments
 * (exactly-once), and it is cleared by an event-time timer at the window's cleanup time ({@code
 * windowEnd − 1 + allowed lateness}): after it the window operator drops late events, so no later
 * version can come. Rounding each version's estimate to the nearest integer (half up) keeps the
 * counters integral; with sampling rate 1 the estimate is the exact count.
 */
public class DailyCounterDeltas
    extends KeyedProcessFunction<String, WindowAggregate, DailyCounterIncrement> {
  private static final long MILLIS_PER_DAY = 86_400_000L;

  private final List<String> dimensions;
  private final long allowedLatenessMillis;
  private transient ValueState<Long> lastCount;

  /**
   * @param dimensions the dimension columns of the daily counters, in column order
   * @param allowedLatenessMillis the window operator's allowed lateness
   */
  public DailyCounterDeltas(List<String> dimensions, long allowedLatenessMillis) {
    this.dimensions = List.copyOf(dimensions);
    this.allowedLatenessMillis = allowedLatenessMillis;
  }

  /** The key of the state: one window of one aggregation key. */
  public static String windowIdentity(WindowAggregate a) {
    return a.eventType
        + '\u0000'
        + new java.util.TreeMap<>(a.dimensions)
        + '\u0000'
        + a.granularity
        + '\u0000'
        + a.windowStart;
  }

  @Override
  public void open(OpenContext openContext) {
    lastCount =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("daily-counter-last-count", Long.class));
  }

  @Override
  public void processElement(
      WindowAggregate window, Context ctx, Collector<DailyCounterIncrement> out) throws Exception {
    Long previous = lastCount.value();
    long count = Math.round(window.estimatedCount);
    long delta = count - (previous == null ? 0 : previous);
    if (previous == null) {
      ctx.timerService().registerEventTimeTimer(cleanupTime(window));
    }
    lastCount.update(count);
    if (delta == 0) {
      return;
    }
    String[] values = new String[dimensions.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = window.dimensions.getOrDefault(dimensions.get(i), "");
    }
    out.collect(
        new DailyCounterIncrement(
            window.eventType, values, Math.floorDiv(window.windowStart, MILLIS_PER_DAY), delta));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<DailyCounterIncrement> out) {
    lastCount.clear();
  }

  private long cleanupTime(WindowAggregate window) {
    long cleanup = window.windowEnd - 1 + allowedLatenessMillis;
    return cleanup < window.windowEnd ? Long.MAX_VALUE : cleanup;
  }
}
