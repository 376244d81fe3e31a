package dev.analytics.pipeline.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The estimator against values computed by hand. */
class KaryRandomizedResponseTest {
  /** e^ε = 3 and k = 3: p = 3/5, q = 1/5, p − q = 2/5. */
  private static final KaryRandomizedResponse LN3_K3 = new KaryRandomizedResponse(Math.log(3), 3);

  @Test
  void shouldComputePAndQ() {
    assertThat(LN3_K3.p()).isCloseTo(0.6, within(1e-15));
    assertThat(LN3_K3.q()).isCloseTo(0.2, within(1e-15));
    assertThat(KaryRandomizedResponse.pMinusQ(Math.log(3), 3)).isCloseTo(0.4, within(1e-15));
    // k = 2, ε = ln 4: p = 4/5, q = 1/5.
    assertThat(KaryRandomizedResponse.p(Math.log(4), 2)).isCloseTo(0.8, within(1e-15));
    assertThat(KaryRandomizedResponse.q(Math.log(4), 2)).isCloseTo(0.2, within(1e-15));
    // k = 8, ε = ln 9: p = 9/16, q = 1/16; p + (k − 1)·q = 1.
    assertThat(KaryRandomizedResponse.p(Math.log(9), 8)).isCloseTo(9.0 / 16, within(1e-15));
    assertThat(KaryRandomizedResponse.q(Math.log(9), 8)).isCloseTo(1.0 / 16, within(1e-15));
  }

  @Test
  void shouldEstimateTrueCountsThatSumToTheTotal() {
    // Observed 60, 30, 10 of N = 100: (c − 20) / 0.4.
    assertThat(LN3_K3.estimate(60, 100)).isCloseTo(100.0, within(1e-12));
    assertThat(LN3_K3.estimate(30, 100)).isCloseTo(25.0, within(1e-12));
    assertThat(LN3_K3.estimate(10, 100)).isCloseTo(-25.0, within(1e-12));
    assertThat(LN3_K3.estimate(0, 100)).isCloseTo(-50.0, within(1e-12));
    assertThat(LN3_K3.estimate(0, 0)).isCloseTo(0.0, within(0.0));
  }

  @Test
  void shouldGiveTheTheoreticalVariance() {
    // N·q(1−q)/(p−q)² = N·0.16/0.16 = N; n·(1−p−q)/(p−q) = n·0.2/0.4 = n/2.
    assertThat(LN3_K3.variance(100, 100)).isCloseTo(150.0, within(1e-9));
    assertThat(LN3_K3.stddev(100, 100)).isCloseTo(Math.sqrt(150), within(1e-12));
    assertThat(LN3_K3.stddev(25, 100)).isCloseTo(Math.sqrt(112.5), within(1e-12));
    // A negative estimate counts as 0 true reports.
    assertThat(LN3_K3.stddev(-25, 100)).isCloseTo(10.0, within(1e-12));
    // k = 2, p = 0.8, q = 0.2: N·0.16/0.36 and no second term (1 − p − q = 0).
    KaryRandomizedResponse binary = new KaryRandomizedResponse(Math.log(4), 2);
    assertThat(binary.variance(0, 90)).isCloseTo(90 * 0.16 / 0.36, within(1e-9));
    assertThat(binary.variance(90, 90)).isCloseTo(90 * 0.16 / 0.36, within(1e-9));
  }

  @Test
  void shouldStayFiniteAtExtremeEpsilons() {
    KaryRandomizedResponse exact = new KaryRandomizedResponse(1000, 4);
    assertThat(exact.p()).isEqualTo(1.0);
    assertThat(exact.q()).isEqualTo(Double.valueOf(0.0));
    assertThat(exact.estimate(37, 100)).isEqualTo(37.0);
    assertThat(exact.stddev(37, 100)).isEqualTo(Double.valueOf(0.0));

    KaryRandomizedResponse tiny = new KaryRandomizedResponse(1e-12, 2);
    assertThat(KaryRandomizedResponse.pMinusQ(1e-12, 2)).isCloseTo(1e-12 / 2, within(1e-24));
    assertThat(tiny.estimate(60, 100)).isCloseTo(2e12 * 10, within(2e12 * 10 * 1e-3));
  }

  @Test
  void shouldRefuseInvalidParameters() {
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new KaryRandomizedResponse(0, 2));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new KaryRandomizedResponse(-1, 2));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new KaryRandomizedResponse(Double.NaN, 2));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new KaryRandomizedResponse(Double.POSITIVE_INFINITY, 2));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new KaryRandomizedResponse(1, 1));
  }
}
