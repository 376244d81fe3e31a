package dev.analytics.pipeline.functions;

/** Incremental, constant-size state of one key and window. A Flink POJO; mergeable. */
public class WindowAccumulator {
  /** Sum of the sampling weights of the kept events (Horvitz-Thompson count). */
  public double weightedCount;

  /** Kept events. */
  public long keptCount;

  public WindowAccumulator() {}
}
