package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/**
 * The daily-counter operators: {@link DailyCounterDeltas} (increments whose sum is the final count
 * of each window, state cleaned at the window's cleanup time) and {@link DailyCounterBatcher} (sums
 * per bucket, emitted before each checkpoint barrier).
 */
class PostgresDailyCountersTest {
  private static final long DAY = 86_400_000L;
  private static final long T0 = 20_000 * DAY; // 2024-10-04T00:00:00Z
  private static final long MINUTE = 60_000L;
  private static final List<String> DIMS = List.of("template_id", "jurisdiction");

  private static WindowAggregate window(
      String type, long start, int version, double count, Map<String, String> dims) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = type;
    a.dimensions = new HashMap<>(dims);
    a.windowStart = start;
    a.windowEnd = start + MINUTE;
    a.granularity = "1m";
    a.version = version;
    a.estimatedCount = count;
    a.keptCount = (long) count;
    return a;
  }

  private static KeyedOneInputStreamOperatorTestHarness<
          String, WindowAggregate, DailyCounterIncrement>
      deltas(long latenessMillis) throws Exception {
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DailyCounterDeltas(DIMS, latenessMillis)),
            DailyCounterDeltas::windowIdentity,
            Types.STRING);
    harness.open();
    return harness;
  }

  private static DailyCounterIncrement inc(String type, String[] dims, long day, long count) {
    return new DailyCounterIncrement(type, dims, day, count);
  }

  @Test
  void shouldAddTheFirstVersionThenOnlyTheDifferenceOfLaterOnes() throws Exception {
    var harness = deltas(5 * MINUTE);
    Map<String, String> dims = Map.of("template_id", "abc", "region", "eu");
    harness.processElement(window("template_view", T0, 0, 10, dims), T0 + MINUTE - 1);
    harness.processElement(window("template_view", T0, 1, 13, dims), T0 + MINUTE - 1);
    harness.processElement(window("template_view", T0, 2, 13, dims), T0 + MINUTE - 1);
    harness.processElement(window("template_view", T0, 3, 20.4, dims), T0 + MINUTE - 1);
    harness.processElement(window("template_view", T0, 4, 20.6, dims), T0 + MINUTE - 1);

    String[] values = {"abc", ""};
    long day = T0 / DAY;
    assertThat(harness.extractOutputValues())
        .as("10, +3, +0 (not emitted), +7 (20.4 rounds to 20), +1 (20.6 rounds to 21)")
        .isEqualTo(
            List.of(
                inc("template_view", values, day, 10),
                inc("template_view", values, day, 3),
                inc("template_view", values, day, 7),
                inc("template_view", values, day, 1)));
  }

  @Test
  void shouldCountEachWindowOnItsUtcDayAndKeepWindowsApart() throws Exception {
    var harness = deltas(0);
    harness.processElement(window("signup", T0 - MINUTE, 0, 4, Map.of()), T0 - 1);
    harness.processElement(window("signup", T0, 0, 5, Map.of()), T0 + MINUTE - 1);
    harness.processElement(
        window("signup", T0, 0, 6, Map.of("jurisdiction", "CA")), T0 + MINUTE - 1);
    assertThat(harness.extractOutputValues())
        .isEqualTo(
            List.of(
                inc("signup", new String[] {"", ""}, T0 / DAY - 1, 4),
                inc("signup", new String[] {"", ""}, T0 / DAY, 5),
                inc("signup", new String[] {"", "CA"}, T0 / DAY, 6)));
  }

  @Test
  void shouldForgetAWindowAtItsCleanupTimeOnly() throws Exception {
    long lateness = 2 * MINUTE;
    var harness = deltas(lateness);
    harness.processElement(window("a", T0, 0, 3, Map.of()), T0 + MINUTE - 1);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isEqualTo(1);

    harness.processWatermark(new Watermark(T0 + MINUTE - 2 + lateness));
    assertThat(harness.numKeyedStateEntries()).as("still within the allowed lateness").isEqualTo(1);
    harness.processElement(window("a", T0, 1, 5, Map.of()), T0 + MINUTE - 1);

    harness.processWatermark(new Watermark(T0 + MINUTE - 1 + lateness));
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
    assertThat(harness.extractOutputValues())
        .isEqualTo(
            List.of(
                inc("a", new String[] {"", ""}, T0 / DAY, 3),
                inc("a", new String[] {"", ""}, T0 / DAY, 2)));
  }

  @Test
  void shouldKeepTheLastCountAcrossARestore() throws Exception {
    var harness = deltas(10 * MINUTE);
    harness.processElement(window("a", T0, 0, 3, Map.of()), T0 + MINUTE - 1);
    OperatorSubtaskState snapshot = harness.snapshot(1, 1);
    harness.close();

    var restored =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DailyCounterDeltas(DIMS, 10 * MINUTE)),
            DailyCounterDeltas::windowIdentity,
            Types.STRING);
    restored.initializeState(snapshot);
    restored.open();
    restored.processElement(window("a", T0, 1, 8, Map.of()), T0 + MINUTE - 1);
    assertThat(restored.extractOutputValues())
        .isEqualTo(List.of(inc("a", new String[] {"", ""}, T0 / DAY, 5)));
    assertThat(restored.numEventTimeTimers()).as("the cleanup timer was restored too").isEqualTo(1);
  }

  private static OneInputStreamOperatorTestHarness<DailyCounterIncrement, DailyCounterIncrement>
      batcher(int maxBuckets) throws Exception {
    var harness = new OneInputStreamOperatorTestHarness<>(new DailyCounterBatcher(maxBuckets));
    harness.open();
    return harness;
  }

  @Test
  void shouldSumPerBucketAndEmitSortedBeforeTheBarrier() throws Exception {
    var harness = batcher(1000);
    String[] abc = {"abc", "CA"};
    String[] def = {"def", "CA"};
    harness.processElement(inc("template_view", abc, 100, 2), 0);
    harness.processElement(inc("template_view", def, 100, 1), 0);
    harness.processElement(inc("api_error", abc, 100, 4), 0);
    harness.processElement(inc("template_view", abc, 100, 3), 0);
    harness.processElement(inc("template_view", abc, 101, 7), 0);
    assertThat(harness.extractOutputValues()).as("nothing before the barrier").isEqualTo(List.of());

    harness.prepareSnapshotPreBarrier(1);
    assertThat(harness.extractOutputValues())
        .isEqualTo(
            List.of(
                inc("api_error", abc, 100, 4),
                inc("template_view", abc, 100, 5),
                inc("template_view", abc, 101, 7),
                inc("template_view", def, 100, 1)));

    harness.processElement(inc("template_view", abc, 100, 1), 0);
    harness.prepareSnapshotPreBarrier(2);
    assertThat(harness.extractOutputValues().size())
        .as("the buffer was emptied at checkpoint 1")
        .isEqualTo(5);
  }

  @Test
  void shouldEmitAtEndOfInputAndWhenTheBufferIsFull() throws Exception {
    var harness = batcher(2);
    harness.processElement(inc("a", new String[0], 1, 1), 0);
    harness.processElement(inc("a", new String[0], 1, 1), 0);
    assertThat(harness.extractOutputValues()).isEqualTo(List.of());
    harness.processElement(inc("b", new String[0], 1, 1), 0);
    assertThat(harness.extractOutputValues())
        .as("two buckets: emitted early")
        .isEqualTo(List.of(inc("a", new String[0], 1, 2), inc("b", new String[0], 1, 1)));
    harness.processElement(inc("c", new String[0], 1, 9), 0);
    harness.endInput();
    assertThat(harness.extractOutputValues().get(2)).isEqualTo(inc("c", new String[0], 1, 9));
  }

  @Test
  void incrementIsAPojoWithoutKryo() {
    TypeInformation<DailyCounterIncrement> info = TypeInformation.of(DailyCounterIncrement.class);
    PojoTypeInfo<?> pojo =
        assertThat(info).asInstanceOf(InstanceOfAssertFactories.type(PojoTypeInfo.class)).actual();
    for (int i = 0; i < pojo.getArity(); i++) {
      assertThat((pojo.getPojoFieldAt(i).getTypeInformation() instanceof GenericTypeInfo))
          .isFalse();
    }
  }
}
