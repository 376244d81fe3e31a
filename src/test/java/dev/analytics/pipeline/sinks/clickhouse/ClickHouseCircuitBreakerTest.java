package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.sinks.clickhouse.ClickHouseCircuitBreaker.State;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker's state machine on a clock the test moves: closed, open, half-open and back. */
class ClickHouseCircuitBreakerTest {
  private static final Duration PROBE = Duration.ofSeconds(10);
  private static final IOException DOWN = new java.net.ConnectException("refused");

  private long now = 1_000_000_000L;
  private final List<Duration> sleeps = new ArrayList<>();
  private final ClickHouseCircuitBreaker breaker =
      new ClickHouseCircuitBreaker(
          "db.t (writer 0)",
          PROBE,
          () -> now,
          d -> {
            sleeps.add(d);
            now += d.toNanos();
          });

  private void advance(Duration d) {
    now += d.toNanos();
  }

  @Test
  void shouldStayClosedWhileInsertsSucceed() {
    for (int i = 0; i < 3; i++) {
      assertThat(breaker.tryAcquire()).isTrue();
      assertThat(breaker.probing()).isFalse();
      breaker.onSuccess();
    }
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.openings()).isZero();
    assertThat(breaker.millisOpen()).isZero();
  }

  @Test
  void shouldOpenWhenAnInsertGaveUpAndLetNothingThroughUntilTheProbeInterval() {
    breaker.onFailure(DOWN);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.openings()).isEqualTo(1);
    assertThat(breaker.tryAcquire()).isFalse();
    advance(PROBE.minusMillis(1));
    assertThat(breaker.tryAcquire()).isFalse();
    assertThat(breaker.nanosUntilProbe()).isEqualTo(Duration.ofMillis(1).toNanos());
    advance(Duration.ofMillis(1));
    assertThat(breaker.tryAcquire()).as("the probe").isTrue();
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    assertThat(breaker.probing()).isTrue();
    assertThat(breaker.tryAcquire()).as("a second caller during the probe").isFalse();
  }

  @Test
  void shouldOpenAgainForAnotherIntervalWhenTheProbeFails() {
    breaker.onFailure(DOWN);
    advance(PROBE);
    assertThat(breaker.tryAcquire()).isTrue();
    advance(Duration.ofSeconds(1)); // the probe's own round trip
    breaker.onFailure(DOWN);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.openings()).as("still the same opening").isEqualTo(1);
    advance(PROBE.minusMillis(1));
    assertThat(breaker.tryAcquire()).isFalse();
    advance(Duration.ofMillis(1));
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.millisOpen()).isEqualTo(21_000);
  }

  @Test
  void shouldCloseWhenTheProbeSucceedsAndAddUpTheTimeOpen() {
    breaker.onFailure(DOWN);
    advance(PROBE);
    assertThat(breaker.tryAcquire()).isTrue();
    advance(Duration.ofMillis(250));
    breaker.onSuccess();
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.millisOpen()).isEqualTo(10_250);
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.probing()).as("closed: full retries again").isFalse();
    advance(Duration.ofMinutes(1));
    assertThat(breaker.millisOpen()).as("closed time does not count").isEqualTo(10_250);

    breaker.onFailure(DOWN);
    assertThat(breaker.openings()).isEqualTo(2);
    advance(Duration.ofSeconds(3));
    assertThat(breaker.millisOpen()).isEqualTo(13_250);
  }

  @Test
  void shouldWaitExactlyUntilTheNextProbe() throws Exception {
    breaker.awaitPermission();
    assertThat(sleeps).as("closed: no wait").isEmpty();
    breaker.onFailure(DOWN);
    advance(Duration.ofSeconds(4));
    breaker.awaitPermission();
    assertThat(sleeps).containsExactly(Duration.ofSeconds(6));
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
  }

  @Test
  void shouldExposeTheStateAsAGaugeValue() {
    assertThat(breaker.state().gauge).isZero();
    breaker.onFailure(DOWN);
    assertThat(breaker.state().gauge).isEqualTo(2);
    advance(PROBE);
    breaker.tryAcquire();
    assertThat(breaker.state().gauge).isEqualTo(1);
  }
}
