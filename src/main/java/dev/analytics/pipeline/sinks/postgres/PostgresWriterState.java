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
 * @param <T> the rows
 */
public record PostgresWriterState<T>(
    int subtask, int parallelism, List<T> rows, TypeSerializer<T> serializer) {

  public PostgresWriterState {
    rows = List.copyOf(rows);
  }
}
