package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Caps the event types, and the dimension combinations of each type, that are active at once: at
 * most {@code aggregation.max-event-types} types and {@code aggregation.max-keys-per-type}
 * combinations per type. An event of a type beyond the cap goes on as type {@code __other__}
 * without dimensions ({@code eventTypeOverflow}); one of a combination beyond the cap goes on with
 * every key dimension set to {@code __other__} ({@code dimensionOverflow}). A type or combination
 * stays active until {@code idle} (the detector's {@code ttl-windows}) has passed without events,
 * so the keys of the windows, of the rollups and of the detector (which forgets a key after the
 * same time) are bounded together: a buggy or hostile client that puts a user id into {@code
 * event_type} or a dimension cannot make state, heap or the sinks' rows grow without bound. Totals
 * over all buckets stay exact; nothing is dropped.
 *
 * <p>The key of this function is one of {@value #SHARDS} shards of the event type's hash ({@link
 * #shardOf}), so that types can be counted without one subtask seeing every event: each shard
 * admits {@code ceil(max-event-types / SHARDS)} types, which allows the cap in total and, for real
 * type counts well below it (a quarter, say), admits every type. State per shard: the active types
 * and combinations with the window they were last seen in, the count of each, and a sweep timer per
 * window that removes what has been idle. Which types and combinations are admitted first follows
 * arrival order: when a cap is exceeded, the split between named buckets and {@code __other__} can
 * differ between runs whose Kafka partitions interleave differently. Events already beyond their
 * window's allowed lateness pass unchanged (the window dead-letters them as late).
 */
public class CardinalityLimiter extends KeyedProcessFunction<String, AnalyticsEvent, AnalyticsEvent>
    implements RunTimeSettings {
  /** Shards of the event-type hash: the keys of this function. */
  public static final int SHARDS = 256;

  private static final MapStateDescriptor<String, Long> TYPES =
      new MapStateDescriptor<>("cardinality-active-types", String.class, Long.class);
  private static final MapStateDescriptor<String, Long> COMBOS =
      new MapStateDescriptor<>("cardinality-active-combinations", String.class, Long.class);
  private static final MapStateDescriptor<String, Integer> COMBO_COUNTS =
      new MapStateDescriptor<>("cardinality-combinations-per-type", String.class, Integer.class);
  private static final ValueStateDescriptor<Integer> TYPE_COUNT =
      new ValueStateDescriptor<>("cardinality-type-count", Integer.class);

  // The per-window state of the version before types were capped (keyed by event type), cleared
  // by its own timers after an upgrade from a savepoint.
  private static final MapStateDescriptor<String, Boolean> LEGACY_ADMITTED =
      new MapStateDescriptor<>("cardinality-admitted", String.class, Boolean.class);
  private static final MapStateDescriptor<Long, Integer> LEGACY_COUNTS =
      new MapStateDescriptor<>("cardinality-counts", Long.class, Integer.class);

  private final AggregationSettings settings;
  private final long idleMillis;
  private Versioned<Caps> caps;
  private transient MapState<String, Long> types;
  private transient MapState<String, Long> combos;
  private transient MapState<String, Integer> comboCounts;
  private transient ValueState<Integer> typeCount;
  private transient MapState<String, Boolean> legacyAdmitted;
  private transient MapState<Long, Integer> legacyCounts;
  private transient Counter overflow;
  private transient Counter typeOverflow;

  /**
   * @param idle how long a type or combination stays active without events
   */
  public CardinalityLimiter(AggregationSettings settings, Duration idle) {
    this.settings = settings;
    this.idleMillis = idle.toMillis();
    this.caps = Versioned.fixed(Caps.of(settings));
  }

  /** The caps of one version of the configuration: types per shard, combinations per type. */
  private record Caps(int typesPerShard, int maxKeysPerType) implements java.io.Serializable {
    static Caps of(AggregationSettings settings) {
      int max = settings.maxEventTypes();
      return new Caps(
          max == 0 ? Integer.MAX_VALUE : (max + SHARDS - 1) / SHARDS, settings.maxKeysPerType());
    }
  }

  /** The caps by event time (the window a type or combination would be admitted in). */
  @Override
  public void configure(Versioned<JobConfig> configs) {
    caps = configs.map(c -> Caps.of(AggregationSettings.from(c)));
  }

  /** The key of an event type: its shard. */
  public static String shardOf(String eventType) {
    return Integer.toString(Math.floorMod(eventType.hashCode(), SHARDS));
  }

  @Override
  public void open(OpenContext openContext) {
    types = getRuntimeContext().getMapState(TYPES);
    combos = getRuntimeContext().getMapState(COMBOS);
    comboCounts = getRuntimeContext().getMapState(COMBO_COUNTS);
    typeCount = getRuntimeContext().getState(TYPE_COUNT);
    legacyAdmitted = getRuntimeContext().getMapState(LEGACY_ADMITTED);
    legacyCounts = getRuntimeContext().getMapState(LEGACY_COUNTS);
    overflow = getRuntimeContext().getMetricGroup().counter("dimensionOverflow");
    typeOverflow = getRuntimeContext().getMetricGroup().counter("eventTypeOverflow");
  }

  @Override
  public void processElement(AnalyticsEvent e, Context ctx, Collector<AnalyticsEvent> out)
      throws Exception {
    long start = settings.windowStart(e.timestamp);
    long cleanup = start + settings.windowMillis() - 1 + settings.allowedLatenessMillis();
    if (cleanup <= ctx.timerService().currentWatermark()) {
      out.collect(e);
      return;
    }
    Caps caps = this.caps.at(e.timestamp);
    Long typeSeen = types.get(e.eventType);
    if (typeSeen == null) {
      Integer count = typeCount.value();
      int n = count == null ? 0 : count;
      if (n >= caps.typesPerShard()) {
        typeOverflow.inc();
        out.collect(copy(e, AggregationSettings.OTHER, new HashMap<>()));
        return;
      }
      typeCount.update(n + 1);
      seen(types, e.eventType, start, ctx);
    } else if (typeSeen < start) {
      seen(types, e.eventType, start, ctx);
    }
    List<String> dims = settings.dimensionsOf(e.eventType);
    if (dims.isEmpty()) {
      out.collect(e);
      return;
    }
    String combo = settings.keyOf(e);
    Long comboSeen = combos.get(combo);
    if (comboSeen == null) {
      Integer count = comboCounts.get(e.eventType);
      int n = count == null ? 0 : count;
      if (n >= caps.maxKeysPerType()) {
        overflow.inc();
        Map<String, String> folded = new HashMap<>(e.dimensions);
        for (String dim : dims) {
          folded.put(dim, AggregationSettings.OTHER);
        }
        out.collect(copy(e, e.eventType, folded));
        return;
      }
      comboCounts.put(e.eventType, n + 1);
      seen(combos, combo, start, ctx);
    } else if (comboSeen < start) {
      seen(combos, combo, start, ctx);
    }
    out.collect(e);
  }

  /** Records that {@code key} was active in the window at {@code start}; its sweep follows. */
  private void seen(MapState<String, Long> active, String key, long start, Context ctx)
      throws Exception {
    active.put(key, start);
    // One timer per shard and window at most (timers of one key and time are one).
    ctx.timerService().registerEventTimeTimer(expiry(start));
  }

  /** The event time at which an entry last seen in the window at {@code start} has been idle. */
  private long expiry(long start) {
    return start + settings.windowMillis() - 1 + settings.allowedLatenessMillis() + idleMillis;
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsEvent> out)
      throws Exception {
    legacyAdmitted.clear();
    legacyCounts.clear();
    for (String combo : idle(combos, timestamp)) {
      combos.remove(combo);
      String type = AggregationSettings.decodeEventType(combo);
      Integer n = comboCounts.get(type);
      if (n != null && n > 1) {
        comboCounts.put(type, n - 1);
      } else {
        comboCounts.remove(type);
      }
    }
    List<String> idleTypes = idle(types, timestamp);
    for (String type : idleTypes) {
      types.remove(type);
    }
    if (!idleTypes.isEmpty()) {
      Integer count = typeCount.value();
      int left = (count == null ? 0 : count) - idleTypes.size();
      if (left > 0) {
        typeCount.update(left);
      } else {
        typeCount.clear();
      }
    }
  }

  /** The entries of {@code active} that have been idle by {@code timestamp}. */
  private List<String> idle(MapState<String, Long> active, long timestamp) throws Exception {
    List<String> idle = new ArrayList<>();
    for (Map.Entry<String, Long> entry : active.entries()) {
      if (expiry(entry.getValue()) <= timestamp) {
        idle.add(entry.getKey());
      }
    }
    return idle;
  }

  /** A copy of the event with another type and dimensions. */
  private static AnalyticsEvent copy(AnalyticsEvent e, String type, Map<String, String> dims) {
    AnalyticsEvent copy = new AnalyticsEvent();
    copy.eventId = e.eventId;
    copy.eventType = type;
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
    copy.receivedAt = e.receivedAt;
    copy.sourcePartition = e.sourcePartition;
    copy.sourceOffset = e.sourceOffset;
    copy.dimensions = dims;
    return copy;
  }
}
