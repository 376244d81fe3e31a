package dev.analytics.pipeline;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.config.JobOptions.SamplingMode;
import dev.analytics.pipeline.functions.AdaptiveSampler;
import dev.analytics.pipeline.functions.DeadLetterRouter;
import dev.analytics.pipeline.functions.DeterministicSampler;
import dev.analytics.pipeline.functions.LateEventToDeadLetter;
import dev.analytics.pipeline.functions.PriorityClassifier;
import dev.analytics.pipeline.functions.PriorityRules;
import dev.analytics.pipeline.functions.SamplingRates;
import dev.analytics.pipeline.functions.WindowResultEmitter;
import dev.analytics.pipeline.functions.WindowStatsAggregator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.Granularity;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.model.WindowAggregate;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The processing of the job, top to bottom, between an injected source and injected sinks:
 *
 * <pre>
 * parsed records -> route dead letters -> priority -> sampling
 *   -> keyBy(event type) -> tumbling event-time windows -> window aggregates
 * </pre>
 *
 * Production wires Kafka in and the real sinks out ({@link AnalyticsJob}); tests wire finite inputs
 * and their own sinks, running the same code.
 */
public final class AnalyticsPipeline {
  private AnalyticsPipeline() {}

  static final OutputTag<AnalyticsEvent> LATE_EVENTS =
      new OutputTag<>("late-events", TypeInformation.of(AnalyticsEvent.class));

  /** What the pipeline produces, for the sinks. */
  public record Outputs(
      DataStream<WindowAggregate> aggregates,
      DataStream<DeadLetter> deadLetters,
      DataStream<AnalyticsEvent> highPriorityEvents) {}

  /**
   * @param records parsed records with event-time timestamps and watermarks assigned
   */
  public static Outputs build(DataStream<ParsedRecord> records, JobConfig config) {
    Duration windowSize = config.get(JobOptions.WINDOW_SIZE);

    SingleOutputStreamOperator<AnalyticsEvent> events =
        records
            .process(new DeadLetterRouter())
            .uid(OperatorIds.ROUTER)
            .name(OperatorIds.ROUTER_NAME);

    DataStream<AnalyticsEvent> classified =
        events
            .map(new PriorityClassifier(PriorityRules.from(config)))
            .uid(OperatorIds.PRIORITY)
            .name(OperatorIds.PRIORITY_NAME);

    DataStream<AnalyticsEvent> sampled = sample(classified, config, windowSize);

    DataStream<AnalyticsEvent> highPriority =
        sampled.filter(e -> e.priority == Priority.HIGH).name("High priority");

    SingleOutputStreamOperator<WindowAggregate> aggregates =
        sampled
            .keyBy(e -> e.eventType)
            .window(TumblingEventTimeWindows.of(windowSize))
            .allowedLateness(config.get(JobOptions.WINDOW_ALLOWED_LATENESS))
            .sideOutputLateData(LATE_EVENTS)
            .aggregate(
                new WindowStatsAggregator(), new WindowResultEmitter(Granularity.label(windowSize)))
            .uid(OperatorIds.WINDOW)
            .name(OperatorIds.WINDOW_NAME);

    DataStream<DeadLetter> late =
        aggregates
            .getSideOutput(LATE_EVENTS)
            .map(
                new LateEventToDeadLetter(
                    config.get(JobOptions.KAFKA_TOPIC),
                    windowSize.toMillis(),
                    config.get(JobOptions.DEAD_LETTER_MAX_RAW_BYTES)))
            .name("Late events -> dead letters");

    DataStream<DeadLetter> deadLetters =
        events.getSideOutput(DeadLetterRouter.DEAD_LETTERS).union(late);

    return new Outputs(aggregates, deadLetters, highPriority);
  }

  private static DataStream<AnalyticsEvent> sample(
      DataStream<AnalyticsEvent> events, JobConfig config, Duration windowSize) {
    SamplingRates rates = SamplingRates.from(config);
    if (config.get(JobOptions.SAMPLING_MODE) == SamplingMode.ADAPTIVE) {
      return events
          .keyBy(e -> e.eventType)
          .process(
              new AdaptiveSampler(
                  rates,
                  config.get(JobOptions.SAMPLING_ADAPTIVE_MAX_EVENTS_PER_SECOND),
                  windowSize))
          .uid(OperatorIds.ADAPTIVE_SAMPLER)
          .name(OperatorIds.ADAPTIVE_SAMPLER_NAME);
    }
    return events
        .flatMap(new DeterministicSampler(rates))
        .uid(OperatorIds.SAMPLER)
        .name(OperatorIds.SAMPLER_NAME);
  }
}
