package dev.analytics.pipeline.replay;

import dev.analytics.pipeline.ingest.KafkaEventDeserializer;
import dev.analytics.pipeline.model.ParsedRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * One line of the replayed file into a parsed record, judged against the file's own clock: a file
 * has no Kafka timestamps, so the time a line "reached us" is the median event time of the {@value
 * #NEIGHBOURS} lines with an event time before it and the {@value #NEIGHBOURS} after it (itself
 * included). A client clock a day ahead is far from that median and becomes a {@code
 * timestamp_in_future} dead letter, as it would in the streaming job, while a real jump of the
 * file's time (a gap in a recording) moves the median with it and loses nothing. The clock is a
 * function of the file, so the same file gives the same dead letters and watermarks.
 *
 * <p>Each line waits for the {@value #NEIGHBOURS} lines after it; the last ones are decided at the
 * end of the input. Dead letters carry the file name as topic, partition 0 and the 1-based line
 * number as offset. Blank lines are skipped: NDJSON allows them and they hold nothing. The line
 * count, the waiting lines and the times before them are kept in operator state.
 */
final class ReplayLineParser extends AbstractStreamOperator<ParsedRecord>
    implements OneInputStreamOperator<String, ParsedRecord>, BoundedOneInput {
  /** Lines with an event time on each side of the judged one. */
  static final int NEIGHBOURS = 50;

  private final KafkaEventDeserializer parser;
  private final String file;

  private transient long line;
  private transient ArrayDeque<Pending> pending;
  private transient ArrayDeque<Long> before;
  private transient ListState<Long> lineState;
  private transient ListState<String> pendingState;
  private transient ListState<Long> beforeState;

  ReplayLineParser(KafkaEventDeserializer parser, String file) {
    this.parser = parser;
    this.file = file;
  }

  /** A parsed line waiting for the lines after it; timed when it parsed into an event. */
  private record Pending(long line, String text, ParsedRecord parsed) {
    boolean timed() {
      return parsed.isEvent();
    }
  }

  @Override
  public void processElement(StreamRecord<String> element) {
    line++;
    String text = element.getValue();
    if (!text.isBlank()) {
      add(line, text);
    }
  }

  private void add(long number, String text) {
    pending.addLast(
        new Pending(
            number,
            text,
            parser.parse(text.getBytes(StandardCharsets.UTF_8), file, 0, number, -1)));
    while (timedAfterFirst() >= NEIGHBOURS) {
      decideFirst();
    }
  }

  @Override
  public void endInput() {
    while (!pending.isEmpty()) {
      decideFirst();
    }
  }

  /** The end of the file's final watermark comes before {@link #endInput}: the last lines first. */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (mark.getTimestamp() == Long.MAX_VALUE) {
      endInput();
    }
    super.processWatermark(mark);
  }

  private long timedAfterFirst() {
    long n = 0;
    boolean first = true;
    for (Pending p : pending) {
      if (!first && p.timed()) {
        n++;
      }
      first = false;
    }
    return n;
  }

  /** Emits the first waiting line, an event judged against the median around it. */
  private void decideFirst() {
    Pending p = pending.removeFirst();
    if (!p.timed()) {
      output.collect(new StreamRecord<>(p.parsed()));
      return;
    }
    long[] times = new long[before.size() + 1 + Math.min(pending.size(), NEIGHBOURS)];
    int n = 0;
    for (long t : before) {
      times[n++] = t;
    }
    times[n++] = p.parsed().event.timestamp;
    for (Pending next : pending) {
      if (next.timed() && n < times.length) {
        times[n++] = next.parsed().event.timestamp;
      }
    }
    Arrays.sort(times, 0, n);
    long clock = times[(n - 1) / 2];
    output.collect(
        new StreamRecord<>(
            parser.judge(p.parsed(), p.text().getBytes(StandardCharsets.UTF_8), file, clock)));
    before.addLast(p.parsed().event.timestamp);
    if (before.size() > NEIGHBOURS) {
      before.removeFirst();
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    lineState.update(List.of(line));
    List<String> lines = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      lines.add(p.line() + "\t" + p.text());
    }
    pendingState.update(lines);
    beforeState.update(new ArrayList<>(before));
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    lineState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("replay-line", Long.class));
    pendingState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("replay-pending-lines", String.class));
    beforeState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("replay-times-before", Long.class));
    line = 0;
    for (Long l : lineState.get()) {
      line = l;
    }
    before = new ArrayDeque<>();
    for (Long t : beforeState.get()) {
      before.addLast(t);
    }
    pending = new ArrayDeque<>();
    List<String> restored = new ArrayList<>();
    pendingState.get().forEach(restored::add);
    for (String entry : restored) {
      int tab = entry.indexOf('\t');
      // Re-parsed, not re-judged until its neighbours arrive: the same decision as before.
      long number = Long.parseLong(entry.substring(0, tab));
      String text = entry.substring(tab + 1);
      pending.addLast(
          new Pending(
              number,
              text,
              parser.parse(text.getBytes(StandardCharsets.UTF_8), file, 0, number, -1)));
    }
  }
}
