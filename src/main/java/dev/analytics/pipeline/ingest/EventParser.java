package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.model.AnalyticsEvent;

/**
 * Parses one Kafka record value into a schema-v1 {@link AnalyticsEvent}, enforcing every rule of
 * the schema. PROVISIONAL signature; the implementation comes next.
 */
public final class EventParser implements java.io.Serializable {
  private final ParserSettings settings;

  public EventParser(ParserSettings settings) {
    this.settings = settings;
  }

  /**
   * @throws InvalidEventException with the reason, the field and a detail for any invalid record
   */
  public AnalyticsEvent parse(byte[] value) throws InvalidEventException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
