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

  public static AnalyticsEvent event(String id, String type, long timestamp) {
    AnalyticsEvent e = new AnalyticsEvent();
    e.eventId = id;
    e.eventType = type;
    e.timestamp = timestamp;
    return e;
  }

  public static AnalyticsEvent event(String id, String type, long timestamp, Priority priority) {
    AnalyticsEvent e = event(id, type, timestamp);
    e.priority = priority;
    return e;
  }

  public static AnalyticsEvent typed(String type, String category) {
    AnalyticsEvent e = event("id-" + type, type, T0);
    e.category = category;
    return e;
  }

  /** A deep enough copy: tests feed the same fixture to several operators that mutate it. */
  public static AnalyticsEvent copy(AnalyticsEvent e) {
    AnalyticsEvent c = event(e.eventId, e.eventType, e.timestamp, e.priority);
    c.category = e.category;
    c.value = e.value;
    c.hasValue = e.hasValue;
    c.weight = e.weight;
    c.sampleRate = e.sampleRate;
    return c;
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
