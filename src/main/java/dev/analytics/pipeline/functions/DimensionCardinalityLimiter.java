package dev.analytics.pipeline.functions;

import dev.analytics.pipeline.model.AnalyticsEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Caps the distinct dimension combinations of one event type (the key of this function) per window
 * at {@code aggregation.max-keys-per-type}: the events of further combinations go on with every key
 * dimension set to {@code __other__}, and are counted ({@code dimensionOverflow}). A buggy or
 * hostile client cannot make window state grow without bound; totals over all buckets stay exact.
 *
 * <p>State per event type: the admitted combinations of each open window and their count, cleared
 * by an event-time timer when the window's allowed lateness has passed. Which combinations are
 * admitted first follows arrival order: when the cap is exceeded, the split between named buckets
 * and {@code __other__} can differ between runs whose Kafka partitions interleave differently.
 * Events already beyond the allowed lateness pass unchanged (the window sends them to the dead
 * letters as late).
 */
public class DimensionCardinalityLimiter
    extends KeyedProcessFunction<String, AnalyticsEvent, AnalyticsEvent> {
  private static final MapStateDescriptor<String, Boolean> ADMITTED =
      new MapStateDescriptor<>("cardinality-admitted", String.class, Boolean.class);
  private static final MapStateDescriptor<Long, Integer> COUNTS =
      new MapStateDescriptor<>("cardinality-counts", Long.class, Integer.class);

  private final AggregationSettings settings;
  private transient MapState<String, Boolean> admitted;
  private transient MapState<Long, Integer> counts;
  private transient Counter overflow;

  public DimensionCardinalityLimiter(AggregationSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open(OpenContext openContext) {
    admitted = getRuntimeContext().getMapState(ADMITTED);
    counts = getRuntimeContext().getMapState(COUNTS);
    overflow = getRuntimeContext().getMetricGroup().counter("dimensionOverflow");
  }

  @Override
  public void processElement(AnalyticsEvent e, Context ctx, Collector<AnalyticsEvent> out)
      throws Exception {
    List<String> dims = settings.dimensionsOf(e.eventType);
    long start = settings.windowStart(e.timestamp);
    long cleanup = start + settings.windowMillis() - 1 + settings.allowedLatenessMillis();
    if (dims.isEmpty() || cleanup <= ctx.timerService().currentWatermark()) {
      out.collect(e);
      return;
    }
    String combo = start + "/" + settings.keyOf(e);
    if (admitted.contains(combo)) {
      out.collect(e);
      return;
    }
    Integer count = counts.get(start);
    int n = count == null ? 0 : count;
    if (n < settings.maxKeysPerType()) {
      admitted.put(combo, Boolean.TRUE);
      counts.put(start, n + 1);
      if (n == 0) {
        ctx.timerService().registerEventTimeTimer(cleanup);
      }
      out.collect(e);
      return;
    }
    overflow.inc();
    out.collect(folded(e, dims));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsEvent> out)
      throws Exception {
    long start = timestamp + 1 - settings.allowedLatenessMillis() - settings.windowMillis();
    counts.remove(start);
    String prefix = start + "/";
    List<String> expired = new ArrayList<>();
    for (Iterator<String> it = admitted.keys().iterator(); it.hasNext(); ) {
      String k = it.next();
      if (k.startsWith(prefix)) {
        expired.add(k);
      }
    }
    for (String k : expired) {
      admitted.remove(k);
    }
  }

  /** A copy of the event whose key dimensions all read {@code __other__}. */
  private static AnalyticsEvent folded(AnalyticsEvent e, List<String> dims) {
    AnalyticsEvent copy = new AnalyticsEvent();
    copy.eventId = e.eventId;
    copy.eventType = e.eventType;
    copy.timestamp = e.timestamp;
    copy.value = e.value;
    copy.hasValue = e.hasValue;
    copy.category = e.category;
    copy.priority = e.priority;
    copy.userId = e.userId;
    copy.tenantId = e.tenantId;
    copy.properties = e.properties;
    copy.weight = e.weight;
    copy.sampleRate = e.sampleRate;
    Map<String, String> d = new HashMap<>(e.dimensions);
    for (String dim : dims) {
      d.put(dim, AggregationSettings.OTHER);
    }
    copy.dimensions = d;
    return copy;
  }
}
