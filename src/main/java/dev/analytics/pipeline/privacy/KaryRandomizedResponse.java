package dev.analytics.pipeline.privacy;

import java.io.Serializable;

/**
 * The mathematics of k-ary randomized response (k-RR, generalized randomized response), a local
 * differential privacy mechanism over a domain of {@code k} values: each client reports its true
 * value with probability {@code p} and each of the {@code k - 1} other values with probability
 * {@code q}, where
 *
 * <pre>
 *   p = e^ε / (e^ε + k − 1)        q = 1 / (e^ε + k − 1)        p / q = e^ε
 * </pre>
 *
 * <p><b>Takes</b> the privacy parameter ε (finite, > 0) and the domain size k (>= 2). <b>Gives</b>
 * the unbiased estimate of the true count of a value from its observed count {@code c_i} and the
 * number of reports {@code N} (the sum of the observed counts of all k values):
 *
 * <pre>
 *   estimate_i = (c_i − N·q) / (p − q)
 * </pre>
 *
 * and its standard deviation. The observed count is a sum of independent Bernoulli reports: the
 * {@code n_i} clients whose true value is i report it with probability p, the {@code N − n_i}
 * others with probability q, so {@code Var[c_i] = n_i·p(1−p) + (N−n_i)·q(1−q)} and, since {@code
 * p(1−p) − q(1−q) = (p−q)(1−p−q)},
 *
 * <pre>
 *   Var[estimate_i] = N·q(1−q) / (p−q)² + n_i·(1−p−q) / (p−q)
 * </pre>
 *
 * The true count {@code n_i} is unknown; {@link #stddev(double, double)} plugs in the estimate
 * clamped at 0 (for k = 2 the second term vanishes and the variance does not depend on it).
 *
 * <p><b>Guarantees</b>: the estimate is unbiased ({@code E[estimate_i] = n_i}), may be negative (an
 * unbiased estimator must be allowed to be), and the estimates of the k values sum to N. p and q
 * are computed from {@code e^−ε}, so they stay finite for any finite ε (large ε gives p = 1, q = 0
 * and the estimate equals the observed count). The variance covers the randomization only: when the
 * observed counts are themselves estimates (sampling rates below 1) the true variance is larger.
 * Immutable and Serializable.
 *
 * @param epsilon the privacy parameter ε, finite and > 0
 * @param k the number of values in the domain, >= 2
 */
public record KaryRandomizedResponse(double epsilon, int k) implements Serializable {

  public KaryRandomizedResponse {
    check(epsilon, k);
  }

  /** The probability that a client reports its true value: {@code e^ε / (e^ε + k − 1)}. */
  public static double p(double epsilon, int k) {
    check(epsilon, k);
    return 1.0 / (1.0 + (k - 1) * Math.exp(-epsilon));
  }

  /** The probability that a client reports one given other value: {@code 1 / (e^ε + k − 1)}. */
  public static double q(double epsilon, int k) {
    check(epsilon, k);
    double e = Math.exp(-epsilon);
    return e / (1.0 + (k - 1) * e);
  }

  /** {@code p − q = (e^ε − 1) / (e^ε + k − 1)}, exact also for small ε. */
  public static double pMinusQ(double epsilon, int k) {
    check(epsilon, k);
    return -Math.expm1(-epsilon) / (1.0 + (k - 1) * Math.exp(-epsilon));
  }

  /** {@link #p(double, int)} of this mechanism. */
  public double p() {
    return p(epsilon, k);
  }

  /** {@link #q(double, int)} of this mechanism. */
  public double q() {
    return q(epsilon, k);
  }

  /**
   * The unbiased estimate of a value's true count: {@code (observed − total·q) / (p − q)}.
   *
   * @param observed the value's observed count c_i
   * @param total N, the observed count of all k values together
   */
  public double estimate(double observed, double total) {
    return (observed - total * q()) / pMinusQ(epsilon, k);
  }

  /**
   * The variance of {@link #estimate} when the value's true count is {@code trueCount}: {@code
   * N·q(1−q)/(p−q)² + n_i·(1−p−q)/(p−q)}.
   *
   * @param trueCount n_i (>= 0)
   * @param total N
   */
  public double variance(double trueCount, double total) {
    double p = p();
    double q = q();
    double d = pMinusQ(epsilon, k);
    // 1 − p − q >= 0 for k >= 2 (= 0 for k = 2); the max hides a rounding residue.
    double rest = Math.max(0.0, 1.0 - p - q);
    return total * q * (1.0 - q) / (d * d) + trueCount * rest / d;
  }

  /**
   * The standard deviation of {@link #estimate}, with the true count replaced by the estimate
   * clamped at 0: {@code sqrt(variance(max(0, estimate), N))}.
   *
   * @param estimate the value's estimate (from {@link #estimate})
   * @param total N
   */
  public double stddev(double estimate, double total) {
    return Math.sqrt(variance(Math.max(0.0, estimate), total));
  }

  private static void check(double epsilon, int k) {
    if (!(epsilon > 0.0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be finite and > 0, got " + epsilon);
    }
    if (k < 2) {
      throw new IllegalArgumentException("k must be at least 2, got " + k);
    }
  }
}
