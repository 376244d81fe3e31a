package dev.analytics.pipeline.aggregation;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.EventJson;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * An event that arrived after its window closed and the allowed lateness passed becomes a dead
 * letter with reason {@code late}, so that it is counted and kept rather than lost. Its raw bytes
 * are the event re-written as JSON; its coordinates and arrival are those of its source record.
 */
public class LateEventToDeadLetter extends RichMapFunction<AnalyticsEvent, DeadLetter> {
  private final String topic;
  private final AggregationSettings settings;
  private final int maxRawBytes;
  private transient Counter late;

  public LateEventToDeadLetter(String topic, AggregationSettings settings, int maxRawBytes) {
    this.topic = topic;
    this.settings = settings;
    this.maxRawBytes = maxRawBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    late = getRuntimeContext().getMetricGroup().counter("lateEvents");
  }

  @Override
  public DeadLetter map(AnalyticsEvent e) {
    late.inc();
    long start = settings.windowStart(e.timestamp);
    return DeadLetter.of(
        DeadLetterReason.LATE,
        "timestamp",
        "event time "
            + Instant.ofEpochMilli(e.timestamp)
            + " is in window ["
            + Instant.ofEpochMilli(start)
            + ", "
            + Instant.ofEpochMilli(start + settings.windowMillis())
            + ") which closed beyond the allowed lateness",
        EventJson.write(e),
        maxRawBytes,
        topic,
        e.sourcePartition,
        e.sourceOffset,
        e.receivedAt);
  }
}
