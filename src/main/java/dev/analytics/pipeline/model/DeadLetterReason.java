package dev.analytics.pipeline.model;

import java.util.Locale;

/** Why a record became a dead letter. The {@link #code()} is what the dead-letter topic carries. */
public enum DeadLetterReason {
  /** The Kafka record had no value or an empty one. */
  EMPTY_RECORD,
  /** The record is larger than {@code events.max-record-bytes}. */
  RECORD_TOO_LARGE,
  /** The bytes are not valid UTF-8. */
  INVALID_UTF8,
  /**
   * A string holds an unpaired surrogate escape ({@code "\\ud800"}) or U+0000 ({@code "\\u0000"}):
   * valid JSON, but no text the databases can store as sent (PostgreSQL text and jsonb refuse
   * U+0000; an unpaired surrogate becomes {@code ?}, merging distinct keys).
   */
  INVALID_UNICODE,
  /** Not JSON: syntax error, truncated record, trailing garbage. */
  MALFORMED_JSON,
  /** Valid JSON, but an array or a scalar instead of an object. */
  NOT_AN_OBJECT,
  /** Objects or arrays nested deeper than {@code events.max-nesting-depth}. */
  NESTING_TOO_DEEP,
  /** The same known field appears twice. */
  DUPLICATE_FIELD,
  /** A required field is absent or null. */
  MISSING_FIELD,
  /** A field has the wrong JSON type. */
  WRONG_TYPE,
  /** A required string field is empty. */
  EMPTY_FIELD,
  /** A string field is longer than its limit. */
  FIELD_TOO_LONG,
  /** event_type has characters outside {@code [A-Za-z0-9_.:-]}. */
  INVALID_EVENT_TYPE,
  /** The timestamp cannot be read as ISO-8601 with a zone or integral epoch milliseconds. */
  INVALID_TIMESTAMP,
  /** The timestamp is outside {@code [events.min-timestamp, events.max-timestamp)}. */
  TIMESTAMP_OUT_OF_RANGE,
  /**
   * The timestamp is more than {@code events.max-future-skew} after the time the record reached us
   * (its Kafka timestamp): a client clock ahead of the world.
   */
  TIMESTAMP_IN_FUTURE,
  /**
   * The timestamp is more than {@code events.max-past-age} before the time the record reached us.
   */
  TIMESTAMP_TOO_OLD,
  /** A number is NaN, infinite, or overflows a double. */
  NON_FINITE_NUMBER,
  /** priority is not one of high, normal, low. */
  INVALID_PRIORITY,
  /** More dimensions than allowed. */
  TOO_MANY_DIMENSIONS,
  /** A dimension key is empty, too long or has forbidden characters. */
  INVALID_DIMENSION_KEY,
  /** The event arrived after its window closed and the allowed lateness passed. */
  LATE;

  private final String code = name().toLowerCase(Locale.ROOT);

  /**
   * Lower-case code, e.g. {@code malformed_json}; computed once, it goes with every dead letter.
   */
  public String code() {
    return code;
  }
}
