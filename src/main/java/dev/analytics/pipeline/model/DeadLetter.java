package dev.analytics.pipeline.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record that could not become an event, with everything needed to find, understand and replay
 * it: the reason (a code, the offending field, a human-readable detail), a bounded prefix of the
 * raw bytes plus their full size, and where it came from (topic, partition, offset, Kafka
 * timestamp).
 *
 * <p>A Flink POJO. Every field is a function of the input record, so a replay writes the same dead
 * letter.
 */
public class DeadLetter {
  /** {@link DeadLetterReason#code()}. */
  public String reason;

  /** The offending field (e.g. {@code timestamp}, {@code dimensions.country}), or null. */
  public String field;

  /** What rule was broken, for humans. */
  public String detail;

  /** At most {@code dead-letter.max-raw-bytes} bytes of the original record (never null). */
  public byte[] raw = new byte[0];

  /** Size of the original record in bytes (greater than raw.length when truncated). */
  public int rawSize;

  public String topic;
  public int partition;
  public long offset;

  /** Kafka record timestamp (epoch ms) when the record was received, or -1 when unknown. */
  public long receivedAt;

  public DeadLetter() {}

  /** True when {@link #raw} holds only a prefix of the record. */
  public boolean truncated() {
    return raw.length < rawSize;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DeadLetter d)) {
      return false;
    }
    return rawSize == d.rawSize
        && partition == d.partition
        && offset == d.offset
        && receivedAt == d.receivedAt
        && Objects.equals(reason, d.reason)
        && Objects.equals(field, d.field)
        && Objects.equals(detail, d.detail)
        && Arrays.equals(raw, d.raw)
        && Objects.equals(topic, d.topic);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, topic, partition, offset);
  }

  @Override
  public String toString() {
    return "DeadLetter{"
        + reason
        + (field != null ? " field=" + field : "")
        + ": "
        + detail
        + " @"
        + topic
        + "/"
        + partition
        + "/"
        + offset
        + ", "
        + rawSize
        + " bytes}";
  }
}
