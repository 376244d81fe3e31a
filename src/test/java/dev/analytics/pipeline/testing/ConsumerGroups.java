package dev.analytics.pipeline.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What a consumer group (the job's Kafka source) has committed. */
public final class ConsumerGroups {
  private ConsumerGroups() {}

  /**
   * Waits until {@code group} has committed the current end offset of every partition of {@code
   * topic}. The job's source commits on completed checkpoints, so afterwards every record has been
   * processed and checkpointed: a drain then fires windows over all of them.
   */
  public static void awaitCommittedToEnd(
      Properties admin, String group, String topic, Duration timeout) throws Exception {
    awaitCommittedToEnd(admin, group, topic, timeout, () -> {});
  }

  /** What a wait checks between two polls; it throws to stop waiting. */
  public interface Check {
    void run() throws Exception;
  }

  /**
   * {@link #awaitCommittedToEnd(Properties, String, String, Duration)}, running {@code
   * whileWaiting} before every poll after the first (e.g. that the consumer's process still
   * answers), so that a consumer that died fails the wait at once.
   */
  public static void awaitCommittedToEnd(
      Properties admin, String group, String topic, Duration timeout, Check whileWaiting)
      throws Exception {
    try (Admin client = Admin.create(admin)) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicPartition tp : partitions(client, topic)) {
        latest.put(tp, OffsetSpec.latest());
      }
      Map<TopicPartition, Long> ends = new HashMap<>();
      client.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            client.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        boolean done =
            ends.entrySet().stream()
                .allMatch(
                    e ->
                        committed.get(e.getKey()) != null
                            && committed.get(e.getKey()).offset() >= e.getValue());
        if (done) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "group " + group + " committed " + committed + ", end offsets " + ends);
        }
        whileWaiting.run();
        Thread.sleep(200);
      }
    }
  }

  /** Commits offset 0 of every partition of {@code topic} for {@code group}. */
  public static void startAtTheBeginning(Properties admin, String group, String topic)
      throws Exception {
    try (Admin client = Admin.create(admin)) {
      Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
      for (TopicPartition tp : partitions(client, topic)) {
        zero.put(tp, new OffsetAndMetadata(0));
      }
      client.alterConsumerGroupOffsets(group, zero).all().get();
    }
  }

  private static List<TopicPartition> partitions(Admin client, String topic) throws Exception {
    return client
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get()
        .get(topic)
        .partitions()
        .stream()
        .map(p -> new TopicPartition(topic, p.partition()))
        .toList();
  }
}
