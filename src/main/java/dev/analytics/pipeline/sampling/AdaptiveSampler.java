package dev.analytics.pipeline.sampling;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Adaptive sampling (sampling.mode=adaptive), keyed by event type: the rate of each tumbling
 * event-time window is derived from the volume of the previous window, so that a type keeps about
 * {@code maxEventsPerSecond} events per second of event time, never more than its fixed rate.
 *
 * <p>For window {@code w} (same size and alignment as the aggregation windows) the rate is
 *
 * <pre>
 *   rate(w) = min(fixedRate(type), 1, maxEventsPerSecond * windowSeconds / count(w - 1))
 *   rate(w) = fixedRate(type)                       when window w - 1 saw no event
 * </pre>
 *
 * where {@code count(w - 1)} counts every on-time event of the type in {@code w - 1}, before
 * sampling and high-priority events included. An event is then kept with the same hash test as
 * {@link DeterministicSampler} ({@link SamplingDecision}), with {@code sampleRate = rate(w)} and
 * {@code weight = 1 / rate(w)}. High-priority events are counted but never sampled out; they leave
 * at once with rate 1, weight 1.
 *
 * <h2>Determinism</h2>
 *
 * An event of window {@code w} is decided only once the watermark has closed {@code w - 1} (the
 * watermark reached {@code start(w) - 1}, the instant Flink fires window {@code w - 1}), because
 * only then is {@code count(w - 1)} final. Events of {@code w} that arrive earlier are buffered in
 * keyed state and released by an event-time timer at {@code start(w) - 1}; events whose previous
 * window is already closed are decided at once. Either way the decision is the same function of
 * (event id, fixed rate, {@code count(w - 1)}), so it does not depend on the order in which the
 * events arrive, on when watermarks come, on the parallelism, or on a restart from a checkpoint.
 * <b>Limit:</b> an event that is late (its timestamp is at or behind the watermark when it arrives)
 * is not counted, because the rate of the next window may already be in use; which events are late
 * depends on watermark progress, which can differ between runs (source interleaving, idleness). A
 * late event is decided with the rate of its window if that is still kept (until the watermark
 * closes the following window), else with the fixed rate. So the guarantee is exact when no event
 * is later than the watermark's out-of-orderness bound.
 *
 * <h2>Timestamps of released events</h2>
 *
 * Buffered events leave from {@code onTimer}, where Flink's collector would stamp them with the
 * timer time {@code start(w) - 1}, i.e. in window {@code w - 1}. Each released event is instead
 * emitted with its own event time (the {@link AnalyticsEvent#timestamp} field, from which the
 * pipeline assigns record timestamps) through the {@link TimestampedCollector} the operator passes.
 * Its timestamp is never behind the watermark already emitted downstream (that watermark is below
 * {@code start(w) - 1} when the timer fires, and the records precede the next watermark), so
 * downstream windows of any size place it in its own window, never as late data.
 *
 * <h2>State</h2>
 *
 * Per type: {@value #COUNTS_STATE} (window start to on-time count, removed when the window closes),
 * {@value #RATES_STATE} (window start to adaptive rate, removed when the window after it closes),
 * {@value #PENDING_STATE} (events waiting for the previous window to close) and {@value
 * #CLOSED_THROUGH_STATE} (the last window boundary this key's timers passed: after a restore the
 * operator's watermark starts from scratch, and without it a late event arriving before the first
 * watermark would be counted into a closed window and change a rate already in use). Every entry is
 * removed by an event-time timer; a type that stops sending leaves no state or timer behind after
 * two more windows of watermark progress.
 *
 * <p>Metrics (operator group): counters {@code sampledKept}, {@code sampledOut} and {@code
 * lateEvents}.
 */
public class AdaptiveSampler extends KeyedProcessFunction<String, AnalyticsEvent, AnalyticsEvent>
    implements RunTimeSettings {
  private static final long serialVersionUID = 1L;

  public static final String COUNTS_STATE = "adaptive-sampler-window-counts";
  public static final String RATES_STATE = "adaptive-sampler-window-rates";
  public static final String PENDING_STATE = "adaptive-sampler-pending-events";
  public static final String CLOSED_THROUGH_STATE = "adaptive-sampler-closed-through";

  private Versioned<SamplingRates> rates;
  private Versioned<Double> maxEventsPerSecond;
  private final long windowMillis;

  private transient MapState<Long, Long> counts;
  private transient MapState<Long, Double> windowRates;
  private transient ListState<AnalyticsEvent> pending;
  private transient ValueState<Long> closedThrough;

  private transient Counter sampledKept;
  private transient Counter sampledOut;
  private transient Counter lateEvents;

  /**
   * @param rates fixed rates per type: the upper bound of every adaptive rate
   * @param maxEventsPerSecond target of kept events per second of event time, per type (> 0)
   * @param windowSize size of the tumbling windows (the aggregation windows, window.size)
   */
  public AdaptiveSampler(SamplingRates rates, double maxEventsPerSecond, Duration windowSize) {
    if (!(maxEventsPerSecond > 0.0) || Double.isInfinite(maxEventsPerSecond)) {
      throw new IllegalArgumentException(
          "maxEventsPerSecond must be positive and finite, got " + maxEventsPerSecond);
    }
    if (windowSize.isNegative() || windowSize.toMillis() < 1) {
      throw new IllegalArgumentException("windowSize must be at least 1 ms, got " + windowSize);
    }
    this.rates = Versioned.fixed(rates);
    this.maxEventsPerSecond = Versioned.fixed(maxEventsPerSecond);
    this.windowMillis = windowSize.toMillis();
  }

  /** The fixed rates and the target by the start of the window they apply to. */
  @Override
  public void configure(Versioned<JobConfig> configs) {
    rates = configs.map(SamplingRates::from);
    maxEventsPerSecond =
        configs.map(c -> c.get(SamplingOptions.SAMPLING_ADAPTIVE_MAX_EVENTS_PER_SECOND));
  }

  @Override
  public void open(OpenContext openContext) {
    counts =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>(COUNTS_STATE, Types.LONG, Types.LONG));
    windowRates =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>(RATES_STATE, Types.LONG, Types.DOUBLE));
    pending =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>(PENDING_STATE, TypeInformation.of(AnalyticsEvent.class)));
    closedThrough =
        getRuntimeContext().getState(new ValueStateDescriptor<>(CLOSED_THROUGH_STATE, Types.LONG));
    sampledKept = getRuntimeContext().getMetricGroup().counter("sampledKept");
    sampledOut = getRuntimeContext().getMetricGroup().counter("sampledOut");
    lateEvents = getRuntimeContext().getMetricGroup().counter("lateEvents");
  }

  @Override
  public void processElement(AnalyticsEvent event, Context ctx, Collector<AnalyticsEvent> out)
      throws Exception {
    long watermark = effectiveWatermark(ctx.timerService().currentWatermark());
    long start = windowStart(event.timestamp);
    long windowLast = start + windowMillis - 1;

    if (windowLast > watermark) {
      Long count = counts.get(start);
      if (count == null) {
        // Closing this window fixes the rate of the next one.
        ctx.timerService().registerEventTimeTimer(windowLast);
      }
      counts.put(start, count == null ? 1L : count + 1);
    } else {
      lateEvents.inc();
    }

    if (event.priority == Priority.HIGH) {
      decide(event, 1.0, out);
    } else if (watermark >= start - 1) {
      // The previous window is closed: its count, hence this window's rate, is final.
      decide(event, rateOf(start, ctx.getCurrentKey()), out);
    } else {
      pending.add(event);
      ctx.timerService().registerEventTimeTimer(start - 1);
    }
  }

  /** Fires at {@code start(w) - 1}: window {@code w - 1} is closed, window {@code w} decidable. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsEvent> out)
      throws Exception {
    long next = timestamp + 1;
    long closed = next - windowMillis;
    String type = ctx.getCurrentKey();
    Long closedBefore = closedThrough.value();
    if (closedBefore == null || closedBefore < timestamp) {
      closedThrough.update(timestamp);
    }

    Long count = counts.get(closed);
    if (count != null) {
      windowRates.put(
          next, adaptiveRate(rates.at(next).rateFor(type), count, maxEventsPerSecond.at(next)));
      counts.remove(closed);
    }

    boolean stillPending = releasePending(next, type, out);

    // Keep the rate of the window that just closed for its late events, drop older ones. (Not
    // through the iterator: the heap backend keeps an emptied map alive then, remove() does not.)
    List<Long> expired = new ArrayList<>();
    for (Long window : windowRates.keys()) {
      if (window < closed) {
        expired.add(window);
      }
    }
    for (Long window : expired) {
      windowRates.remove(window);
    }
    if (!windowRates.isEmpty()) {
      ctx.timerService().registerEventTimeTimer(next + windowMillis - 1);
    } else if (!stillPending && counts.isEmpty()) {
      closedThrough.clear();
    }
  }

  /**
   * The watermark as this key knows it: after a restore the operator's watermark starts again from
   * the beginning, but the windows this key closed before stay closed.
   */
  private long effectiveWatermark(long watermark) throws Exception {
    Long closed = closedThrough.value();
    return closed == null ? watermark : Math.max(watermark, closed);
  }

  /**
   * Emits, with their own timestamps, the buffered events of windows up to {@code upTo}; returns
   * whether events of later windows are still buffered.
   */
  private boolean releasePending(long upTo, String type, Collector<AnalyticsEvent> out)
      throws Exception {
    List<AnalyticsEvent> waiting = new ArrayList<>();
    boolean any = false;
    for (AnalyticsEvent event : pending.get()) {
      any = true;
      long start = windowStart(event.timestamp);
      if (start <= upTo) {
        timestamped(out).setAbsoluteTimestamp(event.timestamp);
        decide(event, rateOf(start, type), out);
      } else {
        waiting.add(event);
      }
    }
    if (!any) {
      return false;
    }
    if (waiting.isEmpty()) {
      pending.clear();
      return false;
    }
    pending.update(waiting);
    return true;
  }

  private void decide(AnalyticsEvent event, double rate, Collector<AnalyticsEvent> out) {
    if (SamplingDecision.sample(event, rate)) {
      sampledKept.inc();
      out.collect(event);
    } else {
      sampledOut.inc();
    }
  }

  /** The rate of the window starting at {@code start}: adaptive if known, else fixed. */
  private double rateOf(long start, String type) throws Exception {
    Double rate = windowRates.get(start);
    return rate != null ? rate : rates.at(start).rateFor(type);
  }

  /** The rate of a window whose predecessor counted {@code previousCount} (> 0) events. */
  double adaptiveRate(double fixedRate, long previousCount) {
    return adaptiveRate(fixedRate, previousCount, maxEventsPerSecond.latest());
  }

  private double adaptiveRate(double fixedRate, long previousCount, double maxEventsPerSecond) {
    double target = maxEventsPerSecond * (windowMillis / 1000.0) / previousCount;
    return Math.min(fixedRate, Math.min(1.0, target));
  }

  private long windowStart(long timestamp) {
    return TimeWindow.getWindowStartWithOffset(timestamp, 0, windowMillis);
  }

  @SuppressWarnings("unchecked")
  private static TimestampedCollector<AnalyticsEvent> timestamped(Collector<AnalyticsEvent> out) {
    if (out instanceof TimestampedCollector<?> collector) {
      return (TimestampedCollector<AnalyticsEvent>) collector;
    }
    // Emitting with the timer's timestamp would put the event in the previous window: refuse.
    throw new IllegalStateException(
        "AdaptiveSampler must run in Flink's KeyedProcessOperator (TimestampedCollector), got "
            + out.getClass().getName());
  }
}
