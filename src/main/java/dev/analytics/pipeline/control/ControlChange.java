package dev.analytics.pipeline.control;

import java.util.Objects;

/**
 * An applied change of a setting: what every controlled operator holds in its broadcast state and
 * the audit topic records. It applies to what has event time {@code >= effectiveFrom}.
 */
public class ControlChange implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Order of application (1, 2, ...); a later change of the same key and time wins. */
  public long seq;

  public String key;

  /** Null: the key's earlier changes are undone from {@link #effectiveFrom} on. */
  public String value;

  public long effectiveFrom;

  /** The watermark when the change was stamped (Long.MIN_VALUE before the first one). */
  public long watermark;

  public long requestedAt;
  public int partition;
  public long offset;

  public ControlChange() {}

  /** A change as applied, without its source position and stamping. */
  public static ControlChange of(long seq, String key, String value, long effectiveFrom) {
    ControlChange c = new ControlChange();
    c.seq = seq;
    c.key = key;
    c.value = value;
    c.effectiveFrom = effectiveFrom;
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ControlChange c
        && seq == c.seq
        && effectiveFrom == c.effectiveFrom
        && watermark == c.watermark
        && requestedAt == c.requestedAt
        && partition == c.partition
        && offset == c.offset
        && Objects.equals(key, c.key)
        && Objects.equals(value, c.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(seq, key, value, effectiveFrom);
  }

  @Override
  public String toString() {
    return "ControlChange#" + seq + "{" + key + "=" + value + " from " + effectiveFrom + "}";
  }
}
