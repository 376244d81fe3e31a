package dev.analytics.pipeline.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.control.ControlJson;
import dev.analytics.pipeline.local.CommittedRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The run-time changes of a chaos run: written to the job's control topic during the fault rounds,
 * each with an explicit {@code effective_from} ahead of everything produced so far, and watched for
 * on the job's audit and refusal topics.
 *
 * <p>The producer holds back every record at or after a pending change's {@code effective_from}
 * until the job has applied the change (its audit record committed, {@code read_committed}): the
 * job then has every change before any event it applies to, whatever the faults do, so the
 * expectation ({@link ExpectedResults}, computed with the changes as sent) is exact. A refused
 * change, or one applied at another time or with another value, fails the run.
 */
final class ChaosControl implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration HOLD_LIMIT = Duration.ofMinutes(5);

  /** One change sent: its key, value and the event time it applies from. */
  record Change(String key, String value, long effectiveFrom) {
    @Override
    public String toString() {
      return key + "=" + value + " from " + Instant.ofEpochMilli(effectiveFrom);
    }
  }

  private final String bootstrap;
  private final String topic;
  private final String appliedTopic;
  private final String refusedTopic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final List<Change> sent = new CopyOnWriteArrayList<>();
  private final List<Change> pending = new CopyOnWriteArrayList<>();
  private volatile long earliestPending = Long.MAX_VALUE;
  private volatile long heldMillis;
  private volatile long holds;

  /** Read by the producer's thread only (in {@link #awaitApplied}). */
  private KafkaConsumer<byte[], byte[]> watcher;

  ChaosControl(String bootstrap, String topic, String appliedTopic, String refusedTopic) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.appliedTopic = appliedTopic;
    this.refusedTopic = refusedTopic;
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    p.put("delivery.timeout.ms", "300000");
    p.put("max.block.ms", "300000");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Sends {@code key=value} applying from {@code effectiveFrom}, which must be ahead of every event
   * time produced so far: the producer holds records from there on until the job applied it.
   */
  void send(String key, String value, long effectiveFrom) throws Exception {
    Change change = new Change(key, value, effectiveFrom);
    pending.add(change);
    earliestPending = Math.min(earliestPending, effectiveFrom);
    sent.add(change);
    producer
        .send(
            new ProducerRecord<>(
                topic,
                key.getBytes(StandardCharsets.UTF_8),
                ControlJson.requestValue(value, Instant.ofEpochMilli(effectiveFrom))))
        .get(5, TimeUnit.MINUTES);
  }

  /**
   * Called by the producer before it sends a record of {@code eventTime}: returns at once unless a
   * change applying at or before it is pending, else when every such change is applied (false when
   * {@code stop} holds first).
   *
   * @throws IllegalStateException when the job refused a change, applied it otherwise than sent, or
   *     did not apply it within {@link #HOLD_LIMIT}
   */
  boolean awaitApplied(long eventTime, BooleanSupplier stop) {
    if (eventTime < earliestPending) {
      return true;
    }
    long t0 = System.nanoTime();
    holds++;
    try {
      while (true) {
        if (pending.stream().noneMatch(c -> c.effectiveFrom() <= eventTime)) {
          return true;
        }
        if (stop.getAsBoolean()) {
          return false;
        }
        if (System.nanoTime() - t0 > HOLD_LIMIT.toNanos()) {
          throw new IllegalStateException(
              "the job did not apply " + pending + " within " + HOLD_LIMIT);
        }
        if (watcher == null) {
          watcher = watcher();
        }
        for (ConsumerRecord<byte[], byte[]> r : watcher.poll(Duration.ofMillis(200))) {
          observe(r);
        }
      }
    } finally {
      heldMillis += (System.nanoTime() - t0) / 1_000_000;
    }
  }

  private void observe(ConsumerRecord<byte[], byte[]> r) {
    JsonNode n;
    try {
      n = JSON.readTree(r.value());
    } catch (Exception e) {
      throw new IllegalStateException("unreadable record on " + r.topic(), e);
    }
    String key = n.path("key").asText();
    String value = n.path("value").asText();
    for (Change c : pending) {
      if (!c.key().equals(key) || !c.value().equals(value)) {
        continue;
      }
      if (r.topic().equals(refusedTopic)) {
        throw new IllegalStateException("the job refused " + c + ": " + n.path("reason").asText());
      }
      long from = n.path("effective_from_ms").asLong();
      if (from != c.effectiveFrom()) {
        throw new IllegalStateException(
            "the job applied " + c + " from " + Instant.ofEpochMilli(from) + " instead");
      }
      pending.remove(c);
      earliestPending =
          pending.stream().mapToLong(Change::effectiveFrom).min().orElse(Long.MAX_VALUE);
      return;
    }
  }

  private KafkaConsumer<byte[], byte[]> watcher() {
    KafkaConsumer<byte[], byte[]> c = consumer();
    List<TopicPartition> tps =
        List.of(new TopicPartition(appliedTopic, 0), new TopicPartition(refusedTopic, 0));
    c.assign(tps);
    c.seekToBeginning(tps);
    return c;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The changes sent, in order. */
  List<Change> sent() {
    return List.copyOf(sent);
  }

  /**
   * What the job's topics say about the changes, after the run: every one sent applied exactly
   * once, at its time, none refused; the problems found (empty when all is well).
   */
  List<String> check() {
    List<String> problems = new ArrayList<>();
    Map<String, List<JsonNode>> byTopic = new TreeMap<>();
    try {
      for (String t : List.of(appliedTopic, refusedTopic)) {
        List<JsonNode> records = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(bootstrap, t)) {
          records.add(JSON.readTree(r.value()));
        }
        byTopic.put(t, records);
      }
    } catch (Exception e) {
      problems.add("the control topics could not be read: " + e);
      return problems;
    }
    for (JsonNode r : byTopic.get(refusedTopic)) {
      problems.add("control change refused: " + r);
    }
    List<Change> applied = new ArrayList<>();
    for (JsonNode r : byTopic.get(appliedTopic)) {
      applied.add(
          new Change(
              r.path("key").asText(),
              r.path("value").asText(),
              r.path("effective_from_ms").asLong()));
    }
    if (!applied.equals(sent)) {
      problems.add("control changes sent " + sent + ", applied " + applied);
    }
    if (!pending.isEmpty()) {
      problems.add("control changes never seen applied while producing: " + pending);
    }
    return problems;
  }

  /** For the summary. */
  String report() {
    return String.format(
        "control changes sent %d (%s); producer held %d times, %.1f s in all%n",
        sent.size(), sent, holds, heldMillis / 1e3);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
    if (watcher != null) {
      watcher.close(Duration.ofSeconds(10));
    }
  }
}
