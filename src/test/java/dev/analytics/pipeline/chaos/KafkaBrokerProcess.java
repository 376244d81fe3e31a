package dev.analytics.pipeline.chaos;

import dev.analytics.pipeline.testing.ServerProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka 4.2 broker (KRaft, one combined controller+broker node) in its own JVM, started from this
 * JVM's classpath ({@code kafka.Kafka}, as a production broker runs): unlike the in-JVM {@code
 * EmbeddedKafka}, it can be stopped (SIGTERM, a clean shutdown, or SIGKILL) and started again on
 * the same ports with the same log directory, which is what a broker restart is. The storage is
 * formatted once; output goes to {@code broker.log} in the directory.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Path config;
  private Process process;

  private KafkaBrokerProcess(Path dir, int port, Path config) {
    this.dir = dir;
    this.port = port;
    this.config = config;
  }

  /** Formats a fresh log directory under {@code dir} and starts the broker. */
  public static KafkaBrokerProcess start(Path dir) throws Exception {
    Files.createDirectories(dir);
    int port = ServerProcesses.freePort();
    int controllerPort = ServerProcesses.freePort();
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
    p.put(
        "listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.max.timeout.ms", "3600000");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("num.partitions", "1");
    // The generated traffic is stamped with its event time, days ago: it must not expire by time.
    p.put("log.retention.ms", "-1");
    Path config = dir.resolve("server.properties");
    try (var out = Files.newBufferedWriter(config)) {
      p.store(out, "chaos suite broker");
    }
    KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, port, config);
    broker.runToEnd(
        List.of(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            Uuid.randomUuid().toString(),
            "-c",
            config.toString()),
        Duration.ofMinutes(1));
    broker.startProcess();
    Runtime.getRuntime().addShutdownHook(new Thread(broker::kill, "stop-kafka-broker"));
    return broker;
  }

  public String bootstrapServers() {
    return "localhost:" + port;
  }

  public Properties adminProperties() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    return p;
  }

  /** Creates the topics (replication factor 1) and waits until they exist. */
  public void createTopics(int partitions, String... topics) throws Exception {
    createTopics(partitions, Map.of(), topics);
  }

  /** Creates the topics (replication factor 1) with the topic {@code configs}. */
  public void createTopics(int partitions, Map<String, String> configs, String... topics)
      throws Exception {
    List<NewTopic> newTopics = new ArrayList<>();
    for (String t : topics) {
      newTopics.add(new NewTopic(t, partitions, (short) 1).configs(configs));
    }
    try (Admin admin = Admin.create(adminProperties())) {
      admin.createTopics(newTopics).all().get(1, TimeUnit.MINUTES);
    }
  }

  /** Stops the broker with SIGTERM (controlled shutdown) and waits until it has exited. */
  public void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  /** Starts the stopped broker again, same ports and log directory; returns once it answers. */
  public void restart() throws Exception {
    if (process != null) {
      throw new IllegalStateException("running");
    }
    startProcess();
  }

  private void startProcess() throws Exception {
    List<String> command = javaCommand(List.of("kafka.Kafka", config.toString()));
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the Kafka broker exited with "
                + process.exitValue()
                + "; see "
                + dir.resolve("broker.log"));
      }
      try (Admin admin = Admin.create(adminProperties())) {
        admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
        if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
          return;
        }
      } catch (Exception notYet) {
        // still starting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Kafka broker did not answer within 90 s");
      }
      Thread.sleep(300);
    }
  }

  private void runToEnd(List<String> mainAndArgs, Duration timeout) throws Exception {
    Process p =
        new ProcessBuilder(javaCommand(mainAndArgs))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
            .start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          String.join(" ", mainAndArgs) + " failed; see " + dir.resolve("broker.log"));
    }
  }

  /** java with this JVM's classpath (surefire's test classpath when run by Maven). */
  private static List<String> javaCommand(List<String> mainAndArgs) {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx512m", "-XX:+UseG1GC", "-cp", classpath));
    command.addAll(mainAndArgs);
    return command;
  }

  /** SIGKILL, for the shutdown hook and failed runs. */
  public void kill() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
    }
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
