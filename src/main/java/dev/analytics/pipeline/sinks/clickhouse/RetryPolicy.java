package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;

/**
 * Exponential backoff with jitter and a bounded number of attempts (the original design: 100 ms,
 * x2, at most 30 s).
 *
 * <p>The schedule is a pure function ({@link #backoff(int, double)}): before retry {@code n}
 * (1-based) the delay is {@code min(maxBackoff, initialBackoff * multiplier^(n-1))}, reduced by up
 * to {@code jitter} of itself by a uniform draw, so that writers that failed together do not retry
 * together. {@link #call} runs an attempt until it succeeds, fails permanently, or {@code
 * maxAttempts} attempts have failed; the sleeper and the random source are injected so that tests
 * need not sleep.
 *
 * @param maxAttempts attempts in total, at least 1 (1 = no retry)
 * @param jitter in [0, 1): the largest fraction of a delay removed at random
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter)
    implements Serializable {

  /** Sleeps; {@code Thread::sleep} in production. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** One attempt. */
  @FunctionalInterface
  public interface Attempt<T> {
    T run() throws Exception;
  }

  /** Told about every failed attempt that will be retried, before the backoff. */
  @FunctionalInterface
  public interface RetryListener {
    void onRetry(int failedAttempt, Duration backoff, Throwable error);
  }

  public static final Sleeper REAL_SLEEP = d -> Thread.sleep(d.toMillis());

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
    }
    if (!(multiplier >= 1 && Double.isFinite(multiplier))) {
      throw new IllegalArgumentException("multiplier must be a finite number >= 1");
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1)");
    }
  }

  /**
   * The delay before retry {@code retry} (1 = after the first failed attempt), for a uniform draw
   * {@code u} in [0, 1): {@code base * (1 - jitter * u)} with {@code base = min(maxBackoff,
   * initialBackoff * multiplier^(retry-1))}.
   */
  public Duration backoff(int retry, double u) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1");
    }
    double base =
        Math.min(
            (double) maxBackoff.toMillis(),
            initialBackoff.toMillis() * Math.pow(multiplier, retry - 1));
    return Duration.ofMillis(Math.round(base * (1 - jitter * u)));
  }

  /** The largest total of backoffs before giving up (no jitter): how long an outage is bridged. */
  public Duration longestWait() {
    Duration total = Duration.ZERO;
    for (int retry = 1; retry < maxAttempts; retry++) {
      total = total.plus(backoff(retry, 0));
    }
    return total;
  }

  /** {@link #call(String, Attempt, Predicate, Sleeper, DoubleSupplier, RetryListener)} for real. */
  public <T> T call(String what, Attempt<T> attempt, RetryListener listener)
      throws IOException, InterruptedException {
    return call(
        what,
        attempt,
        ClickHouseErrors::isTransient,
        REAL_SLEEP,
        () -> ThreadLocalRandom.current().nextDouble(),
        listener);
  }

  /**
   * Runs {@code attempt} until it returns. A failure for which {@code isTransient} is false is
   * rethrown at once (an {@link IOException} as it is, anything else wrapped); a transient one is
   * retried after {@link #backoff}; after {@code maxAttempts} failures the last one is thrown
   * wrapped in an {@link IOException} that says so. Interruption is rethrown.
   *
   * @param what names the operation in messages, e.g. {@code insert into db.table}
   */
  public <T> T call(
      String what,
      Attempt<T> attempt,
      Predicate<Throwable> isTransient,
      Sleeper sleeper,
      DoubleSupplier random,
      RetryListener listener)
      throws IOException, InterruptedException {
    for (int n = 1; ; n++) {
      try {
        return attempt.run();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        if (!isTransient.test(e)) {
          if (e instanceof IOException io) {
            throw io;
          }
          throw new IOException(what + " failed: " + e, e);
        }
        if (n >= maxAttempts) {
          throw new IOException(
              what
                  + " failed "
                  + n
                  + " times, giving up (clickhouse.retry.max-attempts = "
                  + maxAttempts
                  + "): "
                  + (e.getMessage() != null ? e.getMessage() : e.toString()),
              e);
        }
        Duration delay = backoff(n, random.getAsDouble());
        listener.onRetry(n, delay, e);
        sleeper.sleep(delay);
      }
    }
  }
}
