package dev.analytics.pipeline.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the job's output topics (aggregates, alerts, dead letters) from their beginning and hands
 * every record to {@link LiveResults}: the live page shows what a downstream consumer sees. It
 * reads committed records only (isolation.level=read_committed), so the exactly-once sinks' records
 * appear when the checkpoint that commits them completes (checkpoint.interval).
 */
final class LiveResultsReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final LiveResults results;
  private final String aggregatesTopic;
  private final String alertsTopic;
  private final String deadLetterTopic;
  private volatile boolean running = true;

  LiveResultsReader(
      String bootstrap,
      LiveResults results,
      String aggregatesTopic,
      String alertsTopic,
      String deadLetterTopic) {
    this.results = results;
    this.aggregatesTopic = aggregatesTopic;
    this.alertsTopic = alertsTopic;
    this.deadLetterTopic = deadLetterTopic;
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    p.put("client.id", "live-results-page");
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(aggregatesTopic, alertsTopic, deadLetterTopic)) {
      consumer
          .partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.thread = new Thread(this::follow, "live-results-reader");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void follow() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            continue;
          }
          if (r.topic().equals(aggregatesTopic)) {
            results.addAggregate(r.value());
          } else if (r.topic().equals(alertsTopic)) {
            results.addAlert(r.value());
          } else if (r.topic().equals(deadLetterTopic)) {
            results.addDeadLetter(r.value());
          }
        }
      }
    } catch (WakeupException stopping) {
      // close() below.
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
