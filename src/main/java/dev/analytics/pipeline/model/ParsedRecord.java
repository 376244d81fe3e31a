package dev.analytics.pipeline.model;

/**
 * What the source emits for each Kafka record: exactly one of {@link #event} and {@link
 * #deadLetter} is set. Parsing inside the source lets the watermark strategy see event time per
 * Kafka partition.
 */
public class ParsedRecord {
  public AnalyticsEvent event;
  public DeadLetter deadLetter;

  public ParsedRecord() {}

  public static ParsedRecord of(AnalyticsEvent event) {
    ParsedRecord r = new ParsedRecord();
    r.event = event;
    return r;
  }

  public static ParsedRecord of(DeadLetter deadLetter) {
    ParsedRecord r = new ParsedRecord();
    r.deadLetter = deadLetter;
    return r;
  }

  public boolean isEvent() {
    return event != null;
  }

  @Override
  public String toString() {
    return isEvent() ? event.toString() : String.valueOf(deadLetter);
  }
}
