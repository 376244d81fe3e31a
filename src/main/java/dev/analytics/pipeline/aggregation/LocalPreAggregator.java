package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.aggregation.accumulator.WindowAccumulator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Pre-aggregates events per aggregation key and window before the shuffle, so a hot key sends one
 * partial accumulator per window and flush instead of every event.
 *
 * <p>Partials leave, stamped with their window's last millisecond: when a watermark closes their
 * window (before the watermark itself is forwarded, so they are never late downstream), before
 * every checkpoint barrier (so the operator keeps no state and a restore loses nothing), when more
 * than {@code maxKeys} are held, and at end of input. An event whose window this operator has
 * already closed is forwarded alone, carrying the event, so the window downstream applies the
 * allowed lateness exactly as it would to the event and can dead-letter it. The results equal those
 * of aggregating the events directly.
 */
public class LocalPreAggregator extends AbstractStreamOperator<PartialAggregate>
    implements OneInputStreamOperator<AnalyticsEvent, PartialAggregate> {
  private final AggregationSettings settings;
  private final int maxKeys;

  private transient TreeMap<Long, Map<String, WindowAccumulator>> open;
  private transient int held;
  private transient long watermark;
  private transient Counter partialsOut;

  public LocalPreAggregator(AggregationSettings settings, int maxKeys) {
    this.settings = settings;
    this.maxKeys = maxKeys;
  }

  @Override
  public void open() throws Exception {
    super.open();
    open = new TreeMap<>();
    held = 0;
    watermark = Long.MIN_VALUE;
    partialsOut = getMetricGroup().counter("preAggregatePartials");
  }

  @Override
  public void processElement(StreamRecord<AnalyticsEvent> record) {
    AnalyticsEvent e = record.getValue();
    long start = settings.windowStart(e.timestamp);
    long last = start + settings.windowMillis() - 1;
    if (last <= watermark) {
      WindowAccumulator acc = new WindowAccumulator();
      acc.add(e);
      PartialAggregate late = new PartialAggregate(settings.keyOf(e), start, acc);
      late.lateEvent = e;
      emit(late);
      return;
    }
    Map<String, WindowAccumulator> window = open.computeIfAbsent(start, s -> new HashMap<>());
    String key = settings.keyOf(e);
    WindowAccumulator acc = window.get(key);
    if (acc == null) {
      acc = new WindowAccumulator();
      window.put(key, acc);
      held++;
    }
    acc.add(e);
    if (held > maxKeys) {
      flushThrough(Long.MAX_VALUE);
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    watermark = mark.getTimestamp();
    flushThrough(watermark);
    super.processWatermark(mark);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    flushThrough(Long.MAX_VALUE);
  }

  @Override
  public void finish() throws Exception {
    flushThrough(Long.MAX_VALUE);
    super.finish();
  }

  /** Emits every partial of the windows whose last millisecond is at or before {@code time}. */
  private void flushThrough(long time) {
    for (Iterator<Map.Entry<Long, Map<String, WindowAccumulator>>> it = open.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, Map<String, WindowAccumulator>> window = it.next();
      long start = window.getKey();
      if (time != Long.MAX_VALUE && start + settings.windowMillis() - 1 > time) {
        break;
      }
      for (Map.Entry<String, WindowAccumulator> key : window.getValue().entrySet()) {
        emit(new PartialAggregate(key.getKey(), start, key.getValue()));
      }
      held -= window.getValue().size();
      it.remove();
    }
  }

  private void emit(PartialAggregate partial) {
    partialsOut.inc();
    output.collect(new StreamRecord<>(partial, partial.windowStart + settings.windowMillis() - 1));
  }
}
