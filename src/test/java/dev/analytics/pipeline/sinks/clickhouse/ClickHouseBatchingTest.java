package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.analytics.pipeline.model.WindowAggregate;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The batching triggers of every strategy, the exactly-once writer's cut of a checkpoint into
 * committables (rows, bytes, tokens), and the committable serializer. No server needed: the
 * exactly-once writer never inserts.
 */
class ClickHouseBatchingTest {
  private static final Duration SECOND = Duration.ofSeconds(1);

  @Test
  void shouldFlushEveryRowWithImmediate() {
    BatchSettings b = new BatchSettings(BatchStrategy.IMMEDIATE, 1000, 1 << 20, SECOND);
    assertThat(b.isFull(0, 0)).isFalse();
    assertThat(b.isFull(1, 10)).isTrue();
    assertThat(b.isDue(1, 10_000)).isFalse();
  }

  @Test
  void shouldFlushAtMaxRowsWithSizeAndAtMaxBytesAsAMemoryBound() {
    BatchSettings b = new BatchSettings(BatchStrategy.SIZE, 10, 1000, SECOND);
    assertThat(b.isFull(9, 900)).isFalse();
    assertThat(b.isFull(10, 100)).isTrue();
    assertThat(b.isFull(3, 1000)).isTrue();
    assertThat(b.isDue(9, 60_000)).isFalse();
  }

  @Test
  void shouldFlushAtMaxBytesOnlyWithBytes() {
    BatchSettings b = new BatchSettings(BatchStrategy.BYTES, 10, 1000, SECOND);
    assertThat(b.isFull(500, 999)).isFalse();
    assertThat(b.isFull(2, 1000)).isTrue();
    assertThat(b.isDue(500, 60_000)).isFalse();
  }

  @Test
  void shouldFlushByAgeWithTime() {
    BatchSettings b = new BatchSettings(BatchStrategy.TIME, 10, 1000, SECOND);
    assertThat(b.isFull(500, 999)).isFalse();
    assertThat(b.isFull(500, 1000)).isTrue();
    assertThat(b.isDue(1, 999)).isFalse();
    assertThat(b.isDue(1, 1000)).isTrue();
    assertThat(b.isDue(0, 5000)).isFalse();
  }

  @Test
  void shouldFlushBySizeOrAgeWithHybrid() {
    BatchSettings b = new BatchSettings(BatchStrategy.HYBRID, 10, 1 << 20, Duration.ofMillis(200));
    assertThat(b.isFull(9, 900)).isFalse();
    assertThat(b.isFull(10, 900)).isTrue();
    assertThat(b.isDue(1, 199)).isFalse();
    assertThat(b.isDue(1, 200)).isTrue();
  }

  @Test
  void shouldTakeANewRowBoundAtRunTime() {
    ClickHouseWriter<WindowAggregate> hybrid =
        writer(new BatchSettings(BatchStrategy.HYBRID, 5_000, 1 << 20, SECOND), 0);
    assertThat(hybrid.batchRows()).as("adaptive batching off: max-rows").isEqualTo(5_000);
    hybrid.rebatch(10, 10);
    assertThat(hybrid.batchRows()).isEqualTo(10);
    assertThatIllegalArgumentException().isThrownBy(() -> hybrid.rebatch(10, 2_000_000));
    assertThat(hybrid.batchRows()).isEqualTo(10);
    ClickHouseWriter<WindowAggregate> checkpoint =
        writer(new BatchSettings(BatchStrategy.CHECKPOINT, 5_000, 1 << 20, SECOND), 0);
    assertThat(checkpoint.batchRows()).isEqualTo(-1);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> checkpoint.rebatch(10, 10))
        .withMessageContaining("has no row bound");
  }

  @Test
  void shouldNeverFlushBeforeTheCheckpointWithCheckpoint() {
    BatchSettings b = new BatchSettings(BatchStrategy.CHECKPOINT, 10, 1000, SECOND);
    assertThat(b.isFull(1_000_000, 1L << 40)).isFalse();
    assertThat(b.isDue(1_000_000, 1_000_000)).isFalse();
    assertThat(b.startsNewPart(0, 0, 5000)).isFalse();
    assertThat(b.startsNewPart(9, 900, 100)).isFalse();
    assertThat(b.startsNewPart(9, 901, 100)).isTrue();
    assertThat(b.startsNewPart(10, 100, 10)).isTrue();
  }

  @Test
  void shouldCutACheckpointIntoPartsByRowsWithDeterministicTokens() throws Exception {
    BatchSettings batch = new BatchSettings(BatchStrategy.CHECKPOINT, 4, 1 << 20, SECOND);
    ClickHouseWriter<WindowAggregate> writer = writer(batch, 7L);
    for (int i = 0; i < 10; i++) {
      writer.write(aggregate(i), null);
    }
    List<ClickHouseCommittable> first = new ArrayList<>(writer.prepareCommit());
    assertThat(first).extracting(ClickHouseCommittable::rowCount).containsExactly(4, 4, 2);
    String incarnation = first.get(0).token().split("/")[2];
    assertThat(incarnation).matches("[0-9a-f]{1,16}");
    assertThat(first)
        .extracting(ClickHouseCommittable::token)
        .containsExactly(
            "job-1/aggs/" + incarnation + "/8/3/0",
            "job-1/aggs/" + incarnation + "/8/3/1",
            "job-1/aggs/" + incarnation + "/8/3/2");
    assertThat(first).allSatisfy(c -> assertThat(c.table()).isEqualTo("aggs"));
    assertThat(first.get(0).columnList()).startsWith("(`event_type`, `dims`, `dimensions.key`");

    // The parts hold exactly the encoded rows, in order.
    RowBinaryWriter expected = new RowBinaryWriter();
    for (int i = 0; i < 4; i++) {
      new WindowAggregateRowEncoder().encode(aggregate(i), expected);
    }
    assertThat(first.get(0).rows()).isEqualTo(expected.toByteArray());

    // Nothing is left for the next checkpoint; an empty checkpoint gives no committable.
    assertThat(writer.prepareCommit()).isEmpty();
    writer.write(aggregate(42), null);
    assertThat(writer.prepareCommit())
        .extracting(ClickHouseCommittable::token)
        .containsExactly("job-1/aggs/" + incarnation + "/10/3/0");
  }

  /**
   * A job with a fixed job id redeployed from an older savepoint counts the same checkpoint ids
   * again: its writer must not reuse the tokens of the rows the first deployment inserted, which
   * ClickHouse would take for repeats and drop.
   */
  @Test
  void writersRestoredFromOneCheckpointNeverShareAToken() throws Exception {
    BatchSettings batch = new BatchSettings(BatchStrategy.CHECKPOINT, 4, 1 << 20, SECOND);
    ClickHouseWriter<WindowAggregate> first = writer(batch, 7L);
    ClickHouseWriter<WindowAggregate> redeployed = writer(batch, 7L);
    first.write(aggregate(1), null);
    redeployed.write(aggregate(2), null);
    String a = first.prepareCommit().iterator().next().token();
    String b = redeployed.prepareCommit().iterator().next().token();
    assertThat(a).endsWith("/8/3/0");
    assertThat(b).endsWith("/8/3/0");
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void shouldCutPartsByBytesWithAtLeastOneRowEach() throws Exception {
    int rowBytes = encodedSize(aggregate(0));
    BatchSettings batch =
        new BatchSettings(BatchStrategy.CHECKPOINT, 1000, 2L * rowBytes + 1, SECOND);
    ClickHouseWriter<WindowAggregate> writer = writer(batch, 0L);
    for (int i = 0; i < 5; i++) {
      writer.write(aggregate(i), null);
    }
    Collection<ClickHouseCommittable> parts = writer.prepareCommit();
    assertThat(parts).extracting(ClickHouseCommittable::rowCount).containsExactly(2, 2, 1);
    assertThat(parts)
        .allSatisfy(c -> assertThat(c.rows().length).isLessThanOrEqualTo(2 * rowBytes));

    // A row larger than max-bytes still makes a part of its own.
    ClickHouseWriter<WindowAggregate> tiny =
        writer(new BatchSettings(BatchStrategy.CHECKPOINT, 1000, 10, SECOND), 0L);
    tiny.write(aggregate(0), null);
    tiny.write(aggregate(1), null);
    assertThat(tiny.prepareCommit())
        .extracting(ClickHouseCommittable::rowCount)
        .containsExactly(1, 1);
  }

  @Test
  void shouldRoundTripCommittablesThroughTheSerializer() throws IOException {
    ClickHouseCommittableSerializer serializer = new ClickHouseCommittableSerializer();
    byte[] rows = {1, 2, 3, (byte) 0xFF, 0};
    ClickHouseCommittable c =
        new ClickHouseCommittable("alerts", "(`a`, `b`)", "job/alerts/5/1/0", 2, rows);
    ClickHouseCommittable back =
        serializer.deserialize(serializer.getVersion(), serializer.serialize(c));
    assertThat(back).isEqualTo(c);
    assertThat(back.rows()).isEqualTo(rows);
    assertThat(back.token()).isEqualTo("job/alerts/5/1/0");
    assertThat(back.rowCount()).isEqualTo(2);
    assertThatExceptionOfType(IOException.class)
        .isThrownBy(() -> serializer.deserialize(99, serializer.serialize(c)));
  }

  private static int encodedSize(WindowAggregate a) {
    RowBinaryWriter w = new RowBinaryWriter();
    new WindowAggregateRowEncoder().encode(a, w);
    return w.size();
  }

  private static ClickHouseWriter<WindowAggregate> writer(BatchSettings batch, long restored) {
    ClickHouseSinkSettings settings =
        new ClickHouseSinkSettings(
            new ClickHouseConnection(
                "http://127.0.0.1:1", "db", "default", null, false, SECOND, SECOND),
            "aggs",
            batch,
            new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0),
            false);
    return new ClickHouseWriter<>(
        new WindowAggregateRowEncoder(),
        settings,
        new ClickHouseHttpClient(settings.connection()),
        new NoTimers(),
        new UnregisteredMetricsGroup(),
        "job-1",
        3,
        restored);
  }

  static WindowAggregate aggregate(int i) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = "type-" + i;
    a.windowStart = 1_767_225_600_000L + i * 60_000L;
    a.windowEnd = a.windowStart + 60_000L;
    a.granularity = "1m";
    a.estimatedCount = 10 + i;
    a.keptCount = 10 + i;
    a.sampleRate = 1.0;
    return a;
  }

  /** A processing-time service whose timers never fire. */
  static final class NoTimers implements ProcessingTimeService {
    @Override
    public long getCurrentProcessingTime() {
      return 0;
    }

    @Override
    public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
      return null;
    }
  }
}
