package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The adaptive row bound on a clock the test moves: traffic of a steady rate fills batches, and the
 * bound must settle where one batch fills per target interval.
 */
class AdaptiveBatchSizeTest {
  private static final Duration TARGET = Duration.ofSeconds(1);

  private long now;
  private final AdaptiveBatchSize size = new AdaptiveBatchSize(100, 100_000, TARGET, () -> now);

  /** {@code inserts} full batches of traffic at {@code rowsPerSecond}. */
  private void traffic(double rowsPerSecond, int inserts) {
    for (int i = 0; i < inserts; i++) {
      now += (long) (size.rows() / rowsPerSecond * 1e9);
      size.onInsertStarted(true);
      size.onInsertFinished(Duration.ofMillis(20).toNanos(), false);
    }
  }

  @Test
  void shouldStartAtTheLowerBound() {
    assertThat(size.rows()).isEqualTo(100);
  }

  @Test
  void shouldGrowTowardOneInsertPerTargetInterval() {
    size.onInsertStarted(false);
    traffic(3_000, 3);
    assertThat(size.rows()).as("at most doubled per insert").isEqualTo(800);
    traffic(3_000, 20);
    assertThat(size.rows()).isBetween(2_900, 3_100);
  }

  @Test
  void shouldShrinkWhenTheTrafficDrops() {
    size.onInsertStarted(false);
    traffic(20_000, 30);
    assertThat(size.rows()).isBetween(19_500, 20_500);
    traffic(2_000, 30);
    assertThat(size.rows()).isBetween(1_900, 2_100);
  }

  @Test
  void shouldStayWithinItsBounds() {
    size.onInsertStarted(false);
    traffic(10_000_000, 40);
    assertThat(size.rows()).isEqualTo(100_000);
    traffic(1, 40);
    assertThat(size.rows()).isEqualTo(100);
  }

  @Test
  void shouldLeaveTheBoundAloneForInsertsThatWereNotFull() {
    size.onInsertStarted(false);
    traffic(3_000, 20);
    int settled = size.rows();
    for (int i = 0; i < 10; i++) {
      now += Duration.ofMillis(200).toNanos(); // the time trigger
      size.onInsertStarted(false);
    }
    assertThat(size.rows()).isEqualTo(settled);
  }

  @Test
  void shouldHalveWhenAnInsertIsSlowerThanTheTargetIntervalOrNeededRetries() {
    size.onInsertStarted(false);
    traffic(3_000, 20);
    int settled = size.rows();
    size.onInsertFinished(TARGET.toNanos(), false);
    assertThat(size.rows()).as("as long as the interval: not slow").isEqualTo(settled);
    size.onInsertFinished(TARGET.toNanos() + 1, false);
    assertThat(size.rows()).isEqualTo(settled / 2);
    size.onInsertFinished(1, true);
    assertThat(size.rows()).isEqualTo(settled / 4);
    for (int i = 0; i < 20; i++) {
      size.onInsertFinished(1, true);
    }
    assertThat(size.rows()).isEqualTo(100);
  }

  @Test
  void shouldTakeNewBoundsAtRunTime() {
    size.onInsertStarted(false);
    traffic(3_000, 20);
    size.rebatch(10, 1_000);
    assertThat(size.rows()).isEqualTo(1_000);
    assertThat(size.minRows()).isEqualTo(10);
    assertThat(size.maxRows()).isEqualTo(1_000);
    size.rebatch(5_000, 5_000);
    assertThat(size.rows()).as("a fixed bound").isEqualTo(5_000);
    traffic(3_000, 10);
    assertThat(size.rows()).isEqualTo(5_000);
    assertThatIllegalArgumentException().isThrownBy(() -> size.rebatch(0, 10));
    assertThatIllegalArgumentException().isThrownBy(() -> size.rebatch(20, 10));
    assertThat(size.rows()).as("a refused change changes nothing").isEqualTo(5_000);
  }
}
