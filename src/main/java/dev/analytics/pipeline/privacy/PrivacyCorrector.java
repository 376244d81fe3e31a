package dev.analytics.pipeline.privacy;

import dev.analytics.pipeline.model.PrivacyEstimate;
import dev.analytics.pipeline.model.WindowAggregate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Corrects the window counts of k-ary randomized-response groups ({@link PrivacyGroups}) for the
 * noise the clients added, keyed by group name.
 *
 * <p><b>Takes</b> the window aggregates of one granularity (the fine windows) of the member types
 * of the groups, keyed by {@code groups.groupOf(eventType).name()}, as the window operator emits
 * them: stamped {@code windowEnd − 1}, the first emission before the watermark passes {@code
 * windowEnd − 1}, re-emissions after late events with {@code version + 1} while the watermark is
 * below {@code windowEnd − 1 + allowedLateness}.
 *
 * <p><b>Gives</b>, per window of a group, one {@link PrivacyEstimate} per member type (in the
 * configured order, types without any aggregate included with observed 0): the observed count (the
 * {@code estimatedCount} of the type's aggregates summed over all their dimension buckets), N (the
 * sum over the group), the unbiased estimate {@code (observed − N·q)/(p − q)} and its standard
 * deviation ({@link KaryRandomizedResponse}). They leave with version 0 when the watermark passes
 * {@code windowEnd − 1} (event-time timer), stamped {@code windowEnd − 1}; every later accepted
 * re-emission of a member's aggregate re-emits the whole group's estimates of that window with the
 * next version. A window whose first aggregate arrives after its end (all the group's events of
 * that window were late) is emitted at once with version 0.
 *
 * <p><b>Guarantees</b>: a re-emitted aggregate <em>replaces</em> its bucket's count (the latest
 * count per (window, type, dimensions) is kept), never adds to it; an aggregate whose version is
 * not above the one kept for its bucket is a duplicate or stale and is ignored, as is an aggregate
 * that arrives after its window's lateness (neither can come from Flink's window operator; counter
 * {@code privacyIgnoredAggregates}). Sums run over the buckets in sorted key order, so the output
 * is the same bit for bit whatever the state backend or arrival order of the buckets. The highest
 * version of a window always reflects the latest count of every bucket; how many versions there are
 * depends on whether late re-emissions arrive before or after the watermark closes the window,
 * which with several upstream subtasks can differ between runs.
 *
 * <h2>State</h2>
 *
 * Per group: {@value #BUCKETS_STATE} ({@code windowStart|type|canonical dimensions} to the latest
 * version and count) and {@value #WINDOWS_STATE} (window start to end, granularity and the last
 * emitted version). Both are removed, with no timer left, when the watermark reaches {@code
 * windowEnd − 1 + allowedLateness}, the instant the window operator itself purges the window and
 * after which it emits nothing more for it.
 *
 * <p>Metrics (operator group): counters {@code privacyEstimates} (records emitted) and {@code
 * privacyIgnoredAggregates}.
 */
public class PrivacyCorrector
    extends KeyedProcessFunction<String, WindowAggregate, PrivacyEstimate> {
  private static final long serialVersionUID = 1L;

  public static final String BUCKETS_STATE = "privacy-corrector-buckets";
  public static final String WINDOWS_STATE = "privacy-corrector-windows";

  /** The latest count of one (window, type, dimensions) bucket. A Flink POJO (state). */
  public static class BucketCount {
    /** The version of the window aggregate the count comes from. */
    public int version;

    /** Its {@code estimatedCount}. */
    public double count;

    public BucketCount() {}

    BucketCount(int version, double count) {
      this.version = version;
      this.count = count;
    }
  }

  /** What is known about one window of a group. A Flink POJO (state). */
  public static class WindowStatus {
    public long windowEnd;
    public String granularity;

    /** The version last emitted; -1 before the window closes. */
    public int emittedVersion = -1;

    public WindowStatus() {}

    WindowStatus(long windowEnd, String granularity) {
      this.windowEnd = windowEnd;
      this.granularity = granularity;
    }
  }

  private final PrivacyGroups groups;
  private final long allowedLatenessMillis;

  private transient MapState<String, BucketCount> buckets;
  private transient MapState<Long, WindowStatus> windows;
  private transient Counter estimatesEmitted;
  private transient Counter ignored;

  /**
   * @param groups the configured groups; the key of each input is the name of one of them
   * @param allowedLateness the window operator's allowed lateness (window.allowed-lateness), >= 0
   */
  public PrivacyCorrector(PrivacyGroups groups, Duration allowedLateness) {
    if (allowedLateness.isNegative()) {
      throw new IllegalArgumentException("allowedLateness must be >= 0, got " + allowedLateness);
    }
    this.groups = groups;
    this.allowedLatenessMillis = allowedLateness.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    buckets =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    BUCKETS_STATE, Types.STRING, TypeInformation.of(BucketCount.class)));
    windows =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    WINDOWS_STATE, Types.LONG, TypeInformation.of(WindowStatus.class)));
    estimatesEmitted = getRuntimeContext().getMetricGroup().counter("privacyEstimates");
    ignored = getRuntimeContext().getMetricGroup().counter("privacyIgnoredAggregates");
  }

  @Override
  public void processElement(WindowAggregate aggregate, Context ctx, Collector<PrivacyEstimate> out)
      throws Exception {
    PrivacyGroups.Group group = groupOf(ctx.getCurrentKey(), aggregate.eventType);
    long lastMoment = aggregate.windowEnd - 1;
    long purgeAt = lastMoment + allowedLatenessMillis;
    long watermark = ctx.timerService().currentWatermark();
    if (watermark >= purgeAt) {
      ignored.inc();
      return;
    }

    String bucket = bucketKey(aggregate);
    BucketCount previous = buckets.get(bucket);
    if (previous != null && aggregate.version <= previous.version) {
      ignored.inc();
      return;
    }
    buckets.put(bucket, new BucketCount(aggregate.version, aggregate.estimatedCount));

    WindowStatus status = windows.get(aggregate.windowStart);
    if (status == null) {
      status = new WindowStatus(aggregate.windowEnd, aggregate.granularity);
      if (watermark >= lastMoment) {
        status.emittedVersion = 0;
        emit(group, aggregate.windowStart, status, out);
      } else {
        ctx.timerService().registerEventTimeTimer(lastMoment);
      }
      if (purgeAt != lastMoment) {
        ctx.timerService().registerEventTimeTimer(purgeAt);
      }
      windows.put(aggregate.windowStart, status);
      return;
    }
    if (status.windowEnd != aggregate.windowEnd
        || !status.granularity.equals(aggregate.granularity)) {
      throw new IllegalStateException(
          "PrivacyCorrector takes one granularity: "
              + aggregate
              + " does not match the window ["
              + aggregate.windowStart
              + ","
              + status.windowEnd
              + ") "
              + status.granularity
              + " already seen for group "
              + group.name());
    }
    if (status.emittedVersion >= 0) {
      status.emittedVersion++;
      windows.put(aggregate.windowStart, status);
      emit(group, aggregate.windowStart, status, out);
    }
  }

  /** At {@code windowEnd − 1} emits version 0; at {@code windowEnd − 1 + lateness} purges. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<PrivacyEstimate> out)
      throws Exception {
    PrivacyGroups.Group group = group(ctx.getCurrentKey());
    // Collected first, applied after: state is not modified while being iterated.
    TreeMap<Long, WindowStatus> closing = new TreeMap<>();
    List<Long> purged = new ArrayList<>();
    for (Map.Entry<Long, WindowStatus> entry : windows.entries()) {
      WindowStatus status = entry.getValue();
      if (status.emittedVersion < 0 && status.windowEnd - 1 <= timestamp) {
        closing.put(entry.getKey(), status);
      }
      if (status.windowEnd - 1 + allowedLatenessMillis <= timestamp) {
        purged.add(entry.getKey());
      }
    }
    for (Map.Entry<Long, WindowStatus> entry : closing.entrySet()) {
      WindowStatus status = entry.getValue();
      status.emittedVersion = 0;
      windows.put(entry.getKey(), status);
      emit(group, entry.getKey(), status, out);
    }
    if (!purged.isEmpty()) {
      List<String> expired = new ArrayList<>();
      for (String bucket : buckets.keys()) {
        if (purged.contains(windowStartOf(bucket))) {
          expired.add(bucket);
        }
      }
      for (String bucket : expired) {
        buckets.remove(bucket);
      }
      for (Long start : purged) {
        windows.remove(start);
      }
    }
  }

  /** One estimate per member type of the window starting at {@code windowStart}. */
  private void emit(
      PrivacyGroups.Group group,
      long windowStart,
      WindowStatus status,
      Collector<PrivacyEstimate> out)
      throws Exception {
    String prefix = windowStart + "|";
    TreeMap<String, Double> sorted = new TreeMap<>();
    for (Map.Entry<String, BucketCount> bucket : buckets.entries()) {
      if (bucket.getKey().startsWith(prefix)) {
        sorted.put(bucket.getKey(), bucket.getValue().count);
      }
    }
    Map<String, Double> observed = new LinkedHashMap<>();
    for (String type : group.types()) {
      observed.put(type, 0.0);
    }
    for (Map.Entry<String, Double> bucket : sorted.entrySet()) {
      String key = bucket.getKey();
      String type = key.substring(prefix.length(), key.indexOf('|', prefix.length()));
      observed.merge(type, bucket.getValue(), Double::sum);
    }
    double total = 0;
    for (double count : observed.values()) {
      total += count;
    }
    KaryRandomizedResponse mechanism = group.mechanism();
    for (Map.Entry<String, Double> type : observed.entrySet()) {
      PrivacyEstimate estimate = new PrivacyEstimate();
      estimate.group = group.name();
      estimate.eventType = type.getKey();
      estimate.windowStart = windowStart;
      estimate.windowEnd = status.windowEnd;
      estimate.granularity = status.granularity;
      estimate.epsilon = group.epsilon();
      estimate.k = group.k();
      estimate.groupObserved = total;
      estimate.observed = type.getValue();
      estimate.estimate = mechanism.estimate(type.getValue(), total);
      estimate.stddev = mechanism.stddev(estimate.estimate, total);
      estimate.version = status.emittedVersion;
      out.collect(estimate);
      estimatesEmitted.inc();
    }
  }

  private PrivacyGroups.Group group(String name) {
    PrivacyGroups.Group group = groups.group(name);
    if (group == null) {
      throw new IllegalStateException(
          "PrivacyCorrector is keyed by privacy group name; '" + name + "' is no group");
    }
    return group;
  }

  private PrivacyGroups.Group groupOf(String name, String eventType) {
    PrivacyGroups.Group group = group(name);
    if (!group.contains(eventType)) {
      throw new IllegalStateException(
          "event type '" + eventType + "' is not a member of privacy group " + group.name());
    }
    return group;
  }

  /**
   * {@code windowStart|type|dimensions}, the dimensions sorted by key and length-prefixed ({@code
   * 6:region=2:eu;}), so distinct maps never share a key. Types contain no {@code |}.
   */
  static String bucketKey(WindowAggregate aggregate) {
    StringBuilder key = new StringBuilder();
    key.append(aggregate.windowStart).append('|').append(aggregate.eventType).append('|');
    if (aggregate.dimensions != null) {
      for (Map.Entry<String, String> d : new TreeMap<>(aggregate.dimensions).entrySet()) {
        String value = d.getValue() == null ? "" : d.getValue();
        key.append(d.getKey().length()).append(':').append(d.getKey()).append('=');
        key.append(value.length()).append(':').append(value).append(';');
      }
    }
    return key.toString();
  }

  private static Long windowStartOf(String bucketKey) {
    return Long.parseLong(bucketKey.substring(0, bucketKey.indexOf('|')));
  }
}
