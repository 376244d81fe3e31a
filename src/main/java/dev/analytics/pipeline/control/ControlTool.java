package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code jobs/control.sh}: changes settings of the running job through its control topic, and shows
 * what it applied and refused.
 *
 * <pre>
 * jobs/control.sh [--config FILE] [--key value ...] set KEY VALUE [--effective-from INSTANT]
 * jobs/control.sh [--config FILE] [--key value ...] unset KEY [--effective-from INSTANT]
 * jobs/control.sh [--config FILE] [--key value ...] show
 * jobs/control.sh [--config FILE] [--key value ...] history
 * </pre>
 *
 * The configuration is the job's (its file, ANALYTICS_* variables and --key value arguments): it
 * names the broker and the topics, and a change is checked against it before it is sent, with the
 * rules the job applies (the job checks it again against its own configuration and has the last
 * word: see the refused topic).
 */
public final class ControlTool {
  private ControlTool() {}

  private static final List<String> COMMANDS = List.of("set", "unset", "show", "history");

  public static void main(String[] args) throws Exception {
    int exit = run(args, System.getenv(), System.out, System.err);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  /** The command of {@code args}; 0 on success, 2 for a refused or malformed command. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
      throws Exception {
    int at = 0;
    while (at < args.length && !COMMANDS.contains(args[at])) {
      at += args[at].contains("=") ? 1 : 2;
    }
    if (at >= args.length) {
      err.println(
          "usage: jobs/control.sh [--config FILE] [--key value ...] set KEY VALUE"
              + " [--effective-from INSTANT] | unset KEY [--effective-from INSTANT] | show |"
              + " history");
      return 2;
    }
    JobConfig config;
    try {
      config = JobConfig.load(Arrays.copyOfRange(args, 0, at), env);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return 2;
    }
    if (!ControlTopics.enabled(config)) {
      err.println(
          "Configuration error at '"
              + ControlOptions.CONTROL_TOPIC.key()
              + "': is empty, so the job takes no changes while it runs; set it (and restart the"
              + " job) to use jobs/control.sh");
      return 2;
    }
    String command = args[at];
    List<String> rest = new ArrayList<>(Arrays.asList(args).subList(at + 1, args.length));
    try {
      return switch (command) {
        case "set", "unset" -> change(config, command.equals("set"), rest, out, err);
        case "show" -> {
          show(config, out);
          yield 0;
        }
        default -> {
          history(config, out);
          yield 0;
        }
      };
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
  }

  private static int change(
      JobConfig config, boolean set, List<String> rest, PrintStream out, PrintStream err)
      throws Exception {
    Instant from = null;
    int flag = rest.indexOf("--effective-from");
    if (flag >= 0) {
      if (flag + 1 >= rest.size()) {
        throw new IllegalArgumentException(
            "--effective-from needs an instant, e.g. 2026-12-02T10:00:00Z");
      }
      try {
        from = Instant.parse(rest.get(flag + 1));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "--effective-from '"
                + rest.get(flag + 1)
                + "' is not an instant such as 2026-12-02T10:00:00Z");
      }
      rest.subList(flag, flag + 2).clear();
    }
    if (rest.size() != (set ? 2 : 1)) {
      throw new IllegalArgumentException(
          set
              ? "usage: set KEY VALUE [--effective-from INSTANT]"
              : "usage: unset KEY [--effective-from INSTANT]");
    }
    String key = rest.get(0);
    String value = set ? rest.get(1) : null;
    String refusal = RunTimeKeys.refusal(key);
    if (refusal != null) {
      err.println("Refused: " + refusal);
      return 2;
    }
    if (set) {
      try {
        JobConfig changed = config.with(Map.of(key, value), "from the command line");
        String problem = RunTimeKeys.problem(config, changed);
        if (problem != null) {
          throw new ConfigException(key, problem);
        }
      } catch (ConfigException e) {
        err.println("Refused: " + e.getMessage());
        return 2;
      }
    }
    send(config, key, value, from);
    out.println(
        (set ? "sent " + key + " = " + value : "sent unset " + key)
            + (from == null ? " (from the next window after the job's watermark)" : " from " + from)
            + " to "
            + config.get(ControlOptions.CONTROL_TOPIC)
            + "; jobs/control.sh show tells when the job applied it");
    return 0;
  }

  /** Writes one control record (value null: undo the key's change). */
  public static void send(JobConfig config, String key, String value, Instant effectiveFrom)
      throws Exception {
    Properties props = TopicContents.clientProperties(config);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      byte[] record =
          value == null && effectiveFrom == null
              ? null
              : ControlJson.requestValue(value, effectiveFrom);
      producer
          .send(
              new ProducerRecord<>(
                  config.get(ControlOptions.CONTROL_TOPIC),
                  key.getBytes(StandardCharsets.UTF_8),
                  record))
          .get();
    }
  }

  /** The changes in effect now: the latest applied change of each key. */
  static void show(JobConfig config, PrintStream out) {
    Map<String, ControlChange> latest = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(config, ControlTopics.appliedTopic(config))) {
      ControlChange c = ControlJson.readApplied(r.value());
      ControlChange before = latest.get(c.key);
      if (before == null || before.seq < c.seq) {
        latest.put(c.key, c);
      }
    }
    if (latest.values().stream().allMatch(c -> c.value == null)) {
      out.println("no run-time changes in effect: the job runs on its start-up configuration");
      return;
    }
    out.println("run-time changes in effect (over the start-up configuration):");
    for (ControlChange c : latest.values()) {
      if (c.value != null) {
        out.println("  " + c.key + " = " + c.value + "   (#" + c.seq + ", from " + from(c) + ")");
      }
    }
  }

  /** Every applied and refused change, in order. */
  static void history(JobConfig config, PrintStream out) {
    for (ConsumerRecord<byte[], byte[]> r : readAll(config, ControlTopics.appliedTopic(config))) {
      ControlChange c = ControlJson.readApplied(r.value());
      out.println(
          "applied #"
              + c.seq
              + "  "
              + c.key
              + " = "
              + (c.value == null ? "(start-up value)" : c.value)
              + "  from "
              + from(c)
              + "  (asked "
              + Instant.ofEpochMilli(c.requestedAt)
              + ")");
    }
    for (ConsumerRecord<byte[], byte[]> r : readAll(config, ControlTopics.refusedTopic(config))) {
      out.println("refused  " + new String(r.value(), StandardCharsets.UTF_8));
    }
  }

  private static String from(ControlChange c) {
    return c.effectiveFrom == Long.MIN_VALUE
        ? "the start"
        : Instant.ofEpochMilli(c.effectiveFrom).toString();
  }

  /**
   * The committed records of {@code topic}, from the beginning to its current end, by the time they
   * were asked for (none when it does not exist).
   */
  static List<ConsumerRecord<byte[], byte[]>> readAll(JobConfig config, String topic) {
    List<ConsumerRecord<byte[], byte[]>> records =
        new ArrayList<>(
            TopicContents.read(config, topic, Duration.ofSeconds(30))
                .map(TopicContents::records)
                .orElse(List.of()));
    records.sort(
        java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingLong(
                ConsumerRecord::timestamp)
            .thenComparingLong(ConsumerRecord::offset));
    return records;
  }
}
