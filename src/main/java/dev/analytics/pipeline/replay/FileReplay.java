package dev.analytics.pipeline.replay;

import dev.analytics.pipeline.AnalyticsPipeline;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.ArrivalBoundedWatermarks;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaEventDeserializer;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.sinks.kafka.AlertSerializer;
import dev.analytics.pipeline.sinks.kafka.DeadLetterSerializer;
import dev.analytics.pipeline.sinks.kafka.WindowAggregateSerializer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Replays an NDJSON file of schema-v1 events through the whole pipeline (parse, priority, sampling,
 * windows, rollups, detection) in bounded mode, with the same configuration as the streaming job,
 * and writes the results as JSON lines:
 *
 * <pre>jobs/replay.sh --events FILE --out DIR [--config FILE] [--key value ...]</pre>
 *
 * <p>{@code DIR/aggregates.jsonl} (every window aggregate, every granularity and version), {@code
 * DIR/alerts.jsonl} (every alert) and {@code DIR/dead-letters.jsonl} (every invalid line, with its
 * reason; the offset is the line number). The file is read in order and the job runs in streaming
 * mode at parallelism 1, with a watermark after every event that advances it, so event time,
 * lateness and versions behave as in the streaming job and are a function of the file: the same
 * file and configuration give the same files. Event times are judged against the file's own clock
 * ({@link ReplayLineParser}). Lines are sorted.
 */
public final class FileReplay {
  private FileReplay() {}

  /** Counts of what a replay wrote. */
  public record Summary(long aggregates, long alerts, long deadLetters) {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    String events = take(rest, "--events");
    String out = take(rest, "--out");
    if (events == null || out == null) {
      System.err.println(
          "usage: jobs/replay.sh --events FILE --out DIR [--config FILE] [--key value ...]");
      System.exit(2);
      return;
    }
    JobConfig config;
    try {
      config = JobConfig.loadWithoutKafka(rest.toArray(String[]::new), System.getenv());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Path input = Path.of(events);
    if (!Files.isReadable(input)) {
      System.err.println("Cannot read the events file " + input.toAbsolutePath());
      System.exit(2);
      return;
    }
    long t0 = System.nanoTime();
    Summary s = run(config, input, Path.of(out));
    System.out.printf(
        Locale.ROOT,
        "replayed %s in %.1f s: %,d aggregates, %,d alerts, %,d dead letters -> %s%n",
        input,
        (System.nanoTime() - t0) / 1e9,
        s.aggregates(),
        s.alerts(),
        s.deadLetters(),
        Path.of(out).toAbsolutePath());
  }

  /** Runs the replay on the current execution environment and writes the three files. */
  public static Summary run(JobConfig config, Path events, Path out) throws Exception {
    Configuration flink = config.flinkConfiguration();
    // No checkpoints: a failed replay is run again, and a checkpoint flushes the pre-aggregation's
    // partials at a time the wall clock decides, which changed the last bits of merged sums.
    flink.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    // One subtask everywhere: with several, the order in which a window operator merges its inputs
    // (and so which events are late) would depend on thread timing, not on the file.
    env.setParallelism(1);
    FileSource<String> source =
        FileSource.forRecordStreamFormat(
                new TextLineInputFormat(StandardCharsets.UTF_8.name()),
                new org.apache.flink.core.fs.Path(events.toAbsolutePath().toUri()))
            .build();
    DataStream<ParsedRecord> records =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "NDJSON file " + events)
            .transform(
                "Parse lines",
                TypeInformation.of(ParsedRecord.class),
                new ReplayLineParser(
                    KafkaEventDeserializer.from(config), events.getFileName().toString()))
            .uid("replay-line-parser")
            .assignTimestampsAndWatermarks(
                ArrivalBoundedWatermarks.strategy(
                    config.get(EventOptions.WATERMARK_OUT_OF_ORDERNESS), true));
    AnalyticsPipeline.Outputs outputs = AnalyticsPipeline.build(records, config);

    DataStream<String> lines =
        outputs
            .aggregates()
            .map(a -> "A" + new String(WindowAggregateSerializer.toJson(a), StandardCharsets.UTF_8))
            .name("Aggregates as JSON")
            .union(
                outputs
                    .alerts()
                    .map(a -> "L" + new String(AlertSerializer.toJson(a), StandardCharsets.UTF_8))
                    .name("Alerts as JSON"),
                outputs
                    .deadLetters()
                    .map(
                        d ->
                            "D"
                                + new String(
                                    DeadLetterSerializer.toJson(d), StandardCharsets.UTF_8))
                    .name("Dead letters as JSON"));

    List<String> aggregates = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    List<String> deadLetters = new ArrayList<>();
    try (CloseableIterator<String> it = lines.executeAndCollect("replay " + events)) {
      while (it.hasNext()) {
        String line = it.next();
        switch (line.charAt(0)) {
          case 'A' -> aggregates.add(line.substring(1));
          case 'L' -> alerts.add(line.substring(1));
          default -> deadLetters.add(line.substring(1));
        }
      }
    }
    Files.createDirectories(out);
    write(out.resolve("aggregates.jsonl"), aggregates);
    write(out.resolve("alerts.jsonl"), alerts);
    write(out.resolve("dead-letters.jsonl"), deadLetters);
    return new Summary(aggregates.size(), alerts.size(), deadLetters.size());
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Collections.sort(lines);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (String line : lines) {
        w.write(line);
        w.newLine();
      }
    }
  }

  private static String take(List<String> args, String name) {
    int i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size()) {
      return null;
    }
    String value = args.get(i + 1);
    args.remove(i + 1);
    args.remove(i);
    return value;
  }
}
