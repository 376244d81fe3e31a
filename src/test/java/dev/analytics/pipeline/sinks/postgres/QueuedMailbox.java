package dev.analytics.pipeline.sinks.postgres;

import java.util.ArrayDeque;
import java.util.Queue;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * A task mailbox for tests: mails run only when the code under test yields, in the order they were
 * put, in the caller's thread, as in a Flink task. A test puts what would reach the task meanwhile,
 * e.g. a checkpoint completion that the committer handles.
 */
final class QueuedMailbox implements MailboxExecutor {
  private final Queue<ThrowingRunnable<? extends Exception>> mails = new ArrayDeque<>();
  private int ran;

  @Override
  public void execute(
      MailOptions options,
      ThrowingRunnable<? extends Exception> command,
      String descriptionFormat,
      Object... descriptionArgs) {
    mails.add(command);
  }

  @Override
  public void yield() {
    if (!tryYield()) {
      throw new IllegalStateException("yield() with an empty mailbox would block for ever");
    }
  }

  @Override
  public boolean tryYield() {
    ThrowingRunnable<? extends Exception> mail = mails.poll();
    if (mail == null) {
      return false;
    }
    try {
      mail.run();
    } catch (Exception e) {
      throw new FlinkRuntimeException(e);
    }
    ran++;
    return true;
  }

  @Override
  public boolean shouldInterrupt() {
    return false;
  }

  /** Mails run so far. */
  int ran() {
    return ran;
  }
}
