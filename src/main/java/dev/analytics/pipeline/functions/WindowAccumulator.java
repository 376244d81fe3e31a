package dev.analytics.pipeline.functions;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.WindowAggregate;

/** Incremental, constant-size state of one key and window. PROVISIONAL: counts only. */
public class WindowAccumulator {
  /** Sum of the sampling weights of the kept events (Horvitz-Thompson count). */
  public double weightedCount;

  /** Kept events. */
  public long keptCount;

  public WindowAccumulator() {}

  public void add(AnalyticsEvent e) {
    weightedCount += e.weight;
    keptCount++;
  }

  public WindowAccumulator merge(WindowAccumulator other) {
    weightedCount += other.weightedCount;
    keptCount += other.keptCount;
    return this;
  }

  public WindowAccumulator copy() {
    return new WindowAccumulator().merge(this);
  }

  public void fillInto(WindowAggregate out) {
    out.estimatedCount = weightedCount;
    out.keptCount = keptCount;
    out.sampleRate = weightedCount == 0 ? 1.0 : keptCount / weightedCount;
  }
}
