package dev.analytics.pipeline.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every committed record of a topic (isolation.level=read_committed): what a downstream
 * consumer of the exactly-once outputs sees. For the local run's summary and the tests.
 */
public final class CommittedRecords {
  private CommittedRecords() {}

  public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    forEach(bootstrap, topic, Duration.ofSeconds(60), out::add);
    return out;
  }

  /** How many committed records the topic holds, without keeping them. */
  public static long count(String bootstrap, String topic, Duration timeout) {
    long[] count = {0};
    forEach(bootstrap, topic, timeout, r -> count[0]++);
    return count[0];
  }

  /** Hands every committed record, up to the end offsets at the start, to {@code action}. */
  public static void forEach(
      String bootstrap,
      String topic,
      Duration timeout,
      Consumer<ConsumerRecord<byte[], byte[]>> action) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Timed out reading " + topic + " up to " + end);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(action);
      }
    }
  }
}
