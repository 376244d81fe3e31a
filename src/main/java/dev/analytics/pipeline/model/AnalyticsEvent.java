package dev.analytics.pipeline.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A valid analytics event (schema v1), as produced by the parser and enriched by the priority
 * classifier and the sampler.
 *
 * <p>A Flink POJO: public fields, a public no-argument constructor, no Kryo. {@code priority} is
 * null until classified unless the event carried an explicit one; {@code weight} and {@code
 * sampleRate} are set by the sampler (1.0 before sampling).
 */
public class AnalyticsEvent {
  public String eventId;
  public String eventType;

  /** Event time, epoch milliseconds (UTC). */
  public long timestamp;

  /** The measurement; meaningful only when {@link #hasValue}. */
  public double value;

  public boolean hasValue;
  public String category;
  public Priority priority;
  public String userId;
  public String tenantId;

  /** String dimensions, never null. */
  public Map<String, String> dimensions = new HashMap<>();

  /** The raw JSON text of the {@code properties} object, or null; kept only for high priority. */
  public String properties;

  /** Horvitz-Thompson weight of a kept event: 1 / sampleRate. */
  public double weight = 1.0;

  /** The sampling rate applied to this event's type when it was kept. */
  public double sampleRate = 1.0;

  /**
   * When the record reached us (its Kafka record timestamp, or the replay's clock), epoch ms; -1
   * when unknown. Not part of the event's identity ({@link #equals}), like the coordinates below.
   */
  public long receivedAt = -1;

  /** The Kafka partition of the record (the replay: 0), or -1 when unknown. */
  public int sourcePartition = -1;

  /** The Kafka offset of the record (the replay: its line number), or -1 when unknown. */
  public long sourceOffset = -1;

  public AnalyticsEvent() {}

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof AnalyticsEvent e)) {
      return false;
    }
    return timestamp == e.timestamp
        && Double.compare(value, e.value) == 0
        && hasValue == e.hasValue
        && Double.compare(weight, e.weight) == 0
        && Double.compare(sampleRate, e.sampleRate) == 0
        && Objects.equals(eventId, e.eventId)
        && Objects.equals(eventType, e.eventType)
        && Objects.equals(category, e.category)
        && priority == e.priority
        && Objects.equals(userId, e.userId)
        && Objects.equals(tenantId, e.tenantId)
        && Objects.equals(dimensions, e.dimensions)
        && Objects.equals(properties, e.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventId, eventType, timestamp);
  }

  @Override
  public String toString() {
    return "AnalyticsEvent{id="
        + eventId
        + ", type="
        + eventType
        + ", ts="
        + timestamp
        + (hasValue ? ", value=" + value : "")
        + ", priority="
        + priority
        + ", weight="
        + weight
        + ", dims="
        + dimensions
        + "}";
  }
}
