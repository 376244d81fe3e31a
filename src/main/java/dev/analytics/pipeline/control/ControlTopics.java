package dev.analytics.pipeline.control;

import dev.analytics.pipeline.OperatorIds;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaClientProperties;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.sinks.kafka.KafkaSinks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka side of run-time control: the control topic read from its beginning (a compacted topic
 * holds the latest change of each key; the stamper's state remembers which it applied), and the
 * audit and refusal topics written exactly once.
 */
public final class ControlTopics {
  private ControlTopics() {}

  public static boolean enabled(JobConfig config) {
    return !config.get(ControlOptions.CONTROL_TOPIC).isBlank();
  }

  public static String appliedTopic(JobConfig config) {
    String topic = config.get(ControlOptions.CONTROL_APPLIED_TOPIC);
    return topic.isBlank() ? config.get(ControlOptions.CONTROL_TOPIC) + "-applied" : topic;
  }

  public static String refusedTopic(JobConfig config) {
    String topic = config.get(ControlOptions.CONTROL_REFUSED_TOPIC);
    return topic.isBlank() ? config.get(ControlOptions.CONTROL_TOPIC) + "-refused" : topic;
  }

  /**
   * The control records after those of {@code bootstrap}, at parallelism 1, or null without
   * run-time control. Its watermark is the end of time: control records carry no event time, and
   * the operators that join them to the events follow the events' watermark alone. Bounded when the
   * event source is (tests, backfills).
   */
  public static DataStream<ControlRequest> source(
      StreamExecutionEnvironment env, JobConfig config, ControlBootstrap bootstrap) {
    if (!enabled(config)) {
      return null;
    }
    KafkaSourceBuilder<ControlRequest> builder =
        KafkaSource.<ControlRequest>builder()
            .setBootstrapServers(config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS))
            .setTopics(config.get(ControlOptions.CONTROL_TOPIC))
            .setProperties(KafkaClientProperties.from(config))
            .setProperty("isolation.level", "read_committed")
            // Its offsets live in checkpoints; it has no consumer group to commit them to.
            .setProperty("commit.offsets.on.checkpoint", "false")
            .setProperty("partition.discovery.interval.ms", "60000")
            .setStartingOffsets(
                bootstrap.offsets.isEmpty()
                    ? OffsetsInitializer.earliest()
                    : OffsetsInitializer.offsets(bootstrap.offsets, OffsetResetStrategy.EARLIEST))
            .setDeserializer(new Deserializer());
    if (config.get(KafkaOptions.KAFKA_BOUNDED)) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return env.fromSource(
            builder.build(),
            WatermarkStrategy.<ControlRequest>forGenerator(ctx -> new EndOfTime()),
            OperatorIds.CONTROL_KAFKA_SOURCE_NAME)
        .setParallelism(1)
        .uid(OperatorIds.CONTROL_KAFKA_SOURCE);
  }

  /** The audit topic of applied changes and the topic of refused ones, exactly once. */
  public static void attachSinks(
      DataStream<ControlChange> applied, DataStream<ControlRefusal> refused, JobConfig config) {
    toTopic(
        applied,
        appliedTopic(config),
        c -> c.key,
        ControlJson::applied,
        config,
        OperatorIds.CONTROL_APPLIED_SINK,
        OperatorIds.CONTROL_APPLIED_SINK_NAME);
    toTopic(
        refused,
        refusedTopic(config),
        r -> r.key,
        ControlJson::refused,
        config,
        OperatorIds.CONTROL_REFUSED_SINK,
        OperatorIds.CONTROL_REFUSED_SINK_NAME);
  }

  private static <T> void toTopic(
      DataStream<T> records,
      String topic,
      SerializableFunction<T, String> key,
      SerializableFunction<T, byte[]> value,
      JobConfig config,
      String uid,
      String name) {
    records
        .sinkTo(
            KafkaSinks.exactlyOnce(
                config,
                (r, ctx, ts) -> {
                  String k = key.apply(r);
                  return new ProducerRecord<>(
                      topic, k == null ? null : k.getBytes(StandardCharsets.UTF_8), value.apply(r));
                },
                uid))
        .setParallelism(1)
        .uid(uid)
        .name(name);
  }

  /** Reads every record; an unreadable one becomes a request carrying its problem. */
  private static final class Deserializer
      implements KafkaRecordDeserializationSchema<ControlRequest> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ControlRequest> out)
        throws IOException {
      out.collect(
          ControlJson.request(
              record.key(),
              record.value(),
              record.partition(),
              record.offset(),
              record.timestamp()));
    }

    @Override
    public TypeInformation<ControlRequest> getProducedType() {
      return TypeInformation.of(ControlRequest.class);
    }
  }

  /** The watermark of an input without event time: the end of time, at once. */
  private static final class EndOfTime implements WatermarkGenerator<ControlRequest> {
    @Override
    public void onEvent(ControlRequest event, long eventTimestamp, WatermarkOutput output) {}

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      output.emitWatermark(new Watermark(Long.MAX_VALUE));
    }
  }
}
