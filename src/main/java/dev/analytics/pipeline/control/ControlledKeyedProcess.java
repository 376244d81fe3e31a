package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.RunTimeSettings;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * A keyed operator of the pipeline (the adaptive sampler, the cardinality caps, the pattern
 * detector) with the applied control changes as a second, broadcast input: the changes are kept in
 * broadcast state (in checkpoints and savepoints) and handed to the function as the configuration
 * by event time ({@link RunTimeSettings}); records and timers go to the function unchanged, with
 * its own keyed state and timers.
 */
public class ControlledKeyedProcess<K, I, O>
    extends KeyedBroadcastProcessFunction<K, I, ControlChange, O> {
  private static final long serialVersionUID = 1L;

  private final KeyedProcessFunction<K, I, O> function;
  private final AppliedChanges changes;

  private transient ForwardingContext context;

  public <F extends KeyedProcessFunction<K, I, O> & RunTimeSettings> ControlledKeyedProcess(
      F function, JobConfig base, List<ControlChange> initial) {
    this.function = function;
    this.changes = new AppliedChanges(base, initial, List.of(function));
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    function.setRuntimeContext(getRuntimeContext());
    function.open(openContext);
    changes.open(getRuntimeContext());
    context = new ForwardingContext();
  }

  @Override
  public void close() throws Exception {
    function.close();
  }

  @Override
  public void processElement(I value, ReadOnlyContext ctx, Collector<O> out) throws Exception {
    changes.before(ctx, ctx.timestamp());
    context.element = ctx;
    context.timer = null;
    function.processElement(value, context.forElement, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<O> out) throws Exception {
    changes.before(ctx, null);
    context.element = ctx;
    context.timer = ctx;
    function.onTimer(timestamp, context.onTimer(), out);
  }

  @Override
  public void processBroadcastElement(ControlChange change, Context ctx, Collector<O> out)
      throws Exception {
    changes.add(ctx.getBroadcastState(AppliedChanges.STATE), change);
  }

  /** The function's view of the broadcast operator's context. */
  private final class ForwardingContext {
    ReadOnlyContext element;
    OnTimerContext timer;

    private final KeyedProcessFunction<K, I, O>.Context forElement =
        function.new Context() {
          @Override
          public Long timestamp() {
            return element.timestamp();
          }

          @Override
          public TimerService timerService() {
            return element.timerService();
          }

          @Override
          public <X> void output(OutputTag<X> outputTag, X value) {
            element.output(outputTag, value);
          }

          @Override
          public K getCurrentKey() {
            return element.getCurrentKey();
          }
        };

    private final KeyedProcessFunction<K, I, O>.OnTimerContext forTimer =
        function.new OnTimerContext() {
          @Override
          public Long timestamp() {
            return timer.timestamp();
          }

          @Override
          public TimerService timerService() {
            return timer.timerService();
          }

          @Override
          public <X> void output(OutputTag<X> outputTag, X value) {
            timer.output(outputTag, value);
          }

          @Override
          public TimeDomain timeDomain() {
            return timer.timeDomain();
          }

          @Override
          public K getCurrentKey() {
            return timer.getCurrentKey();
          }
        };

    KeyedProcessFunction<K, I, O>.OnTimerContext onTimer() {
      return forTimer;
    }
  }
}
