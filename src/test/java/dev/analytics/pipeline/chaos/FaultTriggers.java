package dev.analytics.pipeline.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The hand-over of injected task failures between the chaos harness and the job's {@link
 * FailureInjector}, through a directory both see (the cluster runs on this machine): the harness
 * writes {@code pending/<seq>-<mode>}; exactly one injector subtask claims it by an atomic rename
 * into {@code claimed/}, throws at the point the mode names, and the file stays claimed, so the
 * restarted job does not fail again on the same trigger.
 */
public final class FaultTriggers {
  /** Where in the task's life the exception is thrown. */
  public enum Mode {
    /** On the next record: a random point between or across checkpoints. */
    RECORD,
    /**
     * On the first record after this operator snapshotted checkpoint N and before N completed: the
     * sinks have pre-committed (Kafka transactions flushed, PostgreSQL prepared, ClickHouse rows in
     * the committable) but nothing is committed.
     */
    MID_CHECKPOINT,
    /**
     * In {@code notifyCheckpointComplete(N)}, while the sinks' committers commit N in other tasks:
     * some commits done, others not.
     */
    COMMIT;

    String fileName(int seq) {
      return String.format("%04d-%s", seq, name().toLowerCase().replace('_', '-'));
    }

    static Mode ofFileName(String name) {
      return Mode.valueOf(name.substring(5).toUpperCase().replace('-', '_'));
    }
  }

  private final Path pending;
  private final Path claimed;

  public FaultTriggers(Path dir) {
    this.pending = dir.resolve("pending");
    this.claimed = dir.resolve("claimed");
  }

  /** Creates the directories (harness side, before the job starts). */
  public FaultTriggers create() throws IOException {
    Files.createDirectories(pending);
    Files.createDirectories(claimed);
    return this;
  }

  /** Harness: asks for a failure. */
  public void trigger(int seq, Mode mode) throws IOException {
    Path tmp = pending.resolveSibling(mode.fileName(seq) + ".tmp");
    Files.writeString(tmp, "");
    Files.move(tmp, pending.resolve(mode.fileName(seq)), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Harness: whether an injector has claimed trigger {@code seq}. */
  public boolean claimed(int seq, Mode mode) {
    return Files.exists(claimed.resolve(mode.fileName(seq)));
  }

  /** Harness: triggers written but not claimed. */
  public List<String> unclaimed() throws IOException {
    try (Stream<Path> files = Files.list(pending)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * Injector: claims one pending trigger if there is one; exactly one caller wins each trigger.
   *
   * @return its mode, or null
   */
  Mode claim() {
    try (Stream<Path> files = Files.list(pending)) {
      for (Path p : files.sorted().toList()) {
        try {
          Files.move(p, claimed.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE);
          return Mode.ofFileName(p.getFileName().toString());
        } catch (NoSuchFileException | FileAlreadyExistsException lost) {
          // another subtask won this one
        } catch (AtomicMoveNotSupportedException e) {
          throw new IllegalStateException("trigger directory without atomic rename: " + p, e);
        }
      }
      return null;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
