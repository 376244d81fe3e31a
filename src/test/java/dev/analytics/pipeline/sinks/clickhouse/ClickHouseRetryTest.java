package dev.analytics.pipeline.sinks.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The retry policy's schedule and loop without real sleeping, and the error classification. */
class ClickHouseRetryTest {
  private static final RetryPolicy DEFAULT =
      new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2);

  private final List<Duration> slept = new ArrayList<>();
  private final RetryPolicy.Sleeper sleeper = slept::add;
  private final List<Integer> retried = new ArrayList<>();

  // ---- the schedule ----

  @Test
  void shouldDoubleFrom100MillisUpTo30Seconds() {
    List<Long> delays = new ArrayList<>();
    for (int retry = 1; retry <= 12; retry++) {
      delays.add(DEFAULT.backoff(retry, 0.0).toMillis());
    }
    assertThat(delays)
        .containsExactly(
            100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 25600L, 30000L, 30000L, 30000L);
  }

  @Test
  void shouldRemoveAtMostTheJitterFractionOfEachDelay() {
    assertThat(DEFAULT.backoff(1, 0.5).toMillis()).isEqualTo(90);
    assertThat(DEFAULT.backoff(1, 0.999_999).toMillis()).isEqualTo(80);
    assertThat(DEFAULT.backoff(11, 0.5).toMillis()).isEqualTo(27_000);
    RetryPolicy noJitter = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 3, 0);
    assertThat(noJitter.backoff(2, 0.9).toMillis()).isEqualTo(300);
  }

  @Test
  void shouldBridgeAbout51SecondsWithTheDefaults() {
    assertThat(DEFAULT.longestWait()).isEqualTo(Duration.ofMillis(51_100));
    assertThat(
            new RetryPolicy(1, Duration.ofMillis(100), Duration.ofSeconds(1), 2, 0).longestWait())
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void shouldRefuseInconsistentPolicies() {
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1), 2, 0));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new RetryPolicy(3, Duration.ofMillis(1), Duration.ofSeconds(1), 0.5, 0));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new RetryPolicy(3, Duration.ofMillis(1), Duration.ofSeconds(1), 2, 1.0));
  }

  // ---- the loop ----

  @Test
  void shouldRetryTransientFailuresWithTheScheduleUntilSuccess() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    String result =
        call(
            DEFAULT,
            () -> {
              if (attempts.incrementAndGet() < 4) {
                throw new ConnectException("Connection refused");
              }
              return "ok";
            });
    assertThat(result).isEqualTo("ok");
    assertThat(attempts).hasValue(4);
    assertThat(retried).containsExactly(1, 2, 3);
    // Uniform draw 0.5 -> 10% less than the base delay.
    assertThat(slept)
        .containsExactly(Duration.ofMillis(90), Duration.ofMillis(180), Duration.ofMillis(360));
  }

  @Test
  void shouldFailAtOnceOnAPermanentError() {
    AtomicInteger attempts = new AtomicInteger();
    ClickHouseException unknownTable =
        new ClickHouseException("Code: 60, Table db.t doesn't exist", 404, 60, false);
    IOException e =
        assertThatExceptionOfType(IOException.class)
            .isThrownBy(
                () ->
                    call(
                        DEFAULT,
                        () -> {
                          attempts.incrementAndGet();
                          throw unknownTable;
                        }))
            .actual();
    assertThat(e).isSameAs(unknownTable);
    assertThat(attempts).hasValue(1);
    assertThat(slept).isEmpty();
  }

  @Test
  void shouldWrapAnUnexpectedExceptionAndNotRetryIt() {
    IOException e =
        assertThatExceptionOfType(IOException.class)
            .isThrownBy(
                () ->
                    call(
                        DEFAULT,
                        () -> {
                          throw new IllegalStateException("bug");
                        }))
            .actual();
    assertThat(e).hasMessageContaining("insert into db.t failed").hasRootCauseMessage("bug");
    assertThat(slept).isEmpty();
  }

  @Test
  void shouldGiveUpAfterMaxAttemptsWithTheLastError() {
    RetryPolicy three = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(30), 2, 0);
    AtomicInteger attempts = new AtomicInteger();
    IOException e =
        assertThatExceptionOfType(IOException.class)
            .isThrownBy(
                () ->
                    call(
                        three,
                        () -> {
                          attempts.incrementAndGet();
                          throw new ClickHouseException(
                              "Code: 252, Too many parts", 500, 252, true);
                        }))
            .actual();
    assertThat(attempts).hasValue(3);
    assertThat(slept).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(e)
        .hasMessageContaining("insert into db.t failed 3 times, giving up")
        .hasMessageContaining("max-attempts = 3")
        .hasMessageContaining("Code: 252, Too many parts");
  }

  @Test
  void shouldStopWhenInterrupted() {
    AtomicInteger attempts = new AtomicInteger();
    RetryPolicy.Sleeper interrupted =
        d -> {
          throw new InterruptedException("cancelled");
        };
    assertThatExceptionOfType(InterruptedException.class)
        .isThrownBy(
            () ->
                DEFAULT.call(
                    "insert into db.t",
                    () -> {
                      attempts.incrementAndGet();
                      throw new ConnectException("refused");
                    },
                    ClickHouseErrors::isTransient,
                    interrupted,
                    () -> 0.5,
                    (n, d, err) -> {}));
    assertThat(attempts).hasValue(1);
  }

  private <T> T call(RetryPolicy policy, RetryPolicy.Attempt<T> attempt) throws Exception {
    return policy.call(
        "insert into db.t",
        attempt,
        ClickHouseErrors::isTransient,
        sleeper,
        () -> 0.5,
        (n, d, e) -> retried.add(n));
  }

  // ---- classification ----

  @ParameterizedTest(name = "HTTP {0}, Code {1} -> transient {2}")
  @CsvSource({
    // Overload and timeouts: retried whatever the status.
    "500, 252, true", // too many parts
    "500, 241, true", // memory limit
    "500, 159, true", // timeout exceeded
    "500, 209, true", // socket timeout
    "500, 210, true", // network error
    "500, 202, true", // too many simultaneous queries
    "503, 0, true",
    "502, 0, true",
    "500, 0, true",
    "504, 0, true",
    "408, 0, true",
    "429, 0, true",
    "500, 9999, true", // unknown code on a server error
    // Permanent: never succeed on retry, even when the server says 500.
    "404, 60, false", // unknown table
    "500, 60, false",
    "400, 16, false", // unknown column
    "400, 47, false", // unknown identifier
    "400, 53, false", // type mismatch
    "400, 62, false", // syntax
    "500, 27, false", // cannot parse input
    "500, 33, false", // cannot read all data (bad RowBinary)
    "404, 81, false", // unknown database
    "400, 115, false", // unknown setting
    "401, 192, false", // unknown user
    "401, 193, false", // wrong password
    "401, 194, false", // password required
    "403, 516, false", // authentication failed
    "403, 497, false", // access denied
    "400, 0, false",
    "401, 0, false",
    "404, 0, false",
    "400, 9999, false"
  })
  void shouldClassifyResponsesByCodeThenStatus(int status, int code, boolean transientError) {
    assertThat(ClickHouseErrors.isTransient(status, code)).isEqualTo(transientError);
  }

  @Test
  void shouldClassifyExceptions() {
    assertThat(ClickHouseErrors.isTransient(new ConnectException("refused"))).isTrue();
    assertThat(ClickHouseErrors.isTransient(new HttpTimeoutException("request timed out")))
        .isTrue();
    assertThat(ClickHouseErrors.isTransient(new HttpConnectTimeoutException("connect"))).isTrue();
    assertThat(ClickHouseErrors.isTransient(new SocketTimeoutException("read"))).isTrue();
    assertThat(ClickHouseErrors.isTransient(new IOException("Connection reset"))).isTrue();
    assertThat(ClickHouseErrors.isTransient(new InterruptedIOException("cancelled"))).isFalse();
    assertThat(ClickHouseErrors.isTransient(new IllegalArgumentException("bug"))).isFalse();
    assertThat(ClickHouseErrors.isTransient(new ClickHouseException("x", 500, 252, true))).isTrue();
    assertThat(ClickHouseErrors.isTransient(new ClickHouseException("x", 404, 60, false)))
        .isFalse();
  }

  @Test
  void shouldParseTheCodeOfAnErrorBody() {
    assertThat(
            ClickHouseErrors.parseCode(
                "Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't exist."))
        .isEqualTo(60);
    assertThat(
            ClickHouseErrors.parseCode(
                "Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS) (version 24.3)"))
        .isEqualTo(252);
    assertThat(ClickHouseErrors.parseCode("<html>502 Bad Gateway</html>")).isZero();
    assertThat(ClickHouseErrors.parseCode(null)).isZero();
  }

  @Test
  void shouldSendTokensOnlyToServersThatKnowThem() {
    assertThat(ClickHouseHttpClient.supportsDeduplicationToken("18.16.1")).isFalse();
    assertThat(ClickHouseHttpClient.supportsDeduplicationToken("21.8.15.7")).isFalse();
    assertThat(ClickHouseHttpClient.supportsDeduplicationToken("22.1.3.7")).isFalse();
    assertThat(ClickHouseHttpClient.supportsDeduplicationToken("22.2.2.1")).isTrue();
    assertThat(ClickHouseHttpClient.supportsDeduplicationToken("24.8.4.13")).isTrue();
    assertThat(ClickHouseHttpClient.supportsDeduplicationToken("unknown")).isFalse();
  }
}
