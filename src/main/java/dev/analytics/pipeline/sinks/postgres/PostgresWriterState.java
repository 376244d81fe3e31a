package dev.analytics.pipeline.sinks.postgres;

import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The state of one {@link PostgresTwoPhaseCommitWriter} at a checkpoint: the rows it held back (not
 * in any transaction yet, because their table row was locked by one of its own prepared
 * transactions) and which subtask of which parallelism held them.
 *
 * <p>A writer restored from this state writes the rows in its first transaction (after the locks
 * are gone). The subtask and parallelism let it refuse rows that another subtask owns after a
 * rescale (see {@link PostgresTwoPhaseCommitWriter}).
 *
 * @param subtask the subtask that held the rows
 * @param parallelism the sink's parallelism then
 * @param rows the rows, in the order they are to be written
 * @param serializer serializes the rows (the sink's input serializer, or the one restored from the
 *     state's serializer snapshot)
 * @param prepared the ids of the writer's own prepared transactions at the checkpoint that it had
 *     not seen committed: the committables of this and earlier completed checkpoints, which the
 *     committer commits on a restore. Any other prepared transaction of the subtask that began
 *     before the checkpoint is not this run's (a job with the same instance id that started without
 *     state and stopped before its commit): it is rolled back. Null when unknown (a state of
 *     version 2 or 1).
 * @param <T> the rows
 */
public record PostgresWriterState<T>(
    int subtask,
    int parallelism,
    List<T> rows,
    TypeSerializer<T> serializer,
    List<String> prepared) {

  public PostgresWriterState {
    rows = List.copyOf(rows);
    prepared = prepared == null ? null : List.copyOf(prepared);
  }

  /** A state without the list of prepared transactions (unknown), as versions 1 and 2 read. */
  public PostgresWriterState(
      int subtask, int parallelism, List<T> rows, TypeSerializer<T> serializer) {
    this(subtask, parallelism, rows, serializer, null);
  }
}
