package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.model.DeadLetterReason;

/**
 * Thrown by {@link EventParser} for a record that breaks schema v1. Carries no stack trace: bad
 * records are expected input, and hostile input at volume must stay cheap.
 */
public final class InvalidEventException extends Exception {
  private final DeadLetterReason reason;
  private final String field;

  public InvalidEventException(DeadLetterReason reason, String field, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
    this.field = field;
  }

  public DeadLetterReason reason() {
    return reason;
  }

  /** The offending field, or null when the record as a whole is bad. */
  public String field() {
    return field;
  }

  /** What rule was broken, for humans. */
  public String detail() {
    return getMessage();
  }
}
