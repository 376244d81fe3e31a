package dev.analytics.pipeline.local;

import dev.analytics.pipeline.model.DeadLetterReason;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The kinds of broken records {@link TrafficGenerator} emits. Each breaks exactly one rule of
 * schema v1 (judged with {@code ParserSettings.DEFAULTS} and {@code EventTimeBounds.DEFAULTS}
 * against the record's generation time, {@link TrafficGenerator.Generated#eventTime()}); {@link
 * #acceptableReasons()} names the dead-letter reasons a correct parser may give for it. Most kinds
 * have one; where the schema leaves the precedence of two rules open (a NaN token is both bad JSON
 * and a non-finite number) both are listed.
 */
public enum InvalidKind {
  /** A missing comma, an unquoted key, single quotes, a trailing comma or trailing garbage. */
  MALFORMED_JSON(DeadLetterReason.MALFORMED_JSON),
  /** A valid record cut short at a random point. */
  TRUNCATED(DeadLetterReason.MALFORMED_JSON),
  /** event_id (mostly), event_type or timestamp absent, or event_id null. */
  MISSING_FIELD(DeadLetterReason.MISSING_FIELD),
  /** event_id is the empty string. */
  EMPTY_EVENT_ID(DeadLetterReason.EMPTY_FIELD),
  /** event_id longer than 128 characters. */
  EVENT_ID_TOO_LONG(DeadLetterReason.FIELD_TOO_LONG),
  /** value is a string ({@code "fast"}) or a boolean. */
  VALUE_NOT_A_NUMBER(DeadLetterReason.WRONG_TYPE),
  /** value is the bare token NaN, Infinity or -Infinity (not JSON, and not finite). */
  NAN_VALUE(DeadLetterReason.MALFORMED_JSON, DeadLetterReason.NON_FINITE_NUMBER),
  /** value is a JSON number that overflows a double, e.g. {@code 1e999}. */
  OVERFLOWING_VALUE(DeadLetterReason.NON_FINITE_NUMBER),
  /** event_type contains a character outside {@code [A-Za-z0-9_.:-]}. */
  FORBIDDEN_CHAR_IN_EVENT_TYPE(DeadLetterReason.INVALID_EVENT_TYPE),
  /** An ISO-8601 local date-time without zone or offset. */
  TIMESTAMP_WITHOUT_ZONE(DeadLetterReason.INVALID_TIMESTAMP),
  /** A timestamp that is no date at all, an impossible date, or fractional epoch milliseconds. */
  UNPARSEABLE_TIMESTAMP(DeadLetterReason.INVALID_TIMESTAMP),
  /** Epoch seconds instead of milliseconds (lands in 1970), year 1970, or year 2999. */
  ABSURD_TIMESTAMP(DeadLetterReason.TIMESTAMP_OUT_OF_RANGE),
  /** A dimension whose value is a number, a boolean, an object or an array. */
  NON_STRING_DIMENSION(DeadLetterReason.WRONG_TYPE),
  /** 17 to 24 dimensions (the limit is 16). */
  TOO_MANY_DIMENSIONS(DeadLetterReason.TOO_MANY_DIMENSIONS),
  /** A dimension with an empty key. */
  EMPTY_DIMENSION_KEY(DeadLetterReason.INVALID_DIMENSION_KEY),
  /** user_id as a number, category as a number, or dimensions as an array. */
  FIELD_OF_WRONG_TYPE(DeadLetterReason.WRONG_TYPE),
  /** priority outside high/normal/low, e.g. {@code "urgent"}. */
  INVALID_PRIORITY(DeadLetterReason.INVALID_PRIORITY),
  /** event_type or timestamp given twice. */
  DUPLICATE_FIELD(DeadLetterReason.DUPLICATE_FIELD),
  /** The event wrapped in a JSON array. */
  JSON_ARRAY(DeadLetterReason.NOT_AN_OBJECT),
  /** A JSON scalar (number, string, boolean) instead of an object. */
  JSON_SCALAR(DeadLetterReason.NOT_AN_OBJECT),
  /** properties nested 40 to 60 levels deep (the default limit is 32). */
  NESTING_TOO_DEEP(DeadLetterReason.NESTING_TOO_DEEP),
  /** A zero-length record value. */
  EMPTY_RECORD(DeadLetterReason.EMPTY_RECORD),
  /**
   * A byte sequence that is not UTF-8 inside a string: 0xFF, a bad continuation, a lone
   * continuation byte, an overlong encoding, an encoded surrogate or a 5-byte form.
   */
  INVALID_UTF8(DeadLetterReason.INVALID_UTF8),
  /** user_id with an unpaired surrogate escape or U+0000 (valid JSON, text no database stores). */
  UNSTORABLE_STRING(DeadLetterReason.INVALID_UNICODE),
  /**
   * A client clock an hour, a day or 70 years ahead: the timestamp lies that far after the time the
   * record is generated at, which is its arrival (judged by the job, not the parser).
   */
  CLOCK_AHEAD(DeadLetterReason.TIMESTAMP_IN_FUTURE);

  private final Set<DeadLetterReason> acceptableReasons;

  InvalidKind(DeadLetterReason first, DeadLetterReason... rest) {
    this.acceptableReasons = Collections.unmodifiableSet(EnumSet.of(first, rest));
  }

  /** The dead-letter reasons a correct schema-v1 parser may report for this kind. */
  public Set<DeadLetterReason> acceptableReasons() {
    return acceptableReasons;
  }
}
