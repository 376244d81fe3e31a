package dev.analytics.pipeline.control;

import dev.analytics.pipeline.aggregation.AggregationSettings;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.CoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the records of the control topic into applied changes, one at a time (parallelism 1): each
 * is checked as a whole with the start-up rules over every change applied before it, refused with
 * its reason ({@link #REFUSED}) or stamped with the event time it applies from and a sequence
 * number, then broadcast to every controlled operator and written to the audit topic.
 *
 * <p>The second input carries no records, only the events' watermark: a change without {@code
 * effective_from} applies from the first window that starts after the watermark plus the bounded
 * out-of-orderness, the earliest event time no event may have reached the operators yet (before the
 * first watermark, from the start). An explicit {@code effective_from} behind the watermark is
 * refused: results of that event time have been written already.
 *
 * <p>The history of applied changes and the latest watermark are operator state, so a restore keeps
 * every change and stamps the next ones consistently. A job started without state begins with the
 * changes the control topic held at submission ({@link ControlBootstrap}), already stamped; every
 * controlled operator holds them from its start, before any event.
 *
 * <p>Metrics: counters {@code controlChangesApplied}, {@code controlChangesRefused} (with those at
 * submission); gauge {@code controlChanges} (applied changes held).
 */
public class ControlStamper extends CoProcessFunction<ControlRequest, AnalyticsEvent, ControlChange>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ControlStamper.class);

  public static final OutputTag<ControlRefusal> REFUSED =
      new OutputTag<>("control-refused", TypeInformation.of(ControlRefusal.class));

  static final String HISTORY_STATE = "control-history";
  static final String WATERMARK_STATE = "control-watermark";

  private final JobConfig base;
  private final List<ControlChange> initial;
  private final int initialRefused;
  private final long windowMillis;
  private final long outOfOrdernessMillis;

  private transient List<ControlChange> history;
  private transient long latestWatermark;
  private transient ListState<ControlChange> historyState;
  private transient ListState<Long> watermarkState;
  private transient Counter applied;
  private transient Counter refused;
  private transient boolean started;

  /**
   * @param bootstrap the control topic at submission: its changes are the history of a start
   *     without state, and its changes and refusals count in the metrics of such a start
   */
  public ControlStamper(JobConfig base, ControlBootstrap bootstrap) {
    this.base = base;
    this.initial = new ArrayList<>(bootstrap.applied);
    this.initialRefused = bootstrap.refused.size();
    this.windowMillis = AggregationSettings.from(base).windowMillis();
    this.outOfOrdernessMillis = base.get(EventOptions.WATERMARK_OUT_OF_ORDERNESS).toMillis();
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    historyState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(HISTORY_STATE, TypeInformation.of(ControlChange.class)));
    watermarkState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>(WATERMARK_STATE, Types.LONG));
    history = new ArrayList<>();
    for (ControlChange c : historyState.get()) {
      history.add(c);
    }
    started = !context.isRestored();
    if (started) {
      history.addAll(initial);
    }
    latestWatermark = Long.MIN_VALUE;
    for (Long w : watermarkState.get()) {
      latestWatermark = Math.max(latestWatermark, w);
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    historyState.update(history);
    watermarkState.update(List.of(latestWatermark));
  }

  @Override
  public void open(OpenContext openContext) {
    applied = getRuntimeContext().getMetricGroup().counter("controlChangesApplied");
    refused = getRuntimeContext().getMetricGroup().counter("controlChangesRefused");
    if (started) {
      applied.inc(initial.size());
      refused.inc(initialRefused);
    }
    getRuntimeContext().getMetricGroup().gauge("controlChanges", () -> history.size());
  }

  @Override
  public void processElement1(ControlRequest request, Context ctx, Collector<ControlChange> out) {
    latestWatermark = Math.max(latestWatermark, ctx.timerService().currentWatermark());
    String reason = apply(request);
    if (reason != null) {
      refused.inc();
      LOG.warn(
          "Control change refused, settings unchanged: {} = {}: {}",
          request.key,
          request.value,
          reason);
      ctx.output(REFUSED, ControlRefusal.of(request, reason, latestWatermark));
      return;
    }
    ControlChange change = history.get(history.size() - 1);
    applied.inc();
    LOG.info(
        "Control change #{} applied: {} = {} from event time {} (watermark {})",
        change.seq,
        change.key,
        change.value == null ? "(start-up value)" : change.value,
        show(change.effectiveFrom),
        show(change.watermark));
    out.collect(change);
  }

  /**
   * Checks {@code request} as a whole over the history and, when it passes, stamps it and appends
   * it to the history.
   *
   * @return why it is refused, or null when it was applied
   */
  String apply(ControlRequest request) {
    String reason = check(request);
    if (reason != null) {
      return reason;
    }
    ControlChange change = stamp(request);
    List<ControlChange> after = new ArrayList<>(history);
    after.add(change);
    try {
      Versioned<JobConfig> versions = ControlVersions.of(base, after);
      for (int i = 1; i < versions.size(); i++) {
        String problem = RunTimeKeys.problem(base, versions.at(versions.effectiveFrom(i)));
        if (problem != null) {
          throw new ConfigException(request.key, problem);
        }
      }
    } catch (ConfigException e) {
      return e.getMessage();
    }
    history.add(change);
    return null;
  }

  /**
   * The stamper of a job about to start without state, before any watermark: {@link #apply} over
   * the records found at submission.
   */
  static ControlStamper atSubmission(JobConfig base) {
    ControlStamper s = new ControlStamper(base, ControlBootstrap.none());
    s.history = new ArrayList<>();
    s.latestWatermark = Long.MIN_VALUE;
    return s;
  }

  List<ControlChange> history() {
    return history;
  }

  @Override
  public void processElement2(
      AnalyticsEvent watermarksOnly, Context ctx, Collector<ControlChange> out) {
    // The events' input carries only their watermark (see the class comment).
  }

  /** Why the request is refused before its value is checked, or null. */
  private String check(ControlRequest request) {
    if (request.problem != null) {
      return request.problem;
    }
    if (request.key == null || request.key.isBlank()) {
      return "the record has no key: the key names the setting, e.g. sampling.rates.cache_hit";
    }
    String refusal = RunTimeKeys.refusal(request.key);
    if (refusal != null) {
      return refusal;
    }
    if (request.effectiveFrom != null
        && latestWatermark != Long.MIN_VALUE
        && request.effectiveFrom <= latestWatermark) {
      return "effective_from "
          + show(request.effectiveFrom)
          + " is not after the watermark "
          + show(latestWatermark)
          + ": results of that event time may be written already; give a later time or none";
    }
    return null;
  }

  private ControlChange stamp(ControlRequest request) {
    ControlChange c =
        ControlChange.of(
            history.isEmpty() ? 1 : history.get(history.size() - 1).seq + 1,
            request.key,
            request.value,
            request.effectiveFrom != null
                ? request.effectiveFrom
                : defaultEffectiveFrom(latestWatermark));
    c.watermark = latestWatermark;
    c.requestedAt = request.requestedAt;
    c.partition = request.partition;
    c.offset = request.offset;
    return c;
  }

  /**
   * The start of the first window after {@code watermark} plus the out-of-orderness bound (events
   * up to that bound past the watermark may have been processed already); before any watermark, the
   * start of event time.
   */
  long defaultEffectiveFrom(long watermark) {
    if (watermark == Long.MIN_VALUE) {
      return Long.MIN_VALUE;
    }
    if (watermark > Long.MAX_VALUE - outOfOrdernessMillis - 2 * windowMillis) {
      return Long.MAX_VALUE; // the input ended: nothing follows
    }
    long reached = watermark + outOfOrdernessMillis;
    return reached - Math.floorMod(reached, windowMillis) + windowMillis;
  }

  static String show(long eventTime) {
    return eventTime == Long.MIN_VALUE ? "start" : Instant.ofEpochMilli(eventTime).toString();
  }
}
