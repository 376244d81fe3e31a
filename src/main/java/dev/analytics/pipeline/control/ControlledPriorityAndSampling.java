package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.priority.PriorityClassifier;
import dev.analytics.pipeline.sampling.DeterministicSampler;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Priority and, in fixed sampling mode, sampling, with their rules and rates taken from the applied
 * control changes by the event time of each event (the broadcast input, kept as {@link
 * AppliedChanges}). One operator for both, so that the control changes cost one broadcast input,
 * not two. In adaptive mode the sampler is keyed and controlled on its own; this operator then only
 * classifies.
 */
public class ControlledPriorityAndSampling
    extends BroadcastProcessFunction<AnalyticsEvent, ControlChange, AnalyticsEvent> {
  private static final long serialVersionUID = 1L;

  private final PriorityClassifier classifier;
  private final DeterministicSampler sampler;
  private final AppliedChanges changes;

  /**
   * @param sampler the fixed-rate sampler, or null when sampling happens downstream
   * @param initial the changes applied at submission
   */
  public ControlledPriorityAndSampling(
      PriorityClassifier classifier,
      DeterministicSampler sampler,
      JobConfig base,
      List<ControlChange> initial) {
    this.classifier = classifier;
    this.sampler = sampler;
    this.changes =
        new AppliedChanges(
            base, initial, sampler == null ? List.of(classifier) : List.of(classifier, sampler));
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    classifier.setRuntimeContext(getRuntimeContext());
    classifier.open(openContext);
    if (sampler != null) {
      sampler.setRuntimeContext(getRuntimeContext());
      sampler.open(openContext);
    }
    changes.open(getRuntimeContext());
  }

  @Override
  public void processElement(
      AnalyticsEvent event, ReadOnlyContext ctx, Collector<AnalyticsEvent> out) throws Exception {
    changes.before(ctx, event.timestamp);
    AnalyticsEvent classified = classifier.map(event);
    if (sampler == null) {
      out.collect(classified);
    } else {
      sampler.flatMap(classified, out);
    }
  }

  @Override
  public void processBroadcastElement(
      ControlChange change, Context ctx, Collector<AnalyticsEvent> out) throws Exception {
    changes.add(ctx.getBroadcastState(AppliedChanges.STATE), change);
  }
}
