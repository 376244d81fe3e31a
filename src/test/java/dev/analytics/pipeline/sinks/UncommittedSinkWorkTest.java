package dev.analytics.pipeline.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.testing.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job that starts without state over the uncommitted work of an earlier run of its instance (a
 * PostgreSQL transaction prepared at its last checkpoint, a Kafka transaction still open) is told
 * so, naming what it found; work of other instances, including one whose id begins with this one's,
 * is not its business. Real PostgreSQL and a real in-JVM Kafka broker.
 */
class UncommittedSinkWorkTest {
  private static PostgresServer postgres;
  private static EmbeddedKafka kafka;
  private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    kafka = EmbeddedKafka.start();
    kafka.createTopics(1, "uncommitted-out");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      postgres.close();
    } finally {
      kafka.close();
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (KafkaProducer<byte[], byte[]> p : producers) {
      p.abortTransaction();
      p.close();
    }
    postgres.rollbackPreparedTransactions();
  }

  private static JobConfig config(String instanceId) {
    return JobConfig.of(
        Map.of(
            "job.instance-id", instanceId,
            "kafka.bootstrap-servers", kafka.bootstrapServers(),
            "postgres.url", postgres.jdbcUrl(),
            "postgres.user", postgres.user()));
  }

  /** A transaction of {@code transactionalId} with one record, sent and left open. */
  private void openKafkaTransaction(String transactionalId) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("transactional.id", transactionalId);
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    producers.add(producer);
    producer.initTransactions();
    producer.beginTransaction();
    producer.send(new ProducerRecord<>("uncommitted-out", "x".getBytes(StandardCharsets.UTF_8)));
    producer.flush();
  }

  private static void preparePostgresTransaction(String gid) throws Exception {
    try (Connection c = postgres.connect();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("SELECT 1");
      s.execute("PREPARE TRANSACTION '" + gid + "'");
    }
  }

  @Test
  void nothingUncommittedSaysNothing() {
    JobConfig config = config("prod");
    List<String> found = UncommittedSinkWork.find(config);
    assertThat(found).isEmpty();
    assertThat(UncommittedSinkWork.warn(config, found)).isNull();
  }

  @Test
  void theInstancesOwnPreparedAndOpenTransactionsAreNamedLoudly() throws Exception {
    preparePostgresTransaction("prod.postgres-daily-counters:0:7:1:1764640000-0a1b2c3d");
    openKafkaTransaction("prod-aggregates-0-7");
    // Others: another instance, and one whose id begins with "prod".
    preparePostgresTransaction("other.postgres-daily-counters:0:7:1:1764640000-0a1b2c3d");
    preparePostgresTransaction("prod.x.postgres-daily-counters:0:7:1:1764640000-0a1b2c3d");
    openKafkaTransaction("other-aggregates-0-7");

    JobConfig config = config("prod");
    List<String> found = UncommittedSinkWork.find(config);

    assertThat(found).hasSize(2);
    assertThat(found.get(0))
        .startsWith("PostgreSQL")
        .contains("1 prepared transaction(s)")
        .contains("prod.postgres-daily-counters:0:7:1:1764640000-0a1b2c3d")
        .doesNotContain("other")
        .doesNotContain("prod.x");
    assertThat(found.get(1))
        .startsWith("Kafka")
        .contains("1 open transaction(s)")
        .contains("prod-aggregates-0-7")
        .doesNotContain("other");
    assertThat(UncommittedSinkWork.warn(config, found))
        .contains("job instance 'prod' starts WITHOUT STATE")
        .contains("is LOST")
        .contains("jobs/cluster.sh resume");
  }

  @Test
  void anExplicitKafkaTransactionalIdPrefixIsTheOneLookedFor() throws Exception {
    openKafkaTransaction("custom-prefix-dlq-1-3");
    Map<String, String> values =
        Map.of(
            "job.instance-id", "prod",
            "kafka.bootstrap-servers", kafka.bootstrapServers(),
            "kafka.transactional-id-prefix", "custom-prefix");
    assertThat(UncommittedSinkWork.find(JobConfig.of(values)))
        .singleElement()
        .asString()
        .contains("custom-prefix-dlq-1-3");
    assertThat(UncommittedSinkWork.find(config("prod"))).isEmpty();
  }
}
