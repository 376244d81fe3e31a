package dev.analytics.pipeline.local;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.control.ControlChange;
import dev.analytics.pipeline.control.ControlJson;
import dev.analytics.pipeline.control.ControlTool;
import dev.analytics.pipeline.control.ControlTopics;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Run-time control in the local run: the commands of {@code jobs/control.sh} typed into the local
 * run's terminal ({@code set sampling.rates.cache_hit 0.02}, {@code unset ...}, {@code show},
 * {@code history}), and a line for each change the job applied or refused, as the audit and refusal
 * topics get them (at each checkpoint).
 */
final class LocalControl implements AutoCloseable {
  private final List<String> jobArgs;
  private final PrintStream out;
  private final InputStream in;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread commands;
  private final Thread echo;

  /**
   * @param jobArgs the local run's arguments (configuration file and overrides, broker included)
   * @param in the terminal's input, or null to take no commands (the changes are still echoed)
   */
  LocalControl(JobConfig config, List<String> jobArgs, InputStream in, PrintStream out) {
    this.jobArgs = List.copyOf(jobArgs);
    this.out = out;
    this.in = in;
    commands = new Thread(() -> readCommands(in), "local-control-commands");
    commands.setDaemon(true);
    echo = new Thread(() -> follow(config), "local-control-echo");
    echo.setDaemon(true);
  }

  void start() {
    if (in != null) {
      commands.start();
    }
    echo.start();
  }

  private void readCommands(InputStream in) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while (running.get() && (line = reader.readLine()) != null) {
        String[] words = line.strip().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
          continue;
        }
        List<String> args = new ArrayList<>(jobArgs);
        args.addAll(Arrays.asList(words));
        ControlTool.run(args.toArray(String[]::new), System.getenv(), out, out);
      }
    } catch (Exception e) {
      out.println("== control: commands stopped: " + e.getMessage());
    }
  }

  /** Prints each applied and refused change once committed to its topic. */
  private void follow(JobConfig config) {
    Properties p = new Properties();
    p.put(
        "bootstrap.servers",
        config.get(dev.analytics.pipeline.ingest.KafkaOptions.KAFKA_BOOTSTRAP_SERVERS));
    p.put("isolation.level", "read_committed");
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("group.id", "local-control-echo-" + System.nanoTime());
    String applied = ControlTopics.appliedTopic(config);
    String refused = ControlTopics.refusedTopic(config);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(applied, refused));
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.topic().equals(applied)) {
            ControlChange c = ControlJson.readApplied(r.value());
            out.println(
                "== control: applied #"
                    + c.seq
                    + " "
                    + c.key
                    + " = "
                    + (c.value == null ? "(start-up value)" : c.value)
                    + " from event time "
                    + (c.effectiveFrom == Long.MIN_VALUE
                        ? "the start"
                        : Instant.ofEpochMilli(c.effectiveFrom).toString()));
          } else {
            out.println("== control: refused " + new String(r.value(), StandardCharsets.UTF_8));
          }
        }
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    echo.join(5_000);
  }
}
