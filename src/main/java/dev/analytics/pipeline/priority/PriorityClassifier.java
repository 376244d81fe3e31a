package dev.analytics.pipeline.priority;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.model.AnalyticsEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Sets {@link AnalyticsEvent#priority}: the event's own priority field where its type is trusted
 * ({@code priority.trust-explicit}), otherwise the {@link PriorityRules}; and bounds what a
 * high-priority event keeps of its properties for the raw table. Stateless; the result depends on
 * the event alone.
 *
 * <p>Metrics (operator group): counters {@code eventsHigh}, {@code eventsNormal}, {@code eventsLow}
 * of the final priorities, {@code untrustedPriorityClaims} (priority fields ignored) and {@code
 * propertiesDropped} (high-priority events whose properties exceeded {@code
 * priority.high.max-properties-bytes} and were dropped).
 */
public class PriorityClassifier extends RichMapFunction<AnalyticsEvent, AnalyticsEvent>
    implements RunTimeSettings {
  private static final long serialVersionUID = 1L;

  private Versioned<PriorityRules> rules;
  private final int maxHighPropertiesBytes;

  private transient Counter eventsHigh;
  private transient Counter eventsNormal;
  private transient Counter eventsLow;
  private transient Counter untrustedClaims;
  private transient Counter propertiesDropped;

  public PriorityClassifier(PriorityRules rules, int maxHighPropertiesBytes) {
    this.rules = Versioned.fixed(rules);
    this.maxHighPropertiesBytes = maxHighPropertiesBytes;
  }

  /** Priority rules and the trust in explicit priorities by event time. */
  @Override
  public void configure(Versioned<JobConfig> configs) {
    rules = configs.map(PriorityRules::from);
  }

  @Override
  public void open(OpenContext openContext) {
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    eventsHigh = metrics.counter("eventsHigh");
    eventsNormal = metrics.counter("eventsNormal");
    eventsLow = metrics.counter("eventsLow");
    untrustedClaims = metrics.counter("untrustedPriorityClaims");
    propertiesDropped = metrics.counter("propertiesDropped");
  }

  @Override
  public AnalyticsEvent map(AnalyticsEvent event) {
    PriorityRules rules = this.rules.at(event.timestamp);
    if (event.priority == null || !rules.trustsExplicit(event.eventType)) {
      if (event.priority != null) {
        untrustedClaims.inc();
      }
      event.priority = rules.classify(event.eventType, event.category);
    }
    switch (event.priority) {
      case HIGH -> {
        eventsHigh.inc();
        if (event.properties != null
            && utf8Length(event.properties, maxHighPropertiesBytes) > maxHighPropertiesBytes) {
          event.properties = null;
          propertiesDropped.inc();
        }
      }
      case LOW -> eventsLow.inc();
      default -> eventsNormal.inc();
    }
    return event;
  }

  /** The UTF-8 length of {@code s}, counted exactly up to a little past {@code limit}. */
  static long utf8Length(String s, int limit) {
    if ((long) s.length() * 3 <= limit) {
      return s.length(); // a lower bound that is enough: even all 3-byte characters would fit
    }
    long bytes = 0;
    for (int i = 0; i < s.length() && bytes <= limit; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
