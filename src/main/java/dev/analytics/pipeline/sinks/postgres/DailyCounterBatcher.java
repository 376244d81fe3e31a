package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Aggregates daily-counter increments in memory by bucket (metric, dimensions, day) between two
 * checkpoints, as the original design aggregates a batch before its one transaction: the sink then
 * sends one upsert per bucket instead of one per window.
 *
 * <p><b>Takes</b> increments; <b>gives</b> one increment per bucket with the sum of its amounts,
 * just before each checkpoint barrier ({@link #prepareSnapshotPreBarrier}) and at end of input, in
 * bucket order. <b>Guarantees</b>: the buffer is empty at every snapshot, so it needs no state and
 * every increment reaches the sink before the barrier of the checkpoint that follows it (the sink
 * writes it in that checkpoint's transaction or, while an earlier transaction of its own still
 * locks the counter, keeps it in that checkpoint's writer state for a later one); the sum per
 * bucket is unchanged. Sorted emission makes concurrent transactions lock their rows in the same
 * order (no deadlock between subtasks). At most {@code maxBuckets} buckets are held: beyond that
 * the buffer is emitted early (same transaction, only less merged).
 */
public class DailyCounterBatcher extends AbstractStreamOperator<DailyCounterIncrement>
    implements OneInputStreamOperator<DailyCounterIncrement, DailyCounterIncrement>,
        BoundedOneInput {
  private final int maxBuckets;
  private transient TreeMap<String, DailyCounterIncrement> buckets;

  public DailyCounterBatcher(int maxBuckets) {
    this.maxBuckets = maxBuckets;
  }

  @Override
  public void open() throws Exception {
    super.open();
    buckets = new TreeMap<>();
  }

  @Override
  public void processElement(StreamRecord<DailyCounterIncrement> element) {
    DailyCounterIncrement in = element.getValue();
    DailyCounterIncrement bucket = buckets.get(in.bucketKey());
    if (bucket == null) {
      buckets.put(
          in.bucketKey(),
          new DailyCounterIncrement(in.metric, in.dimensionValues.clone(), in.epochDay, in.count));
      if (buckets.size() >= maxBuckets) {
        emit();
      }
    } else {
      bucket.count += in.count;
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    emit();
  }

  @Override
  public void endInput() {
    emit();
  }

  /** Buckets held now, for tests. */
  int bufferedBuckets() {
    return buckets.size();
  }

  private void emit() {
    for (Map.Entry<String, DailyCounterIncrement> e : buckets.entrySet()) {
      if (e.getValue().count != 0) {
        output.collect(new StreamRecord<>(e.getValue()));
      }
    }
    buckets.clear();
  }
}
