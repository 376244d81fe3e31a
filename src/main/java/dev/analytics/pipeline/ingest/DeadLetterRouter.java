package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.ParsedRecord;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits parsed records: events go on, dead letters go to {@link #DEAD_LETTERS}. Counts both, dead
 * letters per reason (metric {@code deadLetters} in group {@code reason=<code>}).
 */
public class DeadLetterRouter extends ProcessFunction<ParsedRecord, AnalyticsEvent> {
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

  private transient Counter eventsIn;
  private transient Counter deadLetters;
  private transient Map<DeadLetterReason, Counter> byReason;

  @Override
  public void open(OpenContext openContext) {
    MetricGroup group = getRuntimeContext().getMetricGroup();
    eventsIn = group.counter("eventsIn");
    deadLetters = group.counter("deadLetters");
    byReason = new EnumMap<>(DeadLetterReason.class);
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      byReason.put(reason, group.addGroup("reason", reason.code()).counter("deadLetters"));
    }
  }

  @Override
  public void processElement(ParsedRecord record, Context ctx, Collector<AnalyticsEvent> out) {
    if (record.isEvent()) {
      eventsIn.inc();
      out.collect(record.event);
    } else {
      deadLetters.inc();
      byReason.get(record.deadLetter.reason).inc();
      ctx.output(DEAD_LETTERS, record.deadLetter);
    }
  }
}
