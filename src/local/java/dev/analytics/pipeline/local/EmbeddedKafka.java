package dev.analytics.pipeline.local;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Kafka broker (KRaft, one combined controller+broker node) inside this JVM, for the local
 * run and the integration tests. Data lives in a temporary directory deleted on close.
 *
 * <p>Needs {@code org.apache.kafka:kafka-test-common-runtime} on the classpath: it is a provided
 * dependency, present for the local run and the tests, absent from the job jar.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Formats storage and starts the broker; returns once it accepts clients. */
  public static EmbeddedKafka start() throws Exception {
    Path dir = Files.createTempDirectory("embedded-kafka");
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(dir)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("transaction.max.timeout.ms", "3600000")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("num.partitions", "1")
            // Records carry the time they reached the (simulated) collector: recorded traffic
            // from days ago must not expire by time, and the local run's clock runs ahead of the
            // wall clock, past the broker's default of 1 h for timestamps in the future.
            .setConfigProp("log.retention.ms", "-1")
            .setConfigProp("log.message.timestamp.after.max.ms", String.valueOf(Long.MAX_VALUE))
            .setDeleteOnClose(true)
            .build();
    // The storage formatter prints to standard output; the local run's console is for progress.
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      cluster.format();
    } finally {
      System.setOut(stdout);
    }
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new EmbeddedKafka(cluster);
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Creates the topics (replication factor 1) and waits until they exist. */
  public void createTopics(int partitions, String... topics) throws Exception {
    List<NewTopic> newTopics = new ArrayList<>();
    for (String t : topics) {
      newTopics.add(new NewTopic(t, partitions, (short) 1));
    }
    try (Admin admin = Admin.create(adminProperties())) {
      admin.createTopics(newTopics).all().get();
    }
  }

  public Properties adminProperties() {
    Properties p = new Properties();
    p.putAll(Map.of("bootstrap.servers", bootstrapServers()));
    return p;
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
