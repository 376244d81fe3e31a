package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.ParsedRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka source of the job and its event-time watermarks.
 *
 * <p>Records are parsed inside the source, so watermarks are generated per Kafka partition from
 * event time. Offsets live in Flink checkpoints (committing them to the group is for monitoring).
 * Records of aborted producer transactions are skipped ({@code kafka.isolation-level}).
 */
public final class KafkaEventSource {
  private KafkaEventSource() {}

  public static KafkaSource<ParsedRecord> create(JobConfig config) {
    KafkaSourceBuilder<ParsedRecord> builder =
        KafkaSource.<ParsedRecord>builder()
            .setBootstrapServers(config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS))
            .setTopics(config.get(KafkaOptions.KAFKA_TOPIC))
            .setGroupId(config.get(KafkaOptions.KAFKA_GROUP_ID))
            .setProperties(KafkaClientProperties.from(config))
            .setProperty(
                "isolation.level",
                config.get(KafkaOptions.KAFKA_ISOLATION_LEVEL).name().toLowerCase(Locale.ROOT))
            .setProperty("commit.offsets.on.checkpoint", "true")
            .setProperty("partition.discovery.interval.ms", "60000")
            .setStartingOffsets(startingOffsets(config))
            .setDeserializer(KafkaEventDeserializer.from(config));
    if (config.get(KafkaOptions.KAFKA_BOUNDED)) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  /**
   * Event time from the parsed event; bounded out-of-orderness, each event trusted only up to its
   * Kafka timestamp ({@link ArrivalBoundedWatermarks}); idleness as configured. Dead letters carry
   * no event time and do not move the watermark.
   */
  public static WatermarkStrategy<ParsedRecord> watermarks(JobConfig config) {
    WatermarkStrategy<ParsedRecord> strategy =
        ArrivalBoundedWatermarks.strategy(
            config.get(EventOptions.WATERMARK_OUT_OF_ORDERNESS), false);
    Duration idleness = config.get(EventOptions.WATERMARK_IDLENESS);
    return idleness.isZero() ? strategy : strategy.withIdleness(idleness);
  }

  static OffsetsInitializer startingOffsets(JobConfig config) {
    return switch (config.get(KafkaOptions.KAFKA_START_POSITION)) {
      case EARLIEST -> OffsetsInitializer.earliest();
      case LATEST -> OffsetsInitializer.latest();
      case TIMESTAMP ->
          OffsetsInitializer.timestamp(
              parseInstant(config.get(KafkaOptions.KAFKA_START_TIMESTAMP)));
      case COMMITTED ->
          OffsetsInitializer.committedOffsets(
              config.get(KafkaOptions.KAFKA_OFFSET_RESET) == KafkaOptions.OffsetReset.EARLIEST
                  ? OffsetResetStrategy.EARLIEST
                  : OffsetResetStrategy.LATEST);
    };
  }

  /** ISO-8601 instant or epoch milliseconds. */
  static long parseInstant(String text) {
    String t = text.trim();
    return t.chars().allMatch(Character::isDigit)
        ? Long.parseLong(t)
        : Instant.parse(t).toEpochMilli();
  }
}
