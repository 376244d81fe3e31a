package dev.analytics.pipeline.testing;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;

/** Event fixtures and metric capture shared by the function tests. */
public final class TestEvents {
  private TestEvents() {}

  /** 2023-11-14T22:13:20Z, a multiple of every window size used in the tests. */
  public static final long T0 = 1_700_000_000_000L;

  /**
   * A builder of an event of {@code type}; every field not set keeps the default of {@link
   * AnalyticsEvent}'s constructor (no id, time 0, no value, weight and sample rate 1, no
   * dimensions).
   */
  public static EventBuilder event(String type) {
    return new EventBuilder(type);
  }

  public static AnalyticsEvent event(String id, String type, long timestamp) {
    return event(type).id(id).at(timestamp).build();
  }

  public static AnalyticsEvent event(String id, String type, long timestamp, Priority priority) {
    return event(type).id(id).at(timestamp).priority(priority).build();
  }

  public static AnalyticsEvent typed(String type, String category) {
    return event(type).id("id-" + type).at(T0).category(category).build();
  }

  /** A deep enough copy: tests feed the same fixture to several operators that mutate it. */
  public static AnalyticsEvent copy(AnalyticsEvent e) {
    return event(e.eventType)
        .id(e.eventId)
        .at(e.timestamp)
        .priority(e.priority)
        .category(e.category)
        .value(e.value)
        .hasValue(e.hasValue)
        .weight(e.weight)
        .sampleRate(e.sampleRate)
        .build();
  }

  /**
   * The fields of one {@link AnalyticsEvent}, set by name: {@code
   * event("page_view").id("e-1").at(ts).user("u1").dim("country", "DE").value(12.5).build()}.
   *
   * <p>It fills the event it will hand out (no copy, so that generators of millions of events pay
   * for nothing but the event), so {@link #build} may be called once.
   */
  public static final class EventBuilder {
    private AnalyticsEvent event = new AnalyticsEvent();

    private EventBuilder(String type) {
      event.eventType = type;
    }

    private AnalyticsEvent event() {
      if (event == null) {
        throw new IllegalStateException("build() was called: start another builder with event()");
      }
      return event;
    }

    public EventBuilder id(String id) {
      event().eventId = id;
      return this;
    }

    /** The event time, epoch milliseconds. */
    public EventBuilder at(long timestamp) {
      event().timestamp = timestamp;
      return this;
    }

    /** A measurement: sets {@code value} and {@code hasValue}. */
    public EventBuilder value(double value) {
      event().value = value;
      event().hasValue = true;
      return this;
    }

    /**
     * Sets {@code hasValue} alone: after {@link #value}, {@code false} leaves a stale value in the
     * field, which every reader must ignore.
     */
    public EventBuilder hasValue(boolean hasValue) {
      event().hasValue = hasValue;
      return this;
    }

    public EventBuilder category(String category) {
      event().category = category;
      return this;
    }

    public EventBuilder priority(Priority priority) {
      event().priority = priority;
      return this;
    }

    public EventBuilder user(String userId) {
      event().userId = userId;
      return this;
    }

    public EventBuilder tenant(String tenantId) {
      event().tenantId = tenantId;
      return this;
    }

    /** Adds the dimension {@code key} = {@code value} to those set so far. */
    public EventBuilder dim(String key, String value) {
      event().dimensions.put(key, value);
      return this;
    }

    /** The raw JSON text of the {@code properties} object. */
    public EventBuilder properties(String json) {
      event().properties = json;
      return this;
    }

    /** The sampler's Horvitz-Thompson weight (1 / rate). */
    public EventBuilder weight(double weight) {
      event().weight = weight;
      return this;
    }

    public EventBuilder sampleRate(double sampleRate) {
      event().sampleRate = sampleRate;
      return this;
    }

    /** When the record reached the job (its Kafka record timestamp), epoch milliseconds. */
    public EventBuilder receivedAt(long receivedAt) {
      event().receivedAt = receivedAt;
      return this;
    }

    public AnalyticsEvent build() {
      AnalyticsEvent built = event();
      event = null;
      return built;
    }
  }

  /** A mock environment whose operator metric group keeps every metric registered in it. */
  public static MockEnvironment environment(InterceptingOperatorMetricGroup operatorMetrics) {
    return new MockEnvironmentBuilder()
        .setMetricGroup(
            new UnregisteredMetricGroups.UnregisteredTaskMetricGroup() {
              @Override
              public InternalOperatorMetricGroup getOrAddOperator(
                  OperatorID operatorId, String name, Map<String, String> additionalVariables) {
                return operatorMetrics;
              }
            })
        .build();
  }

  /**
   * An operator metric group that also intercepts the metrics of its key-value subgroups, under
   * {@code key=value.} prefixes ({@code event_type=api.error.metric=count.detectionMinValues}).
   */
  public static final class GroupedMetrics extends InterceptingOperatorMetricGroup {
    private final GroupedMetrics root;
    private final String prefix;

    public GroupedMetrics() {
      this(null, "");
    }

    private GroupedMetrics(GroupedMetrics root, String prefix) {
      this.root = root == null ? this : root;
      this.prefix = prefix;
    }

    @Override
    public org.apache.flink.metrics.MetricGroup addGroup(String key, String value) {
      return new GroupedMetrics(root, prefix + key + "=" + value + ".");
    }

    @Override
    protected void addMetric(String name, org.apache.flink.metrics.Metric metric) {
      if (root == null || root == this) { // null: called by the super constructor
        super.addMetric(name, metric);
      } else {
        root.addMetric(prefix + name, metric);
      }
    }
  }

  public static long counter(InterceptingOperatorMetricGroup metrics, String name) {
    return ((Counter) metrics.get(name)).getCount();
  }
}
