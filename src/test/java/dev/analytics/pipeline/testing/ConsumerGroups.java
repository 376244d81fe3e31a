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
    try (Admin client = Admin.create(admin)) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      List<Integer> partitions =
          client
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get()
              .get(topic)
              .partitions()
              .stream()
              .map(p -> p.partition())
              .toList();
      for (int p : partitions) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
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
        Thread.sleep(200);
      }
    }
  }
}
