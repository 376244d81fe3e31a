package dev.analytics.pipeline.control;

/**
 * A record of the control topic as read: a configuration key, its new value (null: undo the key's
 * change, back to the start-up value) and, optionally, the event time it applies from. A record
 * that could not be read carries the {@link #problem} instead, and is refused with it.
 */
public class ControlRequest {
  public String key;

  /** The value in the syntax of arguments; null undoes the key's change. */
  public String value;

  /** Event time (epoch ms) the change applies from; null: the stamper chooses. */
  public Long effectiveFrom;

  /** Why the record could not be read; null for a readable one. */
  public String problem;

  public int partition;
  public long offset;

  /** The Kafka record's timestamp: when the change was asked for. */
  public long requestedAt;

  public ControlRequest() {}

  public static ControlRequest of(String key, String value, Long effectiveFrom) {
    ControlRequest r = new ControlRequest();
    r.key = key;
    r.value = value;
    r.effectiveFrom = effectiveFrom;
    return r;
  }

  @Override
  public String toString() {
    return "ControlRequest{"
        + key
        + "="
        + value
        + ", effectiveFrom="
        + effectiveFrom
        + (problem == null ? "" : ", problem=" + problem)
        + ", offset="
        + partition
        + ":"
        + offset
        + "}";
  }
}
