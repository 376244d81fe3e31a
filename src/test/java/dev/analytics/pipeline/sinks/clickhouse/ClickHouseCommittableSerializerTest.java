package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The committables of the exactly-once ClickHouse sink come back from checkpoint bytes: lengths
 * read from corrupt bytes must give a clean IOException, never an allocation of what they claim (an
 * out-of-memory error takes the TaskManager down) or a runtime exception.
 */
class ClickHouseCommittableSerializerTest {
  private static final ClickHouseCommittableSerializer SERIALIZER =
      new ClickHouseCommittableSerializer();

  private static byte[] valid() throws IOException {
    byte[] rows = new byte[64];
    new Random(1).nextBytes(rows);
    return SERIALIZER.serialize(
        new ClickHouseCommittable(
            "window_aggregates", "(`a`, `b`)", "job/window_aggregates/1a2b/5/0/0", 3, rows));
  }

  /** Offset of the row-bytes length: after three UTF strings (2-byte length each) and the count. */
  private static int rowLengthOffset(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int at = 0;
    for (int i = 0; i < 3; i++) {
      at += 2 + b.getShort(at);
    }
    return at + 4;
  }

  @Test
  void aRowLengthBeyondTheBytesIsACleanIOException() throws IOException {
    byte[] bytes = valid();
    ByteBuffer.wrap(bytes).putInt(rowLengthOffset(bytes), Integer.MAX_VALUE - 8);
    assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("corrupt ClickHouse committable")
        .hasMessageContaining("2147483639 bytes of rows");
  }

  @Test
  void negativeLengthsAndCountsAreACleanIOException() throws IOException {
    byte[] bytes = valid();
    ByteBuffer.wrap(bytes).putInt(rowLengthOffset(bytes), -1);
    assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("corrupt ClickHouse committable");
    byte[] count = valid();
    ByteBuffer.wrap(count).putInt(rowLengthOffset(count) - 4, -5);
    assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), count))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("-5 rows");
  }

  @Test
  void everyTruncationAndRandomCorruptionIsACommittableOrAnIOException() throws IOException {
    byte[] bytes = valid();
    for (int n = 0; n < bytes.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), cut))
          .as("truncated to %d bytes", n)
          .isInstanceOf(IOException.class);
    }
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] broken = bytes.clone();
      for (int j = 0, flips = 1 + random.nextInt(4); j < flips; j++) {
        broken[random.nextInt(broken.length)] = (byte) random.nextInt(256);
      }
      try {
        assertThat(SERIALIZER.deserialize(SERIALIZER.getVersion(), broken)).isNotNull();
      } catch (IOException expected) {
        // a clean refusal
      }
    }
  }
}
