package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaClientProperties;
import dev.analytics.pipeline.ingest.KafkaOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The committed records of a topic from its beginning to the end it had when it was read (records
 * appended meanwhile are left out), in offset order per partition, and those end offsets: what the
 * submission ({@link ControlBootstrap}) and {@code jobs/control.sh} ({@link ControlTool}) read of
 * the control, audit and refusal topics.
 */
record TopicContents(List<ConsumerRecord<byte[], byte[]>> records, Map<TopicPartition, Long> end) {

  /**
   * Reads {@code topic} with the Kafka client settings of {@code config}; empty when it does not
   * exist.
   *
   * @throws IllegalStateException when it cannot be read to its end within {@code timeout}
   */
  static Optional<TopicContents> read(JobConfig config, String topic, Duration timeout) {
    Properties props = clientProperties(config);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Asking for a missing topic must not create it with the broker's defaults.
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        return Optional.empty();
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = Map.copyOf(consumer.endOffsets(partitions));
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read topic '" + topic + "' to its end within " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            records.add(r);
          }
        }
      }
      return Optional.of(new TopicContents(List.copyOf(records), end));
    }
  }

  /** The Kafka client settings of the job (security included) and its bootstrap servers. */
  static Properties clientProperties(JobConfig config) {
    Properties props = KafkaClientProperties.from(config);
    props.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS));
    return props;
  }
}
