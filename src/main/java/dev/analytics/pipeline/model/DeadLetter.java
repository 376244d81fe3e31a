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
  public DeadLetterReason reason;

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

  /**
   * A dead letter keeping at most {@code maxRawBytes} of {@code raw} (null counts as empty) and its
   * full size.
   */
  public static DeadLetter of(
      DeadLetterReason reason,
      String field,
      String detail,
      byte[] raw,
      int maxRawBytes,
      String topic,
      int partition,
      long offset,
      long receivedAt) {
    DeadLetter d = new DeadLetter();
    d.reason = reason;
    d.field = field;
    d.detail = detail;
    int size = raw == null ? 0 : raw.length;
    d.rawSize = size;
    d.raw = size == 0 ? new byte[0] : Arrays.copyOf(raw, Math.min(size, maxRawBytes));
    d.topic = topic;
    d.partition = partition;
    d.offset = offset;
    d.receivedAt = receivedAt;
    return d;
  }

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
        && reason == d.reason
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
