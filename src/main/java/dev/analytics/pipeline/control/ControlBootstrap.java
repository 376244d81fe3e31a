package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaClientProperties;
import dev.analytics.pipeline.ingest.KafkaOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control topic as it stands when a job is submitted without state: every record up to its end,
 * checked and stamped before the job starts, so that every controlled operator holds these changes
 * before its first event and the control source starts after them.
 *
 * <p>Without it a replay from the beginning would race: the event source reads a backlog while the
 * control source starts, so the watermark could pass an explicit {@code effective_from} before its
 * record is read (refused), and events could reach an operator before a change that applies to
 * them. With it, the same input and the same control topic give the same rows.
 *
 * <p>At submission there is no watermark yet: a change without {@code effective_from} applies from
 * the start of the input, one with it from that time. A job restored from a savepoint does not
 * bootstrap: its stamper and operators restore the changes they held, its source its offsets.
 */
public final class ControlBootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(ControlBootstrap.class);

  /** The changes applied at submission, in order. */
  public final List<ControlChange> applied;

  /** The records refused at submission. */
  public final List<ControlRefusal> refused;

  /** Where the control source starts: after the records read here (empty: from the beginning). */
  public final Map<TopicPartition, Long> offsets;

  private ControlBootstrap(
      List<ControlChange> applied,
      List<ControlRefusal> refused,
      Map<TopicPartition, Long> offsets) {
    this.applied = List.copyOf(applied);
    this.refused = List.copyOf(refused);
    this.offsets = Map.copyOf(offsets);
  }

  /** Nothing read: a restore, or a job built without a control topic to read (tests). */
  public static ControlBootstrap none() {
    return new ControlBootstrap(List.of(), List.of(), Map.of());
  }

  /** The records of {@code requests}, checked and stamped as at a submission. */
  static ControlBootstrap of(
      JobConfig config, List<ControlRequest> requests, Map<TopicPartition, Long> offsets) {
    ControlStamper stamper = ControlStamper.atSubmission(config);
    List<ControlRefusal> refused = new ArrayList<>();
    for (ControlRequest request : requests) {
      String reason = stamper.apply(request);
      if (reason != null) {
        refused.add(ControlRefusal.of(request, reason, Long.MIN_VALUE));
      }
    }
    return new ControlBootstrap(stamper.history(), refused, offsets);
  }

  /**
   * Reads the control topic of {@code config} to its end (committed records), checks and stamps its
   * records, and writes the outcome to the audit and refusal topics, as the job does for the
   * records it reads later.
   */
  public static ControlBootstrap atSubmission(JobConfig config) {
    String topic = config.get(ControlOptions.CONTROL_TOPIC);
    Properties props = clientProperties(config);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ControlRequest> requests = new ArrayList<>();
    Map<TopicPartition, Long> end = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException(
            "control.topic '" + topic + "' does not exist: create it (compacted, one partition)");
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      end.putAll(consumer.endOffsets(partitions));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read control.topic '" + topic + "' to its end within 60 s");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            requests.add(
                ControlJson.request(r.key(), r.value(), r.partition(), r.offset(), r.timestamp()));
          }
        }
      }
    }
    ControlBootstrap bootstrap = of(config, requests, end);
    bootstrap.record(config);
    LOG.info(
        "Control topic '{}' at submission: {} records, {} changes applied, {} refused; the control"
            + " source starts at {}",
        topic,
        requests.size(),
        bootstrap.applied.size(),
        bootstrap.refused.size(),
        end);
    return bootstrap;
  }

  /** The outcome, on the audit and refusal topics. */
  private void record(JobConfig config) {
    if (applied.isEmpty() && refused.isEmpty()) {
      return;
    }
    Properties props = clientProperties(config);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (ControlChange c : applied) {
        LOG.info(
            "Control change #{} applied at submission: {} = {} from event time {}",
            c.seq,
            c.key,
            c.value == null ? "(start-up value)" : c.value,
            ControlStamper.show(c.effectiveFrom));
        producer.send(
            new ProducerRecord<>(
                ControlTopics.appliedTopic(config), bytes(c.key), ControlJson.applied(c)));
      }
      for (ControlRefusal r : refused) {
        LOG.warn("Control change refused at submission: {} = {}: {}", r.key, r.value, r.reason);
        producer.send(
            new ProducerRecord<>(
                ControlTopics.refusedTopic(config), bytes(r.key), ControlJson.refused(r)));
      }
      producer.flush();
    }
  }

  private static byte[] bytes(String key) {
    return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  private static Properties clientProperties(JobConfig config) {
    Properties props = KafkaClientProperties.from(config);
    props.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS));
    return props;
  }
}
