package dev.analytics.pipeline.sinks.postgres;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link PostgresWriterState} into checkpoints and savepoints.
 *
 * <ul>
 *   <li><b>Version 1</b> (before held-back rows existed): the writer kept nothing; its bytes (none)
 *       read as a state without rows. Savepoints of that version restore.
 *   <li><b>Version 2</b>: subtask, parallelism, number of rows; then, when there are rows, the row
 *       serializer's versioned snapshot ({@link TypeSerializerSnapshot#writeVersionedSnapshot}) and
 *       the rows. Rows are read back with the serializer restored from that snapshot, so a row
 *       class that evolved as Flink POJOs may (fields added or removed) still reads.
 *   <li><b>Version 3</b>: version 2, then the number of the writer's own prepared transactions not
 *       seen committed and their ids ({@link PostgresWriterState#prepared()}); a state of version 2
 *       reads with that list unknown.
 * </ul>
 *
 * @param <T> the rows
 */
public final class PostgresWriterStateSerializer<T>
    implements SimpleVersionedSerializer<PostgresWriterState<T>> {
  static final int VERSION = 3;

  @Override
  public int getVersion() {
    return VERSION;
  }

  @Override
  public byte[] serialize(PostgresWriterState<T> state) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    out.writeInt(state.subtask());
    out.writeInt(state.parallelism());
    out.writeInt(state.rows().size());
    if (!state.rows().isEmpty()) {
      TypeSerializerSnapshot.writeVersionedSnapshot(
          out, state.serializer().snapshotConfiguration());
      for (T row : state.rows()) {
        state.serializer().serialize(row, out);
      }
    }
    List<String> prepared = state.prepared() == null ? List.of() : state.prepared();
    out.writeInt(prepared.size());
    for (String gid : prepared) {
      out.writeUTF(gid);
    }
    return out.getCopyOfBuffer();
  }

  @Override
  public PostgresWriterState<T> deserialize(int version, byte[] serialized) throws IOException {
    if (version == 1) {
      return new PostgresWriterState<>(-1, -1, List.of(), null);
    }
    if (version != 2 && version != VERSION) {
      throw new IOException(
          "unknown version " + version + " of the PostgreSQL sink's writer state");
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    int subtask = in.readInt();
    int parallelism = in.readInt();
    int count = in.readInt();
    // Lengths come from the bytes: a corrupt state is an IOException, not an allocation of them.
    if (count < 0 || count > in.available()) {
      throw new IOException(
          "corrupt writer state of the PostgreSQL sink: "
              + count
              + " rows in "
              + serialized.length
              + " bytes");
    }
    List<T> rows = new ArrayList<>();
    TypeSerializer<T> serializer = null;
    if (count > 0) {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      TypeSerializerSnapshot<T> snapshot =
          TypeSerializerSnapshot.readVersionedSnapshot(
              in, loader != null ? loader : PostgresWriterStateSerializer.class.getClassLoader());
      serializer = snapshot.restoreSerializer();
      for (int i = 0; i < count; i++) {
        rows.add(serializer.deserialize(in));
      }
    }
    if (version == 2) {
      return new PostgresWriterState<>(subtask, parallelism, rows, serializer);
    }
    int gids = in.readInt();
    if (gids < 0 || gids > in.available() / 2) {
      throw new IOException(
          "corrupt writer state of the PostgreSQL sink: "
              + gids
              + " transaction ids in "
              + serialized.length
              + " bytes");
    }
    List<String> prepared = new ArrayList<>();
    for (int i = 0; i < gids; i++) {
      prepared.add(in.readUTF());
    }
    return new PostgresWriterState<>(subtask, parallelism, rows, serializer, prepared);
  }
}
