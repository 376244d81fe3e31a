package dev.analytics.pipeline.chaos;

import dev.analytics.pipeline.model.ParsedRecord;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Passes records through unchanged and throws when the chaos harness asks for a task failure
 * ({@link FaultTriggers}): on the next record, mid-checkpoint (between this operator's snapshot of
 * checkpoint N and N's completion) or in {@code notifyCheckpointComplete} (while the sinks commit).
 * Test code only: {@link ChaosJob} puts it after the Kafka source; the production job has no such
 * hook. Stateless: the trigger directory, not Flink state, remembers which failures happened.
 */
final class FailureInjector extends RichMapFunction<ParsedRecord, ParsedRecord>
    implements CheckpointedFunction, CheckpointListener {
  private static final long POLL_NANOS = 50_000_000L;

  private final String triggerDir;
  private transient FaultTriggers triggers;
  private transient long nextPoll;
  private transient FaultTriggers.Mode armed;
  private transient long snapshotted = -1;

  FailureInjector(String triggerDir) {
    this.triggerDir = triggerDir;
  }

  @Override
  public ParsedRecord map(ParsedRecord record) {
    poll();
    if (armed == FaultTriggers.Mode.RECORD) {
      throw new InjectedFailure("on a record");
    }
    if (armed == FaultTriggers.Mode.MID_CHECKPOINT && snapshotted >= 0) {
      throw new InjectedFailure("mid-checkpoint, after the snapshot of checkpoint " + snapshotted);
    }
    return record;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) {
    poll();
    snapshotted = context.getCheckpointId();
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (checkpointId >= snapshotted) {
      snapshotted = -1;
    }
    poll();
    if (armed == FaultTriggers.Mode.COMMIT) {
      throw new InjectedFailure("in notifyCheckpointComplete(" + checkpointId + ")");
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) {
    triggers = new FaultTriggers(Path.of(triggerDir));
    nextPoll = System.nanoTime();
  }

  private void poll() {
    long now = System.nanoTime();
    if (armed == null && now - nextPoll >= 0) {
      nextPoll = now + POLL_NANOS;
      armed = triggers.claim();
    }
  }

  /** The exception of an injected failure, recognisable in the logs. */
  static final class InjectedFailure extends RuntimeException {
    InjectedFailure(String where) {
      super("Injected task failure (chaos suite) " + where);
    }
  }
}
