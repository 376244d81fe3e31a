package dev.analytics.pipeline.functions;

import dev.analytics.pipeline.model.AnalyticsEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Sets {@link AnalyticsEvent#priority}: an explicit priority carried by the event wins, otherwise
 * the {@link PriorityRules} decide. Stateless; the result depends on the event alone.
 *
 * <p>Metrics (operator group): counters {@code eventsHigh}, {@code eventsNormal}, {@code eventsLow}
 * of the final priorities.
 */
public class PriorityClassifier extends RichMapFunction<AnalyticsEvent, AnalyticsEvent> {
  private static final long serialVersionUID = 1L;

  private final PriorityRules rules;

  private transient Counter eventsHigh;
  private transient Counter eventsNormal;
  private transient Counter eventsLow;

  public PriorityClassifier(PriorityRules rules) {
    this.rules = rules;
  }

  @Override
  public void open(OpenContext openContext) {
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    eventsHigh = metrics.counter("eventsHigh");
    eventsNormal = metrics.counter("eventsNormal");
    eventsLow = metrics.counter("eventsLow");
  }

  @Override
  public AnalyticsEvent map(AnalyticsEvent event) {
    if (event.priority == null) {
      event.priority = rules.classify(event.eventType, event.category);
    }
    switch (event.priority) {
      case HIGH -> eventsHigh.inc();
      case LOW -> eventsLow.inc();
      default -> eventsNormal.inc();
    }
    return event;
  }
}
