package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.sinks.clickhouse.BatchBounds;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The high-priority events on their way to their ClickHouse table, with the row bounds of its
 * at-least-once inserts ({@code clickhouse.events.batch.min-rows}, {@code max-rows}) as run-time
 * control changes them: after each change, and after a restore before the first event, new bounds
 * for the writer of this subtask. Batching groups rows into inserts and never decides which rows
 * are written, so the latest change applies at once, not from an event time.
 */
public class ControlledBatchBounds
    extends BroadcastProcessFunction<
        AnalyticsEvent, ControlChange, Either<AnalyticsEvent, BatchBounds>> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ControlledBatchBounds.class);

  private final JobConfig base;
  private final List<ControlChange> initial;
  private transient BatchBounds sent;

  /**
   * @param initial the changes applied at submission
   */
  public ControlledBatchBounds(JobConfig base, List<ControlChange> initial) {
    this.base = base;
    this.initial = new ArrayList<>(initial);
  }

  @Override
  public void processElement(
      AnalyticsEvent event, ReadOnlyContext ctx, Collector<Either<AnalyticsEvent, BatchBounds>> out)
      throws Exception {
    if (sent == null) {
      send(ctx.getBroadcastState(AppliedChanges.STATE), out);
    }
    out.collect(Either.Left(event));
  }

  @Override
  public void processBroadcastElement(
      ControlChange change, Context ctx, Collector<Either<AnalyticsEvent, BatchBounds>> out)
      throws Exception {
    ctx.getBroadcastState(AppliedChanges.STATE).put(change.seq, change);
    send(ctx.getBroadcastState(AppliedChanges.STATE), out);
  }

  private void send(
      ReadOnlyBroadcastState<Long, ControlChange> state,
      Collector<Either<AnalyticsEvent, BatchBounds>> out)
      throws Exception {
    JobConfig latest = AppliedChanges.versions(base, initial, state).latest();
    BatchBounds bounds = bounds(latest);
    if (sent == null && bounds.equals(bounds(base))) {
      sent = bounds; // the writer starts with these
      return;
    }
    if (!bounds.equals(sent)) {
      LOG.info(
          "ClickHouse high-priority events: inserts of {} to {} rows from now on",
          bounds.minRows,
          bounds.maxRows);
      out.collect(Either.Right(bounds));
      sent = bounds;
    }
  }

  static BatchBounds bounds(JobConfig config) {
    return new BatchBounds(
        config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MIN_ROWS),
        config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_ROWS));
  }

  /** Whether the events table's inserts have row bounds to change (size and hybrid batching). */
  public static boolean applies(JobConfig config) {
    return switch (config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_STRATEGY)) {
      case SIZE, HYBRID -> true;
      default -> false;
    };
  }
}
