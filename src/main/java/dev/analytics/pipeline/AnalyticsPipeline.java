package dev.analytics.pipeline;

import dev.analytics.pipeline.aggregation.AggregationOptions;
import dev.analytics.pipeline.aggregation.AggregationSettings;
import dev.analytics.pipeline.aggregation.CardinalityLimiter;
import dev.analytics.pipeline.aggregation.LateEventToDeadLetter;
import dev.analytics.pipeline.aggregation.LatePartials;
import dev.analytics.pipeline.aggregation.LocalPreAggregator;
import dev.analytics.pipeline.aggregation.PartialAggregate;
import dev.analytics.pipeline.aggregation.PartialAggregateMerger;
import dev.analytics.pipeline.aggregation.WindowResultEmitter;
import dev.analytics.pipeline.aggregation.WindowStatsAggregator;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.control.AppliedChanges;
import dev.analytics.pipeline.control.ControlBootstrap;
import dev.analytics.pipeline.control.ControlChange;
import dev.analytics.pipeline.control.ControlRefusal;
import dev.analytics.pipeline.control.ControlRequest;
import dev.analytics.pipeline.control.ControlStamper;
import dev.analytics.pipeline.control.ControlledKeyedProcess;
import dev.analytics.pipeline.control.ControlledPriorityAndSampling;
import dev.analytics.pipeline.detection.DetectionOptions;
import dev.analytics.pipeline.detection.DetectionSettings;
import dev.analytics.pipeline.detection.PatternDetector;
import dev.analytics.pipeline.ingest.DeadLetterRouter;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetter;
import dev.analytics.pipeline.model.Granularity;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.model.PrivacyEstimate;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.priority.PriorityClassifier;
import dev.analytics.pipeline.priority.PriorityOptions;
import dev.analytics.pipeline.priority.PriorityRules;
import dev.analytics.pipeline.privacy.PrivacyCorrector;
import dev.analytics.pipeline.privacy.PrivacyGroups;
import dev.analytics.pipeline.sampling.AdaptiveSampler;
import dev.analytics.pipeline.sampling.DeterministicSampler;
import dev.analytics.pipeline.sampling.SamplingOptions;
import dev.analytics.pipeline.sampling.SamplingOptions.SamplingMode;
import dev.analytics.pipeline.sampling.SamplingRates;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.datastream.WindowedStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.PurgingTrigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.OutputTag;

/**
 * The processing of the job, top to bottom, between an injected source and injected sinks:
 *
 * <pre>
 * parsed records -> route dead letters -> priority -> sampling
 *   -> [cardinality caps: event types, combinations per type] -> [pre-aggregation]
 *   -> keyBy(event type + dimensions) -> tumbling event-time windows -> window aggregates
 *   -> rollups (1 h, 1 d) merging the accumulators of the finer windows
 *   -> pattern detection over the fine windows: alerts, and the fine aggregates with their
 *      anomaly score (what the sinks write, with the rollups); privacy correction
 *
 * [control requests -> check + stamp (watermark) -> broadcast to priority + sampling, the
 *  adaptive sampler, the caps and the detector, which look settings up by event time]
 * </pre>
 *
 * Production wires Kafka in and the real sinks out ({@link AnalyticsJob}); tests wire finite inputs
 * and their own sinks, running the same code.
 */
public final class AnalyticsPipeline {
  private AnalyticsPipeline() {}

  static final OutputTag<AnalyticsEvent> LATE_EVENTS =
      new OutputTag<>("late-events", TypeInformation.of(AnalyticsEvent.class));
  static final OutputTag<PartialAggregate> LATE_PARTIALS =
      new OutputTag<>("late-partials", TypeInformation.of(PartialAggregate.class));

  /**
   * What the pipeline produces, for the sinks; the applied and refused control changes, and the
   * applied ones as a broadcast input for the sinks they change, are null without run-time control
   * ({@code initialChanges}, the changes applied at submission, then empty).
   */
  public record Outputs(
      DataStream<WindowAggregate> aggregates,
      DataStream<DeadLetter> deadLetters,
      DataStream<AnalyticsEvent> highPriorityEvents,
      DataStream<PrivacyEstimate> privacyEstimates,
      DataStream<Alert> alerts,
      DataStream<ControlChange> appliedChanges,
      DataStream<ControlRefusal> refusedChanges,
      BroadcastStream<ControlChange> controlChanges,
      List<ControlChange> initialChanges) {
    public Outputs(
        DataStream<WindowAggregate> aggregates,
        DataStream<DeadLetter> deadLetters,
        DataStream<AnalyticsEvent> highPriorityEvents,
        DataStream<PrivacyEstimate> privacyEstimates,
        DataStream<Alert> alerts) {
      this(
          aggregates,
          deadLetters,
          highPriorityEvents,
          privacyEstimates,
          alerts,
          null,
          null,
          null,
          List.of());
    }
  }

  /**
   * @param records parsed records with event-time timestamps and watermarks assigned
   */
  public static Outputs build(DataStream<ParsedRecord> records, JobConfig config) {
    return build(records, null, ControlBootstrap.none(), config);
  }

  /**
   * @param control the records of the control topic, or null for a job without run-time control
   *     (then the graph has no control operator)
   * @param bootstrap the control topic as it stood at submission (stamped; the control records
   *     follow it)
   */
  public static Outputs build(
      DataStream<ParsedRecord> records,
      DataStream<ControlRequest> control,
      ControlBootstrap bootstrap,
      JobConfig config) {
    AggregationSettings aggregation = AggregationSettings.from(config);

    SingleOutputStreamOperator<AnalyticsEvent> events =
        records
            .process(new DeadLetterRouter())
            .uid(OperatorIds.ROUTER)
            .name(OperatorIds.ROUTER_NAME);

    // Run-time control: each change checked and stamped with the event time it applies from, by
    // one operator that sees the events' watermark, then broadcast to every operator it changes.
    SingleOutputStreamOperator<ControlChange> applied = null;
    Control changes = null;
    if (control != null) {
      applied =
          control
              .connect(events.filter(e -> false).name("Event watermarks for control"))
              .process(new ControlStamper(config, bootstrap))
              .setParallelism(1)
              .uid(OperatorIds.CONTROL_STAMPER)
              .name(OperatorIds.CONTROL_STAMPER_NAME);
      changes =
          new Control(applied.broadcast(AppliedChanges.descriptor()), config, bootstrap.applied);
    }

    PriorityClassifier classifier =
        new PriorityClassifier(
            PriorityRules.from(config),
            config.get(PriorityOptions.PRIORITY_HIGH_MAX_PROPERTIES_BYTES));
    DataStream<AnalyticsEvent> sampled;
    if (changes == null) {
      DataStream<AnalyticsEvent> classified =
          events.map(classifier).uid(OperatorIds.PRIORITY).name(OperatorIds.PRIORITY_NAME);
      sampled = sample(classified, config, aggregation.windowSize(), null);
    } else if (config.get(SamplingOptions.SAMPLING_MODE) == SamplingMode.ADAPTIVE) {
      DataStream<AnalyticsEvent> classified =
          events
              .connect(changes.stream())
              .process(
                  new ControlledPriorityAndSampling(classifier, null, config, changes.initial()))
              .uid(OperatorIds.PRIORITY)
              .name(OperatorIds.PRIORITY_NAME + " (controlled)");
      sampled = sample(classified, config, aggregation.windowSize(), changes);
    } else {
      sampled =
          events
              .connect(changes.stream())
              .process(
                  new ControlledPriorityAndSampling(
                      classifier,
                      new DeterministicSampler(SamplingRates.from(config)),
                      config,
                      changes.initial()))
              .uid(OperatorIds.CONTROLLED_PRIORITY_SAMPLER)
              .name(OperatorIds.CONTROLLED_PRIORITY_SAMPLER_NAME);
    }

    DataStream<AnalyticsEvent> highPriority =
        sampled.filter(e -> e.priority == Priority.HIGH).name("High priority");

    DataStream<AnalyticsEvent> keyed =
        limitCardinality(
            sampled,
            aggregation,
            aggregation
                .windowSize()
                .multipliedBy(config.get(DetectionOptions.DETECTION_TTL_WINDOWS)),
            changes);

    // Fine windows, from events or from partial accumulators built before the shuffle.
    WindowStage fine;
    boolean rollups = !aggregation.rollups().isEmpty();
    if (config.get(AggregationOptions.WINDOW_PRE_AGGREGATE)) {
      DataStream<PartialAggregate> partials =
          keyed
              .transform(
                  OperatorIds.PRE_AGGREGATE_NAME,
                  TypeInformation.of(PartialAggregate.class),
                  new LocalPreAggregator(
                      aggregation, config.get(AggregationOptions.WINDOW_PRE_AGGREGATE_MAX_KEYS)))
              .uid(OperatorIds.PRE_AGGREGATE);
      SingleOutputStreamOperator<WindowAggregate> aggregates =
          windowPartials(partials, aggregation, aggregation.windowSize(), rollups);
      // Only single events that pre-aggregation forwarded as already late can be late here
      // (partials leave before the watermark closing their window), and each carries its event.
      fine =
          new WindowStage(
              aggregates,
              aggregates
                  .getSideOutput(LATE_PARTIALS)
                  .map(LatePartials::event)
                  .name("Late partials -> events"));
    } else {
      SingleOutputStreamOperator<WindowAggregate> aggregates =
          eventWindows(keyed, aggregation, rollups);
      fine = new WindowStage(aggregates, aggregates.getSideOutput(LATE_EVENTS));
    }

    // Detection over the fine windows: alerts, and the fine aggregates with their anomaly score
    // (what the sinks write; without detection, the aggregates as they are).
    DetectionSettings detection = DetectionSettings.from(config);
    SingleOutputStreamOperator<Alert> alerts =
        detectPatterns(fine.aggregates(), detection, changes);
    DataStream<WindowAggregate> scored =
        detection.enabled() ? alerts.getSideOutput(PatternDetector.SCORED) : fine.aggregates();

    // Rollups: each coarser window merges the contributions of the one below it.
    DataStream<WindowAggregate> allAggregates = scored;
    SingleOutputStreamOperator<WindowAggregate> below = fine.aggregates();
    for (int i = 0; i < aggregation.rollups().size(); i++) {
      boolean more = i + 1 < aggregation.rollups().size();
      below =
          windowPartials(
              below.getSideOutput(WindowResultEmitter.PARTIALS),
              aggregation,
              aggregation.rollups().get(i),
              more);
      allAggregates = allAggregates.union(below);
    }

    DataStream<PrivacyEstimate> privacy = correctPrivacy(fine.aggregates(), config);

    DataStream<DeadLetter> late =
        fine.lateEvents()
            .map(
                new LateEventToDeadLetter(
                    config.get(KafkaOptions.KAFKA_TOPIC),
                    aggregation,
                    config.get(EventOptions.DEAD_LETTER_MAX_RAW_BYTES)))
            .name("Late events -> dead letters");

    DataStream<DeadLetter> deadLetters =
        events.getSideOutput(DeadLetterRouter.DEAD_LETTERS).union(late);

    return new Outputs(
        allAggregates,
        deadLetters,
        highPriority,
        privacy,
        alerts,
        applied,
        applied == null ? null : applied.getSideOutput(ControlStamper.REFUSED),
        changes == null ? null : changes.stream(),
        changes == null ? List.of() : changes.initial());
  }

  /** The applied control changes as a broadcast input, and the start-up configuration. */
  private record Control(
      BroadcastStream<ControlChange> stream, JobConfig config, List<ControlChange> initial) {
    /** {@code function} over {@code keyed}, with the control changes as a second input. */
    <K, I, O, F extends KeyedProcessFunction<K, I, O> & RunTimeSettings>
        SingleOutputStreamOperator<O> process(
            KeyedStream<I, K> keyed, F function, TypeInformation<O> type) {
      return keyed
          .connect(stream)
          .process(new ControlledKeyedProcess<>(function, config, initial), type);
    }
  }

  /** {@code function} over {@code keyed}; controlled when {@code control} is not null. */
  private static <K, I, O, F extends KeyedProcessFunction<K, I, O> & RunTimeSettings>
      SingleOutputStreamOperator<O> keyedProcess(
          KeyedStream<I, K> keyed, F function, TypeInformation<O> type, Control control) {
    return control == null ? keyed.process(function, type) : control.process(keyed, function, type);
  }

  /**
   * Spikes, drops, anomalies and trends over the recent fine windows of each key. The input is the
   * window operator's own output (stamped with the window's last millisecond), which the detector's
   * missing-window timers rely on. Disabled: an empty stream.
   */
  private static SingleOutputStreamOperator<Alert> detectPatterns(
      SingleOutputStreamOperator<WindowAggregate> fineAggregates,
      DetectionSettings detection,
      Control control) {
    DataStream<WindowAggregate> watched =
        detection.enabled()
            ? fineAggregates
            : fineAggregates.filter(a -> false).name("Detection disabled");
    return keyedProcess(
            watched.keyBy(PatternDetector::keyOf),
            new PatternDetector(detection),
            TypeInformation.of(Alert.class),
            control)
        .uid(OperatorIds.PATTERN_DETECTOR)
        .name(OperatorIds.PATTERN_DETECTOR_NAME);
  }

  /**
   * Privacy correction of the fine window counts of the configured randomized-response groups (none
   * by default: then an empty stream).
   */
  private static DataStream<PrivacyEstimate> correctPrivacy(
      DataStream<WindowAggregate> fineAggregates, JobConfig config) {
    PrivacyGroups groups = PrivacyGroups.from(config);
    return fineAggregates
        .filter(a -> groups.groupOf(a.eventType) != null)
        .name("Privacy group members")
        .keyBy(a -> groups.groupOf(a.eventType).name())
        .process(
            new PrivacyCorrector(groups, config.get(AggregationOptions.WINDOW_ALLOWED_LATENESS)))
        .uid(OperatorIds.PRIVACY_CORRECTOR)
        .name(OperatorIds.PRIVACY_CORRECTOR_NAME);
  }

  /**
   * The fine windows over events: the accumulator is folded event by event, late events within the
   * allowed lateness re-fire their window, later ones go to {@link #LATE_EVENTS}.
   */
  static SingleOutputStreamOperator<WindowAggregate> eventWindows(
      DataStream<AnalyticsEvent> events, AggregationSettings aggregation, boolean emitPartials) {
    return events
        .keyBy(aggregation::keyOf)
        .window(TumblingEventTimeWindows.of(aggregation.windowSize()))
        .allowedLateness(aggregation.allowedLateness())
        .trigger(PurgingTrigger.of(EventTimeTrigger.create()))
        .sideOutputLateData(LATE_EVENTS)
        .aggregate(
            new WindowStatsAggregator(),
            new WindowResultEmitter(
                Granularity.label(aggregation.windowSize()),
                aggregation.allowedLatenessMillis() > 0,
                emitPartials))
        .uid(OperatorIds.WINDOW)
        .name(OperatorIds.WINDOW_NAME);
  }

  /** The aggregates of one window size, and the events too late for it. */
  private record WindowStage(
      SingleOutputStreamOperator<WindowAggregate> aggregates,
      DataStream<AnalyticsEvent> lateEvents) {}

  /**
   * Windows of {@code size} over partial accumulators: the fine windows after pre-aggregation, and
   * every rollup. Uids derive from the granularity, so they are stable per configured size.
   */
  static SingleOutputStreamOperator<WindowAggregate> windowPartials(
      DataStream<PartialAggregate> partials,
      AggregationSettings aggregation,
      Duration size,
      boolean emitPartials) {
    String granularity = Granularity.label(size);
    boolean fine = size.equals(aggregation.windowSize());
    WindowedStream<PartialAggregate, String, TimeWindow> windows =
        partials
            .keyBy(p -> p.key)
            .window(TumblingEventTimeWindows.of(size))
            .allowedLateness(aggregation.allowedLateness())
            .trigger(PurgingTrigger.of(EventTimeTrigger.create()));
    if (fine) {
      windows = windows.sideOutputLateData(LATE_PARTIALS);
    }
    return windows
        .aggregate(
            new PartialAggregateMerger(),
            new WindowResultEmitter(
                granularity, aggregation.allowedLatenessMillis() > 0, emitPartials))
        .uid(fine ? OperatorIds.WINDOW : OperatorIds.ROLLUP_PREFIX + granularity)
        .name(fine ? OperatorIds.WINDOW_NAME : "Rollup " + granularity);
  }

  /**
   * The caps on the active event types and on the dimension combinations of each type; a type stays
   * active until {@code idle} passed without its events (the detector forgets a key after the same
   * time).
   */
  private static DataStream<AnalyticsEvent> limitCardinality(
      DataStream<AnalyticsEvent> events,
      AggregationSettings aggregation,
      Duration idle,
      Control control) {
    if (!aggregation.capsCardinality()) {
      return events;
    }
    return keyedProcess(
            events.keyBy(e -> CardinalityLimiter.shardOf(e.eventType)),
            new CardinalityLimiter(aggregation, idle),
            TypeInformation.of(AnalyticsEvent.class),
            control)
        .uid(OperatorIds.CARDINALITY)
        .name(OperatorIds.CARDINALITY_NAME);
  }

  private static DataStream<AnalyticsEvent> sample(
      DataStream<AnalyticsEvent> events, JobConfig config, Duration windowSize, Control control) {
    SamplingRates rates = SamplingRates.from(config);
    if (config.get(SamplingOptions.SAMPLING_MODE) == SamplingMode.ADAPTIVE) {
      return keyedProcess(
              events.keyBy(e -> e.eventType),
              new AdaptiveSampler(
                  rates,
                  config.get(SamplingOptions.SAMPLING_ADAPTIVE_MAX_EVENTS_PER_SECOND),
                  windowSize),
              TypeInformation.of(AnalyticsEvent.class),
              control)
          .uid(OperatorIds.ADAPTIVE_SAMPLER)
          .name(OperatorIds.ADAPTIVE_SAMPLER_NAME);
    }
    return events
        .flatMap(new DeterministicSampler(rates))
        .uid(OperatorIds.SAMPLER)
        .name(OperatorIds.SAMPLER_NAME);
  }
}
