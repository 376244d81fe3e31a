package dev.analytics.pipeline.sampling;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.model.AnalyticsEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

/**
 * Fixed-rate sampling (sampling.mode=fixed): keeps an event iff the hash of its id falls below the
 * rate of its type (see {@link SamplingDecision}), and gives a kept event {@code sampleRate = rate}
 * and {@code weight = 1 / rate}. High-priority events are always kept with weight 1.
 *
 * <p>Stateless and deterministic: the decision depends on the event id and the configured rate
 * only, so replays and parallel instances agree, whatever the order of arrival.
 *
 * <p>Metrics (operator group): counters {@code sampledKept} and {@code sampledOut}.
 */
public class DeterministicSampler extends RichFlatMapFunction<AnalyticsEvent, AnalyticsEvent>
    implements RunTimeSettings {
  private static final long serialVersionUID = 1L;

  private Versioned<SamplingRates> rates;

  private transient Counter sampledKept;
  private transient Counter sampledOut;

  public DeterministicSampler(SamplingRates rates) {
    this.rates = Versioned.fixed(rates);
  }

  /** The rates by event time. */
  @Override
  public void configure(Versioned<JobConfig> configs) {
    rates = configs.map(SamplingRates::from);
  }

  @Override
  public void open(OpenContext openContext) {
    sampledKept = getRuntimeContext().getMetricGroup().counter("sampledKept");
    sampledOut = getRuntimeContext().getMetricGroup().counter("sampledOut");
  }

  @Override
  public void flatMap(AnalyticsEvent event, Collector<AnalyticsEvent> out) {
    if (SamplingDecision.sample(event, rates.at(event.timestamp).rateFor(event.eventType))) {
      sampledKept.inc();
      out.collect(event);
    } else {
      sampledOut.inc();
    }
  }
}
