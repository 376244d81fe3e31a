package dev.analytics.pipeline.sinks.clickhouse;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one ClickHouse writer or committer: closed, open, half-open.
 *
 * <ul>
 *   <li><b>Closed</b>: inserts go through with the full {@link RetryPolicy}. An insert that still
 *       fails (transiently) after its retries opens the breaker.
 *   <li><b>Open</b>: no insert is attempted until {@code probeInterval} has passed since the
 *       breaker opened or since the last probe failed; then it turns half-open.
 *   <li><b>Half-open</b>: one insert is let through as a probe, with a single attempt. If it
 *       succeeds the breaker closes; if it fails the breaker opens again for another interval.
 * </ul>
 *
 * So while ClickHouse is away an inserter sends at most one request per probe interval instead of
 * retrying without end, and the caller that waits for permission ({@link #awaitPermission}) holds
 * its task thread: the job is backpressured, nothing is buffered beyond the sink's bounds. Every
 * transition is logged; the state, the number of openings and the time spent not closed are exposed
 * for metrics.
 *
 * <p>The clock ({@code System::nanoTime} in production) and the sleeper are injected, so that the
 * state machine is tested without waiting. Thread-safe: a writer's inserting thread changes it
 * while the task thread reads its metrics.
 */
final class ClickHouseCircuitBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseCircuitBreaker.class);

  /** The states, with the value of the {@code breakerState} gauge. */
  enum State {
    CLOSED(0),
    HALF_OPEN(1),
    OPEN(2);

    final int gauge;

    State(int gauge) {
      this.gauge = gauge;
    }
  }

  private final String name;
  private final long probeIntervalNanos;
  private final LongSupplier nanoClock;
  private final RetryPolicy.Sleeper sleeper;

  private State state = State.CLOSED;
  private long openedAt;
  private long nextProbeAt;
  private long openings;
  private long nanosOpenBefore;

  /**
   * @param name what the log lines name, e.g. {@code analytics.high_priority_events (writer 0)}
   * @param probeInterval how long the breaker stays open before it lets a probe through
   */
  ClickHouseCircuitBreaker(
      String name, Duration probeInterval, LongSupplier nanoClock, RetryPolicy.Sleeper sleeper) {
    if (probeInterval.isNegative() || probeInterval.isZero()) {
      throw new IllegalArgumentException("probeInterval must be > 0");
    }
    this.name = name;
    this.probeIntervalNanos = probeInterval.toNanos();
    this.nanoClock = nanoClock;
    this.sleeper = sleeper;
  }

  /** With the real clock and sleep. */
  ClickHouseCircuitBreaker(String name, Duration probeInterval) {
    this(name, probeInterval, System::nanoTime, RetryPolicy.REAL_SLEEP);
  }

  synchronized State state() {
    return state;
  }

  /**
   * Whether an insert may be attempted now: always when closed; when open, once the probe interval
   * has passed (the breaker turns half-open: this caller's insert is the probe); never while a
   * probe is under way.
   */
  synchronized boolean tryAcquire() {
    switch (state) {
      case CLOSED:
        return true;
      case OPEN:
        long now = nanoClock.getAsLong();
        if (now - nextProbeAt >= 0) {
          state = State.HALF_OPEN;
          LOG.info(
              "ClickHouse circuit breaker of {} half-open after {} ms open: probing with one"
                  + " insert",
              name,
              (now - openedAt) / 1_000_000);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** Whether the insert just permitted is a probe (one attempt, no retries). */
  synchronized boolean probing() {
    return state == State.HALF_OPEN;
  }

  /** Nanoseconds until the next probe is due (0 when closed or due). */
  synchronized long nanosUntilProbe() {
    if (state != State.OPEN) {
      return 0;
    }
    return Math.max(0, nextProbeAt - nanoClock.getAsLong());
  }

  /**
   * Blocks until an insert may be attempted ({@link #tryAcquire}), sleeping until the next probe is
   * due while the breaker is open.
   */
  void awaitPermission() throws InterruptedException {
    while (!tryAcquire()) {
      long wait = nanosUntilProbe();
      // A probe of another caller under way: look again shortly.
      sleeper.sleep(Duration.ofNanos(wait > 0 ? wait : Math.min(probeIntervalNanos, 50_000_000L)));
    }
  }

  /** The insert went through: a half-open or open breaker closes. */
  synchronized void onSuccess() {
    if (state == State.CLOSED) {
      return;
    }
    long open = nanoClock.getAsLong() - openedAt;
    nanosOpenBefore += open;
    state = State.CLOSED;
    LOG.warn(
        "ClickHouse circuit breaker of {} closed: ClickHouse answers again after {} ms",
        name,
        open / 1_000_000);
  }

  /**
   * The insert failed transiently after its retries (closed) or its single attempt (half-open): the
   * breaker opens for one probe interval.
   */
  synchronized void onFailure(Throwable error) {
    long now = nanoClock.getAsLong();
    nextProbeAt = now + probeIntervalNanos;
    if (state == State.CLOSED) {
      openings++;
      openedAt = now;
      state = State.OPEN;
      LOG.warn(
          "ClickHouse circuit breaker of {} open (opening {}): inserts failed after their retries,"
              + " next probe in {} ms; the sink holds back its input meanwhile: {}",
          name,
          openings,
          probeIntervalNanos / 1_000_000,
          error.toString());
    } else {
      state = State.OPEN;
      LOG.warn(
          "ClickHouse circuit breaker of {} open again: the probe failed after {} ms open, next"
              + " probe in {} ms: {}",
          name,
          (now - openedAt) / 1_000_000,
          probeIntervalNanos / 1_000_000,
          error.toString());
    }
  }

  /** How many times the breaker opened (from closed). */
  synchronized long openings() {
    return openings;
  }

  /** Milliseconds spent open or half-open in total, the current opening included. */
  synchronized long millisOpen() {
    long nanos = nanosOpenBefore;
    if (state != State.CLOSED) {
      nanos += nanoClock.getAsLong() - openedAt;
    }
    return nanos / 1_000_000;
  }
}
