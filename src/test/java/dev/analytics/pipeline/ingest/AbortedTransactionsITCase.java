package dev.analytics.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.OperatorIds;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.testing.BoundedJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream producer that writes in transactions and aborts one: the source reads only what was
 * committed ({@code kafka.isolation-level} read_committed, the default), and everything with
 * read_uncommitted. Real in-JVM Kafka broker, the job's own source on a MiniCluster.
 */
class AbortedTransactionsITCase {
  @RegisterExtension static final MiniClusterExtension FLINK = BoundedJobs.miniCluster();

  private static EmbeddedKafka kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    kafka.createTopics(2, "aborted-events", "aborted-dead-letters");
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("transactional.id", "upstream-producer");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      send(producer, "committed-a", 10);
      send(producer, "aborted", 5, true);
      send(producer, "committed-b", 10);
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String prefix, int n) {
    send(producer, prefix, n, false);
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer, String prefix, int n, boolean abort) {
    producer.beginTransaction();
    for (int i = 0; i < n; i++) {
      String json =
          "{\"event_id\":\""
              + prefix
              + "-"
              + i
              + "\",\"event_type\":\"t\",\"timestamp\":\""
              + Instant.now()
              + "\"}";
      producer.send(
          new ProducerRecord<>(
              "aborted-events", i % 2, null, json.getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
    if (abort) {
      producer.abortTransaction();
    } else {
      producer.commitTransaction();
    }
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  @Test
  void readsOnlyCommittedRecordsByDefault() throws Exception {
    TreeSet<String> ids = eventIds(Map.of());
    assertThat(ids.size()).as(ids.toString()).isEqualTo(20);
    assertThat(ids.stream().filter(id -> id.startsWith("aborted")).count())
        .as(ids.toString())
        .isEqualTo(0);
  }

  @Test
  void readsAbortedRecordsTooWhenAskedTo() throws Exception {
    TreeSet<String> ids = eventIds(Map.of("kafka.isolation-level", "read_uncommitted"));
    assertThat(ids.size()).as(ids.toString()).isEqualTo(25);
  }

  private TreeSet<String> eventIds(Map<String, String> extra) throws Exception {
    Map<String, String> values =
        BoundedJobs.config(kafka.bootstrapServers(), "aborted", tmp.resolve("checkpoints"));
    values.putAll(extra);
    JobConfig config = JobConfig.of(values);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    List<ParsedRecord> records = new ArrayList<>();
    try (CloseableIterator<ParsedRecord> it =
        env.fromSource(
                KafkaEventSource.create(config),
                KafkaEventSource.watermarks(config),
                OperatorIds.KAFKA_SOURCE_NAME)
            .executeAndCollect()) {
      it.forEachRemaining(records::add);
    }
    TreeSet<String> ids = new TreeSet<>();
    for (ParsedRecord r : records) {
      ids.add(r.isEvent() ? r.event.eventId : "dead letter: " + r.deadLetter);
    }
    return ids;
  }
}
