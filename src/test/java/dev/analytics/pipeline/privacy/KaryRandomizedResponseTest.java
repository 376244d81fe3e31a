package dev.analytics.pipeline.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The estimator against values computed by hand. */
class KaryRandomizedResponseTest {
  /** e^ε = 3 and k = 3: p = 3/5, q = 1/5, p − q = 2/5. */
  private static final KaryRandomizedResponse LN3_K3 = new KaryRandomizedResponse(Math.log(3), 3);

  @Test
  void shouldComputePAndQ() {
    assertEquals(0.6, LN3_K3.p(), 1e-15);
    assertEquals(0.2, LN3_K3.q(), 1e-15);
    assertEquals(0.4, KaryRandomizedResponse.pMinusQ(Math.log(3), 3), 1e-15);
    // k = 2, ε = ln 4: p = 4/5, q = 1/5.
    assertEquals(0.8, KaryRandomizedResponse.p(Math.log(4), 2), 1e-15);
    assertEquals(0.2, KaryRandomizedResponse.q(Math.log(4), 2), 1e-15);
    // k = 8, ε = ln 9: p = 9/16, q = 1/16; p + (k − 1)·q = 1.
    assertEquals(9.0 / 16, KaryRandomizedResponse.p(Math.log(9), 8), 1e-15);
    assertEquals(1.0 / 16, KaryRandomizedResponse.q(Math.log(9), 8), 1e-15);
  }

  @Test
  void shouldEstimateTrueCountsThatSumToTheTotal() {
    // Observed 60, 30, 10 of N = 100: (c − 20) / 0.4.
    assertEquals(100.0, LN3_K3.estimate(60, 100), 1e-12);
    assertEquals(25.0, LN3_K3.estimate(30, 100), 1e-12);
    assertEquals(-25.0, LN3_K3.estimate(10, 100), 1e-12);
    assertEquals(-50.0, LN3_K3.estimate(0, 100), 1e-12);
    assertEquals(0.0, LN3_K3.estimate(0, 0), 0.0);
  }

  @Test
  void shouldGiveTheTheoreticalVariance() {
    // N·q(1−q)/(p−q)² = N·0.16/0.16 = N; n·(1−p−q)/(p−q) = n·0.2/0.4 = n/2.
    assertEquals(150.0, LN3_K3.variance(100, 100), 1e-9);
    assertEquals(Math.sqrt(150), LN3_K3.stddev(100, 100), 1e-12);
    assertEquals(Math.sqrt(112.5), LN3_K3.stddev(25, 100), 1e-12);
    // A negative estimate counts as 0 true reports.
    assertEquals(10.0, LN3_K3.stddev(-25, 100), 1e-12);
    // k = 2, p = 0.8, q = 0.2: N·0.16/0.36 and no second term (1 − p − q = 0).
    KaryRandomizedResponse binary = new KaryRandomizedResponse(Math.log(4), 2);
    assertEquals(90 * 0.16 / 0.36, binary.variance(0, 90), 1e-9);
    assertEquals(90 * 0.16 / 0.36, binary.variance(90, 90), 1e-9);
  }

  @Test
  void shouldStayFiniteAtExtremeEpsilons() {
    KaryRandomizedResponse exact = new KaryRandomizedResponse(1000, 4);
    assertEquals(1.0, exact.p());
    assertEquals(0.0, exact.q());
    assertEquals(37.0, exact.estimate(37, 100));
    assertEquals(0.0, exact.stddev(37, 100));

    KaryRandomizedResponse tiny = new KaryRandomizedResponse(1e-12, 2);
    assertEquals(1e-12 / 2, KaryRandomizedResponse.pMinusQ(1e-12, 2), 1e-24);
    assertEquals(2e12 * 10, tiny.estimate(60, 100), 2e12 * 10 * 1e-3);
  }

  @Test
  void shouldRefuseInvalidParameters() {
    assertThrows(IllegalArgumentException.class, () -> new KaryRandomizedResponse(0, 2));
    assertThrows(IllegalArgumentException.class, () -> new KaryRandomizedResponse(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> new KaryRandomizedResponse(Double.NaN, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> new KaryRandomizedResponse(Double.POSITIVE_INFINITY, 2));
    assertThrows(IllegalArgumentException.class, () -> new KaryRandomizedResponse(1, 1));
  }
}
