package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.config.AggregationDimensions;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.TimeUtils;

/**
 * How events are keyed and windowed: the dimensions of each event type's aggregation key, the
 * cardinality cap, the window size, the allowed lateness and the rollups.
 *
 * <p>The key of an event is a string: its type, then for each configured dimension {@code
 * |name=length:value} (an absent dimension is the empty string). The length prefix makes any value
 * safe, and the key decodes back into type and dimensions without the configuration.
 */
public final class AggregationSettings implements Serializable {
  /** The dimension value, and the event type, of the events folded by the cardinality caps. */
  public static final String OTHER = "__other__";

  private final Map<String, List<String>> dimensionsByType;
  private final List<String> defaultDimensions;
  private final int maxKeysPerType;
  private final int maxEventTypes;
  private final long windowMillis;
  private final long allowedLatenessMillis;
  private final List<Duration> rollups;

  public AggregationSettings(
      Map<String, List<String>> dimensionsByType,
      List<String> defaultDimensions,
      int maxKeysPerType,
      int maxEventTypes,
      Duration windowSize,
      Duration allowedLateness,
      List<Duration> rollups) {
    this.dimensionsByType = new HashMap<>(dimensionsByType);
    this.defaultDimensions = List.copyOf(defaultDimensions);
    this.maxKeysPerType = maxKeysPerType;
    this.maxEventTypes = maxEventTypes;
    this.windowMillis = windowSize.toMillis();
    this.allowedLatenessMillis = allowedLateness.toMillis();
    this.rollups = List.copyOf(rollups);
  }

  public static AggregationSettings from(JobConfig config) {
    Map<String, List<String>> byType = new HashMap<>();
    config
        .get(AggregationOptions.AGGREGATION_DIMENSIONS)
        .forEach((type, dims) -> byType.put(type, AggregationDimensions.split(dims)));
    List<String> defaults =
        config.get(AggregationOptions.AGGREGATION_DEFAULT_DIMENSIONS).stream()
            .map(String::trim)
            .toList();
    List<Duration> rollups = new ArrayList<>();
    for (String r : config.get(AggregationOptions.WINDOW_ROLLUPS)) {
      rollups.add(TimeUtils.parseDuration(r.trim()));
    }
    return new AggregationSettings(
        byType,
        defaults,
        config.get(AggregationOptions.AGGREGATION_MAX_KEYS_PER_TYPE),
        config.get(AggregationOptions.AGGREGATION_MAX_EVENT_TYPES),
        config.get(AggregationOptions.WINDOW_SIZE),
        config.get(AggregationOptions.WINDOW_ALLOWED_LATENESS),
        rollups);
  }

  /** The dimensions of the aggregation key of this event type (possibly none). */
  public List<String> dimensionsOf(String eventType) {
    return dimensionsByType.getOrDefault(eventType, defaultDimensions);
  }

  /** True when some event type is keyed by dimensions (then the cardinality cap applies). */
  public boolean hasDimensions() {
    return !defaultDimensions.isEmpty()
        || dimensionsByType.values().stream().anyMatch(d -> !d.isEmpty());
  }

  public int maxKeysPerType() {
    return maxKeysPerType;
  }

  /** Distinct event types per fine window, at most; 0: no cap. */
  public int maxEventTypes() {
    return maxEventTypes;
  }

  /** Whether the cardinality caps apply: some type has dimensions, or types are capped. */
  public boolean capsCardinality() {
    return maxEventTypes > 0 || hasDimensions();
  }

  public long windowMillis() {
    return windowMillis;
  }

  public Duration windowSize() {
    return Duration.ofMillis(windowMillis);
  }

  public long allowedLatenessMillis() {
    return allowedLatenessMillis;
  }

  public Duration allowedLateness() {
    return Duration.ofMillis(allowedLatenessMillis);
  }

  public List<Duration> rollups() {
    return rollups;
  }

  /** Start of the fine window holding {@code timestamp}. */
  public long windowStart(long timestamp) {
    return timestamp - Math.floorMod(timestamp, windowMillis);
  }

  /** The aggregation key of an event. */
  public String keyOf(AnalyticsEvent e) {
    List<String> dims = dimensionsOf(e.eventType);
    if (dims.isEmpty()) {
      return e.eventType;
    }
    StringBuilder key = new StringBuilder(e.eventType.length() + 16 * dims.size());
    key.append(e.eventType);
    for (String dim : dims) {
      String value = e.dimensions.getOrDefault(dim, "");
      key.append('|').append(dim).append('=').append(value.length()).append(':').append(value);
    }
    return key.toString();
  }

  /** The event type of a key. */
  public static String decodeEventType(String key) {
    int bar = key.indexOf('|');
    return bar < 0 ? key : key.substring(0, bar);
  }

  /** The dimensions of a key, in key order. */
  public static Map<String, String> decodeDimensions(String key) {
    Map<String, String> dims = new LinkedHashMap<>();
    int i = key.indexOf('|');
    while (i >= 0) {
      int eq = key.indexOf('=', i);
      int colon = key.indexOf(':', eq);
      String name = key.substring(i + 1, eq);
      int length = Integer.parseInt(key, eq + 1, colon, 10);
      int end = colon + 1 + length;
      dims.put(name, key.substring(colon + 1, end));
      i = end < key.length() ? end : -1;
    }
    return dims;
  }
}
