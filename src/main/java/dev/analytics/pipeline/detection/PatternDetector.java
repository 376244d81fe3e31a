package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detects spikes, drops, anomalies and trends in the sequence of window aggregates of one key and
 * reports them, and their resolution, as {@link Alert}s. The decisions are {@link PatternRules}';
 * this operator feeds it, keeps its state and handles time.
 *
 * <p><b>Takes</b> the window aggregates of one granularity (the fine windows), keyed by {@link
 * #keyOf} (granularity, event type and dimensions), as the window operator emits them: stamped
 * {@code windowEnd − 1}, the first emission when the watermark passes {@code windowEnd − 1},
 * re-emissions after late events with {@code version + 1}. The watched metric and every threshold
 * come from {@link DetectionSettings#forType} of the aggregate's event type.
 *
 * <p><b>Gives</b> alerts stamped like the aggregate that caused them (or the timer that did). A
 * window is judged when its aggregate arrives. A window without aggregate is judged when the
 * watermark passes its end ({@code windowEnd − 1}, an event-time timer): as a count of 0 for the
 * {@code count} metric (so a drop to nothing is detected), not at all for a statistic (nor is a
 * window with fewer than {@code min-values} values). A re-emission with a higher version of the
 * latest judged window judges that window again from the state before it and emits what that
 * decides with the aggregate's version (or, for a window first judged as missing, the previous
 * version + 1); a re-emission of an older window, or a version not above the one judged, is ignored
 * (counter {@code detectionIgnoredAggregates}); an older window's copy for the sinks keeps the
 * score written for that window when it is one of the last {@link #KEPT_SCORES} judged.
 *
 * <p><b>Guarantees</b>: the alerts are a function of the input sequence (no wall clock, no
 * randomness); state per key is constant-size ({@link DetectorState}, twice: the current state and
 * the one before the latest window) with one event-time timer. After {@code ttl-windows}
 * consecutive windows without any aggregate, the key's state is cleared and no timer is left.
 *
 * <p>Metrics (operator group): counters {@code detectionAlerts}, {@code
 * detectionIgnoredAggregates}, {@code detectionSparseWindows} (windows of a statistic with fewer
 * than {@code min-values} values, not judged) and {@code detectionSparseKeys} (keys that had such a
 * window; each is also logged once, a warning naming the key).
 *
 * <p>Each observed window's anomaly score is in the state ({@link DetectorState#anomalyScore},
 * {@link DetectorState#rawScore}); {@link PatternRules#observeWindow} returns it with the alerts.
 */
public class PatternDetector extends KeyedProcessFunction<String, WindowAggregate, Alert>
    implements RunTimeSettings {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PatternDetector.class);

  public static final String STATE = "pattern-detector-state";
  public static final String PREVIOUS_STATE = "pattern-detector-previous";

  /** Event types whose rules are kept built; beyond, the cache starts over. */
  static final int MAX_CACHED_RULES = 10_000;

  private Versioned<DetectionSettings> settings;

  /** The rules built for the settings of {@link #rulesFor}, by event type. */
  private transient Map<String, PatternRules> rulesByType;

  private transient DetectionSettings rulesFor;
  private transient ValueState<DetectorState> state;
  private transient ValueState<DetectorState> previous;
  private transient Counter alertsEmitted;
  private transient Counter ignored;
  private transient Counter sparseWindows;
  private transient Counter sparseKeys;

  public PatternDetector(DetectionSettings settings) {
    this.settings = Versioned.fixed(settings);
  }

  /**
   * Thresholds, overrides and watched metrics by the start of the window they judge. A key whose
   * watched metric changes starts over (its history is of the other metric).
   */
  @Override
  public void configure(Versioned<JobConfig> configs) {
    settings = configs.map(DetectionSettings::from);
    if (rulesByType != null) {
      rulesByType.clear();
      rulesFor = null;
    }
  }

  /**
   * The key of an aggregate: {@code granularity|eventType|dimensions}, the dimensions sorted by
   * name and length-prefixed ({@code 6:region=2:eu;}), so distinct keys never collide.
   */
  public static String keyOf(WindowAggregate a) {
    StringBuilder key = new StringBuilder();
    key.append(a.granularity).append('|').append(a.eventType).append('|');
    if (a.dimensions != null) {
      for (Map.Entry<String, String> d : new TreeMap<>(a.dimensions).entrySet()) {
        String value = d.getValue() == null ? "" : d.getValue();
        key.append(d.getKey().length()).append(':').append(d.getKey()).append('=');
        key.append(value.length()).append(':').append(value).append(';');
      }
    }
    return key.toString();
  }

  @Override
  public void open(OpenContext openContext) {
    rulesByType = new HashMap<>();
    TypeInformation<DetectorState> type = TypeInformation.of(DetectorState.class);
    state = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE, type));
    previous = getRuntimeContext().getState(new ValueStateDescriptor<>(PREVIOUS_STATE, type));
    alertsEmitted = getRuntimeContext().getMetricGroup().counter("detectionAlerts");
    ignored = getRuntimeContext().getMetricGroup().counter("detectionIgnoredAggregates");
    sparseWindows = getRuntimeContext().getMetricGroup().counter("detectionSparseWindows");
    sparseKeys = getRuntimeContext().getMetricGroup().counter("detectionSparseKeys");
    if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
      for (String line : describe(settings.latest())) {
        LOG.info(line);
      }
    }
    // What each rule set judges, as metrics (event_type "*": types without overrides).
    ruleSets(settings.latest()).forEach(this::ruleSetGauge);
  }

  /** The rule sets: "*" for event types without overrides, then each configured type, sorted. */
  private static Map<String, DetectionSettings.Rules> ruleSets(DetectionSettings settings) {
    Map<String, DetectionSettings.Rules> sets = new java.util.LinkedHashMap<>();
    sets.put("*", settings.defaults());
    for (String type : new java.util.TreeSet<>(settings.configuredTypes())) {
      sets.put(type, settings.forType(type));
    }
    return sets;
  }

  /**
   * Gauge {@code detectionMinValues} of a rule set, in groups {@code event_type} and {@code metric}
   * (labels in Prometheus): the fewest values a window needs to be judged; 0 for the count, which
   * judges every window, a missing one as 0; 1 for a statistic judged with one value per window.
   */
  private void ruleSetGauge(String eventType, DetectionSettings.Rules r) {
    int minValues = r.metric().isCount() ? 0 : r.minValues();
    getRuntimeContext()
        .getMetricGroup()
        .addGroup("event_type", eventType)
        .addGroup("metric", r.metric().label())
        .gauge("detectionMinValues", () -> minValues);
  }

  /**
   * Every aggregate the detector receives, in order, a copy with the anomaly score of its window
   * ({@link WindowAggregate#anomalyScore}; NaN when it was not judged): what the sinks write.
   */
  public static final OutputTag<WindowAggregate> SCORED =
      new OutputTag<>("scored-aggregates", TypeInformation.of(WindowAggregate.class));

  @Override
  public void processElement(WindowAggregate a, Context ctx, Collector<Alert> out)
      throws Exception {
    WindowAggregate scored = a.copy();
    scored.anomalyScore = Double.NaN;
    detect(a, scored, ctx, out);
    ctx.output(SCORED, scored);
  }

  private void detect(WindowAggregate a, WindowAggregate scored, Context ctx, Collector<Alert> out)
      throws Exception {
    PatternRules rules = rules(a.eventType, a.windowStart);
    long windowMillis = a.windowEnd - a.windowStart;
    DetectorState s = state.value();
    if (s != null && s.windowMillis != windowMillis) {
      throw new IllegalStateException(
          "PatternDetector takes one granularity per key: "
              + a
              + " after windows of "
              + s.windowMillis
              + " ms");
    }
    if (s == null
        || (a.windowStart - s.latestStart) / windowMillis >= rules.rules().ttlWindows()
        || (s.metric != null && !s.metric.equals(rules.rules().metric().label()))) {
      if (s != null && s.timer != Long.MIN_VALUE) {
        ctx.timerService().deleteEventTimeTimer(s.timer);
      }
      s = rules.newState(a.eventType, a.dimensions, a.granularity, windowMillis);
      s.timer = Long.MIN_VALUE;
    } else if (a.windowStart < s.latestStart) {
      // Not judged again; the sink row of its latest version keeps the score the window had.
      scored.anomalyScore = recallScore(s, a.windowStart);
      ignored.inc();
      return;
    } else if (a.windowStart == s.latestStart) {
      if (s.latestFromAggregate && a.version <= s.latestVersion) {
        ignored.inc();
        return;
      }
      int version = s.latestFromAggregate ? a.version : s.latestVersion + 1;
      DetectorState before = previous.value();
      DetectorState again = before.copy();
      again.silentWindows = 0;
      again.timer = s.timer;
      if (judge(rules, again, a, version, out)) {
        scored.anomalyScore = again.anomalyScore;
        keepScore(again, a.windowStart, again.anomalyScore);
      }
      state.update(again);
      return;
    } else {
      // Windows the timer has not judged yet (the watermark jumped past several at once).
      for (long start = s.latestStart + windowMillis;
          start < a.windowStart;
          start += windowMillis) {
        missing(rules, s, start, out);
      }
    }
    s.silentWindows = 0;
    previous.update(s.copy());
    if (judge(rules, s, a, a.version, out)) {
      scored.anomalyScore = s.anomalyScore;
      keepScore(s, a.windowStart, s.anomalyScore);
    }
    long next = a.windowEnd + windowMillis - 1;
    if (s.timer != next) {
      if (s.timer != Long.MIN_VALUE) {
        ctx.timerService().deleteEventTimeTimer(s.timer);
      }
      ctx.timerService().registerEventTimeTimer(next);
      s.timer = next;
    }
    state.update(s);
  }

  /** Judged aggregates whose window's score a late re-emission of an older window gets. */
  static final int KEPT_SCORES = 16;

  /** Keeps the score written for the window starting at {@code start} (replacing an older one). */
  static void keepScore(DetectorState s, long start, double score) {
    if (s.scoreStarts == null || s.scoreStarts.length != KEPT_SCORES) {
      s.scoreStarts = new long[KEPT_SCORES];
      s.scoreValues = new double[KEPT_SCORES];
      java.util.Arrays.fill(s.scoreStarts, Long.MIN_VALUE);
      s.scoreNext = 0;
    }
    for (int i = 0; i < KEPT_SCORES; i++) {
      if (s.scoreStarts[i] == start) {
        s.scoreValues[i] = score;
        return;
      }
    }
    s.scoreStarts[s.scoreNext] = start;
    s.scoreValues[s.scoreNext] = score;
    s.scoreNext = (s.scoreNext + 1) % KEPT_SCORES;
  }

  /** The score written for the window starting at {@code start}; NaN when not kept. */
  static double recallScore(DetectorState s, long start) {
    if (s.scoreStarts != null) {
      for (int i = 0; i < s.scoreStarts.length; i++) {
        if (s.scoreStarts[i] == start) {
          return s.scoreValues[i];
        }
      }
    }
    return Double.NaN;
  }

  /** The end of a window without aggregate: judge it as missing; clear a silent key. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
    DetectorState s = state.value();
    if (s == null) {
      return;
    }
    if (ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
      // End of input (a bounded source, a replay, or stop --drain): the stream ended, the traffic
      // did not drop; judging the windows after it as zeros would raise a drop on every drain.
      return;
    }
    PatternRules rules = rules(s.eventType, s.latestStart + s.windowMillis);
    long w = s.windowMillis;
    for (long start = s.latestStart + w; start + w - 1 <= timestamp; start += w) {
      if (++s.silentWindows >= rules.rules().ttlWindows()) {
        state.clear();
        previous.clear();
        return;
      }
      previous.update(s.copy());
      missing(rules, s, start, out);
    }
    s.timer = s.latestStart + 2 * w - 1;
    ctx.timerService().registerEventTimeTimer(s.timer);
    state.update(s);
  }

  /** Judges the window of {@code a}; false when it was passed over (too few values). */
  private boolean judge(
      PatternRules rules, DetectorState s, WindowAggregate a, int version, Collector<Alert> out) {
    DetectionSettings.Rules r = rules.rules();
    double value = r.metric().of(a);
    s.latestFromAggregate = true;
    if (!r.metric().isCount() && (a.valueCount < r.minValues() || !Double.isFinite(value))) {
      if (a.valueCount < r.minValues()) {
        sparse(s, a, r);
      }
      rules.skip(s, a.windowStart);
      s.latestFromAggregate = true;
      s.latestVersion = version;
      return false;
    }
    emit(rules.observe(s, a.windowStart, value, a.sampleRate, version), out);
    s.latestFromAggregate = true;
    return true;
  }

  /**
   * What detection judges, one line per rule set (the defaults, then each configured type): the
   * mode, the metric and whether a window of one value is judged.
   */
  static List<String> describe(DetectionSettings settings) {
    List<String> lines = new java.util.ArrayList<>();
    ruleSets(settings)
        .forEach(
            (type, rules) ->
                lines.add(
                    describe(type.equals("*") ? "event types without overrides" : type, rules)));
    return lines;
  }

  private static String describe(String what, DetectionSettings.Rules r) {
    String judged =
        r.metric().isCount()
            ? "every window (a missing one as 0)"
            : r.minValues() <= 1
                ? "every window with a value"
                : "windows of at least "
                    + r.minValues()
                    + " values only (sparser keys are logged and counted in"
                    + " detectionSparseKeys)";
    return "Pattern detection of "
        + what
        + ": "
        + r.mode()
        + " mode, metric "
        + r.metric().label()
        + ", judges "
        + judged;
  }

  /** A window with fewer values than min-values: counted, and the key reported once. */
  private void sparse(DetectorState s, WindowAggregate a, DetectionSettings.Rules r) {
    sparseWindows.inc();
    if (!s.sparseReported) {
      s.sparseReported = true;
      sparseKeys.inc();
      LOG.warn(
          "Pattern detection: {} of {} {} has windows with {} values, fewer than detection"
              + ".min-values {}: those windows are not judged (lower min-values for the type in"
              + " detection.overrides to judge them)",
          r.metric().label(),
          a.eventType,
          a.dimensions == null ? Map.of() : new TreeMap<>(a.dimensions),
          a.valueCount,
          r.minValues());
    }
  }

  private void missing(PatternRules rules, DetectorState s, long start, Collector<Alert> out) {
    if (rules.rules().metric().isCount()) {
      emit(rules.observe(s, start, 0, s.sampleRate, 0), out);
    } else {
      rules.skip(s, start);
    }
    s.latestFromAggregate = false;
  }

  private void emit(List<Alert> alerts, Collector<Alert> out) {
    for (Alert alert : alerts) {
      out.collect(alert);
      alertsEmitted.inc();
    }
  }

  private PatternRules rules(String eventType, long windowStart) {
    DetectionSettings current = settings.at(windowStart);
    if (current != rulesFor) {
      rulesByType.clear();
      rulesFor = current;
    }
    PatternRules rules = rulesByType.get(eventType);
    if (rules == null) {
      // Bounded whatever the input: forgotten all at once and built again as types come back.
      if (rulesByType.size() >= MAX_CACHED_RULES) {
        rulesByType.clear();
      }
      rules = new PatternRules(current.forType(eventType));
      rulesByType.put(eventType, rules);
    }
    return rules;
  }
}
