package dev.analytics.pipeline.ingest;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class EventOptions implements StageOptions {
  /** The first second ClickHouse's DateTime (UInt32 seconds) cannot store: 2106-02-07T06:28:16Z. */
  private static final Instant CLICKHOUSE_DATETIME_END = Instant.ofEpochSecond(1L << 32);

  public EventOptions() {}

  @Override
  public void check(ConfigChecks c) {
    events(c);
    watermarks(c);
  }

  // ---- events ----

  public static final ConfigOption<Integer> EVENTS_MAX_RECORD_BYTES =
      key("events.max-record-bytes")
          .intType()
          .defaultValue(1 << 20)
          .withDescription("A record larger than this is a dead letter (record_too_large).");

  public static final ConfigOption<Integer> EVENTS_MAX_NESTING_DEPTH =
      key("events.max-nesting-depth")
          .intType()
          .defaultValue(32)
          .withDescription("Deeper JSON nesting is a dead letter (nesting_too_deep).");

  public static final ConfigOption<String> EVENTS_MIN_TIMESTAMP =
      key("events.min-timestamp")
          .stringType()
          .defaultValue("2000-01-01T00:00:00Z")
          .withDescription("Earliest accepted event time (ISO-8601); older is out of range.");

  public static final ConfigOption<String> EVENTS_MAX_TIMESTAMP =
      key("events.max-timestamp")
          .stringType()
          .defaultValue("2100-01-01T00:00:00Z")
          .withDescription("Event times at or after this (ISO-8601) are out of range.");

  public static final ConfigOption<Duration> EVENTS_MAX_FUTURE_SKEW =
      key("events.max-future-skew")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "An event whose time is further than this after its Kafka record timestamp (when"
                  + " it reached us) is a dead letter (timestamp_in_future): a client clock"
                  + " ahead. No event moves the watermark past its record's timestamp.");

  public static final ConfigOption<Duration> EVENTS_MAX_PAST_AGE =
      key("events.max-past-age")
          .durationType()
          .defaultValue(Duration.ZERO)
          .withDescription(
              "An event whose time is further than this before its Kafka record timestamp is a"
                  + " dead letter (timestamp_too_old); 0 disables (events behind the watermark"
                  + " are late dead letters either way).");

  // ---- dead letters ----

  public static final ConfigOption<String> DEAD_LETTER_TOPIC =
      key("dead-letter.topic")
          .stringType()
          .defaultValue("analytics-dead-letters")
          .withDescription("Topic of the dead letters (written exactly-once).");

  public static final ConfigOption<Integer> DEAD_LETTER_MAX_RAW_BYTES =
      key("dead-letter.max-raw-bytes")
          .intType()
          .defaultValue(16384)
          .withDescription(
              "Bytes of the original record kept in a dead letter; its full size is kept too.");

  // ---- watermarks ----

  public static final ConfigOption<Duration> WATERMARK_OUT_OF_ORDERNESS =
      key("watermark.out-of-orderness")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("Bounded out-of-orderness of event time.");

  public static final ConfigOption<Duration> WATERMARK_IDLENESS =
      key("watermark.idleness")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "A Kafka partition without records for this long stops holding back the"
                  + " watermark; 0 disables.");

  private static void events(ConfigChecks c) {
    c.between(
        EventOptions.EVENTS_MAX_RECORD_BYTES,
        ConfigChecks.KIB,
        64 * ConfigChecks.MIB,
        "1 KiB",
        "64 MiB");
    c.between(EventOptions.EVENTS_MAX_NESTING_DEPTH, 2, 1000, "2", "1000");
    int maxRecord = c.get(EventOptions.EVENTS_MAX_RECORD_BYTES);
    int maxRaw = c.get(EventOptions.DEAD_LETTER_MAX_RAW_BYTES);
    if (maxRaw < 0 || maxRaw > maxRecord) {
      throw c.fail(
          EventOptions.DEAD_LETTER_MAX_RAW_BYTES,
          "is not in [0, events.max-record-bytes (" + maxRecord + ")]");
    }
    Instant min = c.instant(EventOptions.EVENTS_MIN_TIMESTAMP);
    Instant max = c.instant(EventOptions.EVENTS_MAX_TIMESTAMP);
    if (!min.isBefore(max)) {
      throw c.fail(
          EventOptions.EVENTS_MIN_TIMESTAMP,
          "is not before events.max-timestamp ("
              + max
              + "): the accepted range [min, max) would be empty");
    }
    // Every table stores event time as ClickHouse DateTime (seconds, 1970..2106) or timestamptz.
    if (min.isBefore(Instant.EPOCH)) {
      throw c.fail(
          EventOptions.EVENTS_MIN_TIMESTAMP,
          "is before 1970-01-01T00:00:00Z, the first time ClickHouse's DateTime can store");
    }
    if (max.isAfter(CLICKHOUSE_DATETIME_END)) {
      throw c.fail(
          EventOptions.EVENTS_MAX_TIMESTAMP,
          "is after "
              + CLICKHOUSE_DATETIME_END
              + ", past the last time ClickHouse's DateTime can store");
    }
    c.atLeast(EventOptions.EVENTS_MAX_FUTURE_SKEW, Duration.ZERO);
    c.atLeast(EventOptions.EVENTS_MAX_PAST_AGE, Duration.ZERO);
  }

  private static void watermarks(ConfigChecks c) {
    c.atLeast(EventOptions.WATERMARK_OUT_OF_ORDERNESS, Duration.ZERO);
    c.atLeast(EventOptions.WATERMARK_IDLENESS, Duration.ZERO);
  }
}
