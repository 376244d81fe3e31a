package dev.analytics.pipeline.model;

/** Priority of an event: decides latency of raw delivery and exemption from sampling. */
public enum Priority {
  HIGH,
  NORMAL,
  LOW;

  /** Lower-case name as used in JSON, configuration and metrics. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
