package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Held rows: merged per key where the statement can, in order per key, bounded. */
class DeferredRowsTest {
  private static final PostgresStatements.DailyCounterAdd COUNTERS =
      new PostgresStatements.DailyCounterAdd("c", List.of("t"));

  private static DailyCounterIncrement inc(String t, long n) {
    return new DailyCounterIncrement("view", new String[] {t}, 20_000, n);
  }

  @Test
  void countersOfOneBucketMergeAndTheBoundCountsMergedRows() {
    var held = new DeferredRows<>(COUNTERS, 2);
    assertThat(held.add(COUNTERS.keyHash(inc("a", 1)), inc("a", 1), true)).isTrue();
    assertThat(held.add(COUNTERS.keyHash(inc("b", 1)), inc("b", 1), true)).isTrue();
    assertThat(held.add(COUNTERS.keyHash(inc("a", 5)), inc("a", 5), true)).isTrue();
    assertThat(held.size()).isEqualTo(2);
    assertThat(held.add(COUNTERS.keyHash(inc("c", 1)), inc("c", 1), true)).isFalse();
    assertThat(held.add(COUNTERS.keyHash(inc("c", 1)), inc("c", 1), false))
        .as("restored rows are held whatever their number")
        .isTrue();
    assertThat(held.rows()).containsExactly(inc("a", 6), inc("b", 1), inc("c", 1));
  }

  @Test
  void rowsThatDoNotMergeKeepTheirOrderAndLeaveByKey() {
    var statement = new PostgresStatements.AggregateUpsert("w");
    var held = new DeferredRows<>(statement, 10);
    WindowAggregate v1 = window(0, 1);
    WindowAggregate other = window(1, 0);
    WindowAggregate v2 = window(0, 2);
    for (WindowAggregate a : List.of(v1, other, v2)) {
      held.add(statement.keyHash(a), a, true);
    }
    assertThat(held.size()).isEqualTo(3);
    assertThat(held.keys()).isEqualTo(2);

    long windowZero = statement.keyHash(v1);
    assertThat(held.takeWritable(key -> key == windowZero)).containsExactly(v1, v2);
    assertThat(held.rows()).containsExactly(other);
    assertThat(held.size()).isEqualTo(1);
  }

  private static WindowAggregate window(int minute, int version) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = "view";
    a.granularity = "1m";
    a.windowStart = minute * 60_000L;
    a.version = version;
    return a;
  }
}
