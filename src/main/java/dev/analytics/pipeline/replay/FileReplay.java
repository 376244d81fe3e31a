package dev.analytics.pipeline.replay;

import dev.analytics.pipeline.AnalyticsPipeline;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.ingest.KafkaEventDeserializer;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.ingest.ParserSettings;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.sinks.AlertSerializer;
import dev.analytics.pipeline.sinks.DeadLetterSerializer;
import dev.analytics.pipeline.sinks.WindowAggregateSerializer;
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
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * Replays an NDJSON file of schema-v1 events through the whole pipeline (parse, priority, sampling,
 * windows, rollups, detection) in bounded mode, with the same configuration as the streaming job,
 * and writes the results as JSON lines:
 *
 * <pre>jobs/replay.sh --events FILE --out DIR [--config FILE] [--key value ...]</pre>
 *
 * <p>{@code DIR/aggregates.jsonl} (every window aggregate, every granularity and version), {@code
 * DIR/alerts.jsonl} (every alert) and {@code DIR/dead-letters.jsonl} (every invalid line, with its
 * reason; the offset is the line number). The file is read in order by one reader and runs in
 * streaming mode, so event time, watermarks, lateness and versions behave exactly as in the
 * streaming job, and the same file and configuration give the same files. Lines are sorted.
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
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    FileSource<String> source =
        FileSource.forRecordStreamFormat(
                new TextLineInputFormat(StandardCharsets.UTF_8.name()),
                new org.apache.flink.core.fs.Path(events.toAbsolutePath().toUri()))
            .build();
    DataStream<ParsedRecord> records =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "NDJSON file " + events)
            .setParallelism(1)
            .flatMap(
                new LineParser(
                    ParserSettings.from(config),
                    config.get(JobOptions.DEAD_LETTER_MAX_RAW_BYTES),
                    events.getFileName().toString()))
            .setParallelism(1)
            .uid("replay-line-parser")
            .name("Parse lines")
            .assignTimestampsAndWatermarks(KafkaEventSource.watermarks(config))
            .setParallelism(1);
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

  /**
   * One line of the file into a parsed record; dead letters carry the 1-based line number as offset
   * (kept in operator state, so it stays right after a restore). Blank lines are skipped: NDJSON
   * allows them and they hold nothing.
   */
  static final class LineParser extends RichFlatMapFunction<String, ParsedRecord>
      implements CheckpointedFunction {
    private final KafkaEventDeserializer parser;
    private final String file;
    private transient ListState<Long> lineState;
    private transient long line;

    LineParser(ParserSettings settings, int maxRawBytes, String file) {
      this.parser = new KafkaEventDeserializer(settings, maxRawBytes);
      this.file = file;
    }

    @Override
    public void flatMap(String text, Collector<ParsedRecord> out) {
      line++;
      if (!text.isBlank()) {
        out.collect(parser.parse(text.getBytes(StandardCharsets.UTF_8), file, 0, line, -1));
      }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      lineState.update(List.of(line));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      lineState =
          context
              .getOperatorStateStore()
              .getListState(new ListStateDescriptor<>("replay-line", Long.class));
      line = 0;
      for (Long l : lineState.get()) {
        line = l;
      }
    }
  }
}
