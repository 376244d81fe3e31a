package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import dev.analytics.pipeline.config.Versioned;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BaseBroadcastProcessFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a controlled operator does with the applied changes: keeps them in its broadcast state (so
 * in checkpoints and savepoints), hands the configuration by event time to its functions, and
 * counts the changes that arrived after it had processed some of their event time ({@code
 * controlAppliedLate}).
 */
public final class AppliedChanges implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(AppliedChanges.class);

  /** The descriptor of the broadcast state of the applied changes (for the broadcast stream). */
  public static MapStateDescriptor<Long, ControlChange> descriptor() {
    return STATE;
  }

  /** The applied changes by sequence number, in every controlled operator. */
  static final MapStateDescriptor<Long, ControlChange> STATE =
      new MapStateDescriptor<>(
          "control-changes", Types.LONG, TypeInformation.of(ControlChange.class));

  private final JobConfig base;
  private final List<ControlChange> initial;
  private final List<RunTimeSettings> functions;

  private transient boolean configured;
  private transient long latestTime;
  private transient Counter appliedLate;
  private transient String task;

  /**
   * @param initial the changes applied at submission ({@link ControlBootstrap}), held from the
   *     start
   */
  AppliedChanges(JobConfig base, List<ControlChange> initial, List<RunTimeSettings> functions) {
    this.base = base;
    this.initial = new ArrayList<>(initial);
    this.functions = new ArrayList<>(functions);
  }

  void open(RuntimeContext context) {
    appliedLate = context.getMetricGroup().counter("controlAppliedLate");
    task = context.getTaskInfo().getTaskNameWithSubtasks();
    latestTime = Long.MIN_VALUE;
    configured = false;
  }

  /** Before a record or timer: configures the functions once after a start or restore. */
  void before(BaseBroadcastProcessFunction.ReadOnlyContext ctx, Long eventTime) throws Exception {
    if (!configured) {
      configure(ctx.getBroadcastState(STATE));
    }
    if (eventTime != null && eventTime > latestTime) {
      latestTime = eventTime;
    }
  }

  /** A newly applied change: kept, and the functions configured with it. */
  void add(BroadcastState<Long, ControlChange> state, ControlChange change) throws Exception {
    state.put(change.seq, change);
    configure(state);
    if (latestTime != Long.MIN_VALUE && change.effectiveFrom <= latestTime) {
      appliedLate.inc();
      LOG.warn(
          "Control change #{} ({} from {}) reached {} after it had processed event time {}",
          change.seq,
          change.key,
          ControlStamper.show(change.effectiveFrom),
          task,
          ControlStamper.show(latestTime));
    }
  }

  private void configure(ReadOnlyBroadcastState<Long, ControlChange> state) throws Exception {
    var versions = versions(base, initial, state);
    for (RunTimeSettings f : functions) {
      f.configure(versions);
    }
    configured = true;
  }

  /**
   * The configuration by event time that the changes applied at submission and those held in {@code
   * state} make of {@code base}.
   */
  static Versioned<JobConfig> versions(
      JobConfig base,
      List<ControlChange> initial,
      ReadOnlyBroadcastState<Long, ControlChange> state)
      throws Exception {
    Map<Long, ControlChange> changes = new TreeMap<>();
    for (ControlChange c : initial) {
      changes.put(c.seq, c);
    }
    for (Map.Entry<Long, ControlChange> e : state.immutableEntries()) {
      changes.put(e.getKey(), e.getValue());
    }
    return ControlVersions.of(base, changes.values());
  }
}
