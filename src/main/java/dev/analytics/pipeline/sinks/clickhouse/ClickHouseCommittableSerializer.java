package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * {@link ClickHouseCommittable} in checkpoints. Version 1: table, column list and token (modified
 * UTF-8), row count (int), row bytes (int length, bytes).
 */
public final class ClickHouseCommittableSerializer
    implements SimpleVersionedSerializer<ClickHouseCommittable> {
  static final int VERSION = 1;

  @Override
  public int getVersion() {
    return VERSION;
  }

  @Override
  public byte[] serialize(ClickHouseCommittable c) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(c.rows().length + 256);
    out.writeUTF(c.table());
    out.writeUTF(c.columnList());
    out.writeUTF(c.token());
    out.writeInt(c.rowCount());
    out.writeInt(c.rows().length);
    out.write(c.rows());
    return out.getCopyOfBuffer();
  }

  @Override
  public ClickHouseCommittable deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION) {
      throw new IOException("unknown ClickHouseCommittable serializer version " + version);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    String table = in.readUTF();
    String columns = in.readUTF();
    String token = in.readUTF();
    int rowCount = in.readInt();
    int length = in.readInt();
    // Lengths come from the bytes: a corrupt checkpoint is an IOException, not an allocation of
    // whatever they claim.
    if (rowCount < 0 || length < 0 || length > in.available()) {
      throw new IOException(
          String.format(
              "corrupt ClickHouse committable (table '%s', token '%s'): %d rows in %d bytes of rows,"
                  + " %d bytes left of %d",
              table, token, rowCount, length, in.available(), serialized.length));
    }
    byte[] rows = new byte[length];
    in.readFully(rows);
    if (in.available() != 0) {
      throw new IOException("trailing bytes after a ClickHouseCommittable");
    }
    return new ClickHouseCommittable(table, columns, token, rowCount, rows);
  }
}
