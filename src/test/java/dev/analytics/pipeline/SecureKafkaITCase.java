package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job against a real in-JVM Kafka broker whose only client listener is SASL_PLAINTEXT (PLAIN
 * mechanism, users of the KafkaClusterTestKit's JAAS file): with the right credentials, given as a
 * password file, {@link AnalyticsJob#main} consumes the topic and writes its dead letters
 * exactly-once; with a wrong password it fails with Kafka's authentication error. In both runs the
 * password appears nowhere: not in the logs (captured at INFO, where Kafka clients print their
 * configuration), not in the failure, not in the REST API of the cluster (job configuration, plan,
 * exceptions, JobManager configuration).
 */
class SecureKafkaITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final String USER = JaasUtils.KAFKA_PLAIN_USER1;
  private static final String PASSWORD = JaasUtils.KAFKA_PLAIN_USER1_PASSWORD;
  private static final String WRONG_PASSWORD = "Wr0ng-" + PASSWORD + "-7c1e";
  private static final long START = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();

  private static KafkaClusterTestKit cluster;

  @TempDir Path tmp;

  @BeforeAll
  static void startBroker() throws Exception {
    cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                    .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                    .build())
            // The kit enables the StandardAuthorizer; authorization is not under test here.
            .setConfigProp("super.users", "User:plain-admin;User:" + JaasUtils.KAFKA_PLAIN_USER1)
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false")
            .setDeleteOnClose(true)
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** SASL client properties of {@link #USER}. */
  private static Properties client(String password) {
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "PLAIN");
    p.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + USER
            + "\" password=\""
            + password
            + "\";");
    return p;
  }

  private static void createTopics(String... topics) throws Exception {
    List<NewTopic> newTopics = new ArrayList<>();
    for (String t : topics) {
      newTopics.add(new NewTopic(t, 1, (short) 1));
    }
    try (Admin admin = Admin.create(client(PASSWORD))) {
      admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
    }
  }

  private static void produce(String topic, List<String> values) throws Exception {
    Properties p = client(PASSWORD);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, v.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
    Properties p = client(PASSWORD);
    p.put("isolation.level", "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumer.position(tp) < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private String[] args(String topic, Path passwordFile) {
    return new String[] {
      "--kafka.bootstrap-servers", cluster.bootstrapServers(),
      "--kafka.topic", topic,
      "--dead-letter.topic", topic + "-dlq",
      "--kafka.security-protocol", "sasl_plaintext",
      "--kafka.sasl.mechanism", "PLAIN",
      "--kafka.sasl.username", USER,
      "--kafka.sasl.password-file", passwordFile.toString(),
      "--kafka.bounded", "true",
      "--kafka.start-position", "earliest",
      "--kafka.transaction-timeout", "1 min",
      "--checkpoint.interval", "500 ms",
      "--checkpoint.dir", tmp.resolve("checkpoints").toUri().toString(),
      "--state.backend", "hashmap",
      "--job.parallelism", "1",
      "--job.name", "secure-" + topic
    };
  }

  @Test
  void consumesAndWritesDeadLettersOverSaslWithoutShowingThePasswordAnywhere(
      @InjectClusterClient ClusterClient<?> rest) throws Exception {
    String topic = "sasl-events";
    createTopics(topic, topic + "-dlq");
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      records.add(
          "{\"event_id\":\"e"
              + i
              + "\",\"event_type\":\"checkout.completed\",\"timestamp\":"
              + (START + i * 1000L)
              + ",\"value\":"
              + i
              + "}");
    }
    records.add("{\"event_id\":\"bad-1\"}");
    records.add("not json");
    records.add("{\"event_id\":\"bad-3\",\"event_type\":\"x y\",\"timestamp\":" + START + "}");
    produce(topic, records);

    Path passwordFile = tmp.resolve("kafka-password");
    Files.writeString(passwordFile, PASSWORD + "\n");

    String logs;
    try (LogCapture capture = LogCapture.start()) {
      AnalyticsJob.main(args(topic, passwordFile));
      logs = capture.text();
    }

    List<String> reasons = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (ConsumerRecord<byte[], byte[]> r : readCommitted(topic + "-dlq")) {
      reasons.add(json.readTree(r.value()).get("reason").asText());
    }
    assertThat(reasons)
        .containsExactlyInAnyOrder("missing_field", "malformed_json", "invalid_event_type");

    // The capture saw the job's configuration dump and the Kafka clients' configurations ...
    assertThat(logs)
        .contains("kafka.sasl.password = ******")
        .contains("kafka.sasl.password-file = " + passwordFile)
        .contains("sasl.jaas.config = [hidden]")
        .contains("ProducerConfig values")
        .contains("ConsumerConfig values");
    // ... and never the password.
    assertThat(logs).doesNotContain(PASSWORD);

    JobID job = jobNamed(rest, "secure-" + topic);
    String restText = restDump(rest, job);
    assertThat(restText).contains("secure-" + topic).doesNotContain(PASSWORD);
  }

  @Test
  void aWrongPasswordFailsWithAnAuthenticationErrorThatDoesNotEchoIt(
      @InjectClusterClient ClusterClient<?> rest) throws Exception {
    String topic = "sasl-wrong";
    createTopics(topic, topic + "-dlq");
    produce(topic, List.of("{\"event_id\":\"e1\"}"));
    Path passwordFile = tmp.resolve("wrong-password");
    Files.writeString(passwordFile, WRONG_PASSWORD);
    JobConfig config = JobConfig.load(args(topic, passwordFile), Map.of());

    String logs;
    Throwable failure;
    JobID job;
    try (LogCapture capture = LogCapture.start()) {
      Configuration flink = config.flinkConfiguration();
      flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
      PipelineSinks.prepareTables(config);
      AnalyticsJob.defineWorkflow(env, config);
      JobClient client = env.executeAsync("secure-" + topic);
      job = client.getJobID();
      ExecutionException e =
          assertThatExceptionOfType(ExecutionException.class)
              .isThrownBy(() -> client.getJobExecutionResult().get(2, TimeUnit.MINUTES))
              .actual();
      failure = e;
      logs = capture.text();
    }
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString())
        .contains("SaslAuthenticationException")
        .contains("Invalid username or password")
        .doesNotContain(WRONG_PASSWORD);
    assertThat(logs).contains("Invalid username or password").doesNotContain(WRONG_PASSWORD);
    String restText = restDump(rest, job);
    assertThat(restText).contains("Invalid username or password").doesNotContain(WRONG_PASSWORD);
  }

  private static JobID jobNamed(ClusterClient<?> rest, String name) throws Exception {
    for (JobStatusMessage m : rest.listJobs().get(30, TimeUnit.SECONDS)) {
      if (m.getJobName().equals(name)) {
        return m.getJobId();
      }
    }
    throw new AssertionError("no job named " + name);
  }

  /** The job's configuration, plan, details and exceptions and the JobManager configuration. */
  private static String restDump(ClusterClient<?> rest, JobID job) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    StringBuilder all = new StringBuilder();
    String base = rest.getWebInterfaceURL();
    for (String path :
        List.of(
            "/jobs/" + job + "/config",
            "/jobs/" + job + "/plan",
            "/jobs/" + job,
            "/jobs/" + job + "/exceptions",
            "/jobmanager/config")) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      JsonNode body = new ObjectMapper().readTree(response.body());
      assertThat(body.isContainerNode()).as(path).isTrue();
      all.append(path).append('\n').append(response.body()).append('\n');
    }
    return all.toString();
  }
}
