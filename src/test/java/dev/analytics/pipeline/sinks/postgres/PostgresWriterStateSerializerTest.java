package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Test;

/** The writer state's serializer: versions 1 (nothing) and 2 (held rows with their serializer). */
class PostgresWriterStateSerializerTest {
  private final PostgresWriterStateSerializer<DailyCounterIncrement> serializer =
      new PostgresWriterStateSerializer<>();

  private static <T> TypeSerializer<T> pojo(Class<T> type) {
    return TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
  }

  @Test
  void heldRowsRoundTripWithTheSubtaskAndParallelism() throws Exception {
    var rows =
        List.of(
            new DailyCounterIncrement("view", new String[] {"a", ""}, 20_000, 11),
            new DailyCounterIncrement("click", new String[] {"b", "CA"}, 20_001, 3));
    var state = new PostgresWriterState<>(1, 4, rows, pojo(DailyCounterIncrement.class));

    var back = serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
    assertThat(serializer.getVersion()).isEqualTo(3);
    assertThat(back.prepared()).isEmpty();
    assertThat(back.subtask()).isEqualTo(1);
    assertThat(back.parallelism()).isEqualTo(4);
    assertThat(back.rows()).isEqualTo(rows);
    // Read with the serializer restored from the snapshot in the bytes, which can write again.
    assertThat(serializer.deserialize(3, serializer.serialize(back)).rows()).isEqualTo(rows);
  }

  @Test
  void windowAggregatesWithDimensionsRoundTrip() throws Exception {
    var s = new PostgresWriterStateSerializer<WindowAggregate>();
    WindowAggregate a = new WindowAggregate();
    a.eventType = "view";
    a.dimensions.put("region", "eu");
    a.granularity = "1m";
    a.windowStart = 60_000;
    a.version = 2;
    a.keptCount = 9;
    var back =
        s.deserialize(
            3,
            s.serialize(new PostgresWriterState<>(0, 1, List.of(a), pojo(WindowAggregate.class))));
    assertThat(back.rows())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.dimensions).isEqualTo(Map.of("region", "eu"));
              assertThat(r.version).isEqualTo(2);
              assertThat(r.keptCount).isEqualTo(9);
              assertThat(r.p50).isNaN();
            });
  }

  @Test
  void aStateWithoutRowsHoldsNoSerializerSnapshot() throws Exception {
    byte[] bytes = serializer.serialize(new PostgresWriterState<>(0, 2, List.of(), null));
    assertThat(bytes).hasSize(16);
    var back = serializer.deserialize(3, bytes);
    assertThat(back.rows()).isEmpty();
    assertThat(back.parallelism()).isEqualTo(2);
  }

  @Test
  void thePreparedTransactionsRoundTripAndVersionTwoReadsThemAsUnknown() throws Exception {
    var state =
        new PostgresWriterState<DailyCounterIncrement>(
            1, 2, List.of(), null, List.of("p.sink:1:7:0", "p.sink:1:8:0"));
    var back = serializer.deserialize(3, serializer.serialize(state));
    assertThat(back.prepared()).containsExactly("p.sink:1:7:0", "p.sink:1:8:0");

    // Version 2: subtask, parallelism, no rows.
    byte[] v2 = {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0};
    var old = serializer.deserialize(2, v2);
    assertThat(old.prepared()).isNull();
    assertThat(old.subtask()).isEqualTo(1);
  }

  @Test
  void aCorruptStateIsAnIoExceptionNotAnAllocation() throws Exception {
    byte[] bytes = serializer.serialize(new PostgresWriterState<>(0, 2, List.of(), null));
    bytes[8] = 0x7f; // a row count of about 2^31
    assertThatThrownBy(() -> serializer.deserialize(3, bytes))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("corrupt writer state");
  }

  @Test
  void versionOneReadsAsNoRowsAndUnknownVersionsAreRefused() throws Exception {
    assertThat(serializer.deserialize(1, new byte[0]).rows()).isEmpty();
    assertThatThrownBy(() -> serializer.deserialize(4, new byte[0]))
        .hasMessageContaining("unknown version 4");
  }
}
