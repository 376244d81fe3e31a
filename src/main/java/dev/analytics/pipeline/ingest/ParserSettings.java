package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.config.JobConfig;
import java.io.Serializable;
import java.time.Instant;

/**
 * Limits the parser enforces.
 *
 * @param maxRecordBytes a larger record is {@code record_too_large}
 * @param maxNestingDepth deeper JSON is {@code nesting_too_deep}
 * @param minTimestamp earliest accepted event time, epoch ms (inclusive)
 * @param maxTimestamp event times at or after this (epoch ms) are out of range
 */
public record ParserSettings(
    int maxRecordBytes, int maxNestingDepth, long minTimestamp, long maxTimestamp)
    implements Serializable {

  public static final ParserSettings DEFAULTS =
      new ParserSettings(
          1 << 20,
          32,
          Instant.parse("2000-01-01T00:00:00Z").toEpochMilli(),
          Instant.parse("2100-01-01T00:00:00Z").toEpochMilli());

  public static ParserSettings from(JobConfig config) {
    return new ParserSettings(
        config.get(EventOptions.EVENTS_MAX_RECORD_BYTES),
        config.get(EventOptions.EVENTS_MAX_NESTING_DEPTH),
        Instant.parse(config.get(EventOptions.EVENTS_MIN_TIMESTAMP)).toEpochMilli(),
        Instant.parse(config.get(EventOptions.EVENTS_MAX_TIMESTAMP)).toEpochMilli());
  }
}
