package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.ParsedRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every Kafka record into exactly one {@link ParsedRecord}: an event, or a dead letter that
 * carries the reason, a bounded prefix of the raw bytes and the record's coordinates. It never
 * throws, so no input can fail or restart the job, and no record is dropped.
 *
 * <p>An event's time is judged against the record's Kafka timestamp ({@link EventTimeBounds}); the
 * event keeps that timestamp and its coordinates, for the watermark and for its dead letter should
 * it arrive late.
 */
public final class KafkaEventDeserializer
    implements KafkaRecordDeserializationSchema<ParsedRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaEventDeserializer.class);

  private final EventParser parser;
  private final EventTimeBounds bounds;
  private final int maxRawBytes;

  public KafkaEventDeserializer(ParserSettings settings, EventTimeBounds bounds, int maxRawBytes) {
    this.parser = new EventParser(settings);
    this.bounds = bounds;
    this.maxRawBytes = maxRawBytes;
  }

  /** The limits and dead-letter size of the configuration. */
  public static KafkaEventDeserializer from(JobConfig config) {
    return new KafkaEventDeserializer(
        ParserSettings.from(config),
        EventTimeBounds.from(config),
        config.get(EventOptions.DEAD_LETTER_MAX_RAW_BYTES));
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedRecord> out) {
    out.collect(
        parse(
            record.value(),
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp()));
  }

  /**
   * Parses one record value; {@code receivedAt} is the Kafka timestamp (or the replay's clock), or
   * -1 when unknown, in which case no event is judged against it.
   */
  public ParsedRecord parse(
      byte[] value, String topic, int partition, long offset, long receivedAt) {
    try {
      AnalyticsEvent event = parser.parse(value);
      bounds.check(event.timestamp, receivedAt);
      event.receivedAt = receivedAt;
      event.sourcePartition = partition;
      event.sourceOffset = offset;
      return ParsedRecord.of(event);
    } catch (InvalidEventException e) {
      return deadLetter(e, value, topic, partition, offset, receivedAt);
    } catch (RuntimeException e) {
      // A parser bug must not take the job down in a restart loop: keep the record, say why.
      LOG.error("Parser failure at {}/{}/{}", topic, partition, offset, e);
      return ParsedRecord.of(
          DeadLetter.of(
              DeadLetterReason.MALFORMED_JSON,
              null,
              "parser failure: " + e,
              value,
              maxRawBytes,
              topic,
              partition,
              offset,
              receivedAt));
    }
  }

  /**
   * Judges a parsed event that arrived at {@code receivedAt} (for sources that know it only later,
   * such as the replay's clock): the event with its arrival set, or its dead letter. Dead letters
   * pass unchanged.
   */
  public ParsedRecord judge(ParsedRecord parsed, byte[] value, String topic, long receivedAt) {
    if (!parsed.isEvent()) {
      return parsed;
    }
    AnalyticsEvent event = parsed.event;
    try {
      bounds.check(event.timestamp, receivedAt);
    } catch (InvalidEventException e) {
      return deadLetter(e, value, topic, event.sourcePartition, event.sourceOffset, receivedAt);
    }
    event.receivedAt = receivedAt;
    return parsed;
  }

  private ParsedRecord deadLetter(
      InvalidEventException e,
      byte[] value,
      String topic,
      int partition,
      long offset,
      long receivedAt) {
    return ParsedRecord.of(
        DeadLetter.of(
            e.reason(),
            e.field(),
            e.detail(),
            value,
            maxRawBytes,
            topic,
            partition,
            offset,
            receivedAt));
  }

  @Override
  public TypeInformation<ParsedRecord> getProducedType() {
    return TypeInformation.of(ParsedRecord.class);
  }
}
