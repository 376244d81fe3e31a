package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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

  /** The records of {@code requests}, checked and stamped as at a first submission. */
  static ControlBootstrap of(
      JobConfig config, List<ControlRequest> requests, Map<TopicPartition, Long> offsets) {
    return of(config, requests, offsets, List.of(), List.of());
  }

  /**
   * The records of {@code requests}, checked and stamped as at a submission, where the decision an
   * earlier run of the instance took about the same record stands: applied, it keeps the event time
   * that run stamped ({@code earlierApplied}: the audit topic); refused (and never applied), it is
   * refused again with that run's reason ({@code earlierRefused}: the refusal topic), even where it
   * was refused for a watermark this start does not have yet.
   */
  static ControlBootstrap of(
      JobConfig config,
      List<ControlRequest> requests,
      Map<TopicPartition, Long> offsets,
      List<ControlChange> earlierApplied,
      List<ControlRefusal> earlierRefused) {
    // The last decision about each record, as the topics hold them in order.
    Map<String, ControlChange> appliedByRecord = new HashMap<>();
    earlierApplied.forEach(
        c ->
            appliedByRecord.put(recordId(c.partition, c.offset, c.requestedAt, c.key, c.value), c));
    Map<String, ControlRefusal> refusedByRecord = new HashMap<>();
    earlierRefused.forEach(
        r ->
            refusedByRecord.put(recordId(r.partition, r.offset, r.requestedAt, r.key, r.value), r));
    ControlStamper stamper = ControlStamper.atSubmission(config);
    List<ControlRefusal> refused = new ArrayList<>();
    for (ControlRequest request : requests) {
      ControlChange applied = appliedByRecord.get(recordId(request));
      ControlRefusal refusal = refusedByRecord.get(recordId(request));
      String reason;
      if (applied == null && refusal != null) {
        reason = refusal.reason;
      } else {
        if (applied != null
            && request.effectiveFrom == null
            && request.problem == null
            && applied.effectiveFrom != Long.MIN_VALUE) {
          request.effectiveFrom = applied.effectiveFrom;
        }
        reason = stamper.apply(request);
      }
      if (reason != null) {
        refused.add(ControlRefusal.of(request, reason, Long.MIN_VALUE));
      }
    }
    return new ControlBootstrap(stamper.history(), refused, offsets);
  }

  /** A control record's identity: its position, the time it was asked for and its content. */
  private static String recordId(
      int partition, long offset, long requestedAt, String key, String value) {
    return partition + "/" + offset + "@" + requestedAt + " " + key + "=" + value;
  }

  private static String recordId(ControlRequest r) {
    return recordId(r.partition, r.offset, r.requestedAt, r.key, r.value);
  }

  /**
   * Reads the control topic of {@code config} to its end (committed records), checks and stamps its
   * records, and writes the outcome to the audit and refusal topics, as the job does for the
   * records it reads later. The decisions an earlier run of the instance took about the same
   * records stand (see {@link #of(JobConfig, List, Map, List, List)}: a replay from the beginning
   * writes the rows that run wrote), and what the topics already say is not written again.
   *
   * @throws IllegalStateException when the control topic does not exist or cannot be read
   */
  public static ControlBootstrap atSubmission(JobConfig config) {
    String topic = config.get(ControlOptions.CONTROL_TOPIC);
    TopicContents control =
        TopicContents.read(config, topic, READ_TIMEOUT)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "control.topic '"
                            + topic
                            + "' does not exist: create it (compacted, one partition)"));
    List<ControlRequest> requests = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : control.records()) {
      requests.add(
          ControlJson.request(r.key(), r.value(), r.partition(), r.offset(), r.timestamp()));
    }
    List<ControlChange> earlierApplied =
        readEarlier(config, ControlTopics.appliedTopic(config), ControlJson::readApplied);
    List<ControlRefusal> earlierRefused =
        readEarlier(config, ControlTopics.refusedTopic(config), ControlJson::readRefused);
    ControlBootstrap bootstrap =
        of(config, requests, control.end(), earlierApplied, earlierRefused);
    bootstrap.record(config, earlierApplied, earlierRefused);
    LOG.info(
        "Control topic '{}' at submission: {} records, {} changes applied, {} refused; the control"
            + " source starts at {}",
        topic,
        requests.size(),
        bootstrap.applied.size(),
        bootstrap.refused.size(),
        control.end());
    return bootstrap;
  }

  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  /** The readable records of an audit or refusal topic (none when it does not exist yet). */
  private static <T> List<T> readEarlier(
      JobConfig config, String topic, Function<byte[], T> reader) {
    List<T> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        TopicContents.read(config, topic, READ_TIMEOUT)
            .map(TopicContents::records)
            .orElse(List.of())) {
      try {
        out.add(reader.apply(r.value()));
      } catch (IllegalArgumentException e) {
        LOG.warn("Skipping a record of '{}' at offset {}: {}", topic, r.offset(), e.getMessage());
      }
    }
    return out;
  }

  /**
   * The outcome, on the audit and refusal topics, but for the decisions about the same records that
   * they already hold.
   */
  private void record(
      JobConfig config, List<ControlChange> earlierApplied, List<ControlRefusal> earlierRefused) {
    Set<String> appliedBefore = new HashSet<>();
    earlierApplied.forEach(c -> appliedBefore.add(decision(c)));
    Set<String> refusedBefore = new HashSet<>();
    earlierRefused.forEach(r -> refusedBefore.add(decision(r)));
    List<ControlChange> newApplied =
        applied.stream().filter(c -> !appliedBefore.contains(decision(c))).toList();
    List<ControlRefusal> newRefused =
        refused.stream().filter(r -> !refusedBefore.contains(decision(r))).toList();
    if (newApplied.isEmpty() && newRefused.isEmpty()) {
      return;
    }
    Properties props = TopicContents.clientProperties(config);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (ControlChange c : newApplied) {
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
      for (ControlRefusal r : newRefused) {
        LOG.warn("Control change refused at submission: {} = {}: {}", r.key, r.value, r.reason);
        producer.send(
            new ProducerRecord<>(
                ControlTopics.refusedTopic(config), bytes(r.key), ControlJson.refused(r)));
      }
      producer.flush();
    }
  }

  /** What was decided about which control record: its position and time, the change applied. */
  private static String decision(ControlChange c) {
    return recordId(c.partition, c.offset, c.requestedAt, c.key, c.value)
        + " from "
        + c.effectiveFrom;
  }

  /** What was decided about which control record: its position and time, the reason refused. */
  private static String decision(ControlRefusal r) {
    return r.partition + "/" + r.offset + "@" + r.requestedAt + " refused: " + r.reason;
  }

  private static byte[] bytes(String key) {
    return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
  }
}
