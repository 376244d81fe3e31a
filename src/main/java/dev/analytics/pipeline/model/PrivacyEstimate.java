package dev.analytics.pipeline.model;

import java.util.Objects;

/**
 * The privacy-corrected count of one event type of a k-ary randomized-response group over one
 * tumbling event-time window, beside its raw observed count. A Flink POJO.
 *
 * <p>Identity: (group, eventType, granularity, windowStart). A late re-emission of a member's
 * window aggregate re-emits the whole group's estimates of that window with {@code version + 1};
 * the highest version is the result.
 *
 * <p>{@code estimate = (observed − groupObserved·q) / (p − q)} with {@code p = e^ε/(e^ε+k−1)},
 * {@code q = 1/(e^ε+k−1)}; {@code stddev = sqrt(N·q(1−q)/(p−q)² + n·(1−p−q)/(p−q))} with {@code N =
 * groupObserved} and the true count {@code n} replaced by {@code max(0, estimate)} (see {@code
 * KaryRandomizedResponse}).
 */
public class PrivacyEstimate {
  /** Name of the privacy group (privacy.groups). */
  public String group;

  public String eventType;
  public long windowStart;
  public long windowEnd;

  /** Window size label, e.g. {@code 1m}. */
  public String granularity;

  /** The group's ε. */
  public double epsilon;

  /** The number of member types of the group. */
  public int k;

  /** N: the observed count of all the group's types in the window. */
  public double groupObserved;

  /** The type's observed count: the estimated counts of its aggregates, over all dimensions. */
  public double observed;

  /** Unbiased estimate of the type's true count; may be negative. */
  public double estimate;

  /** Theoretical standard deviation of the estimate (randomization only). */
  public double stddev;

  /** 0 for the first emission of the window, +1 for each re-emission after late data. */
  public int version;

  public PrivacyEstimate() {}

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PrivacyEstimate e)) {
      return false;
    }
    return windowStart == e.windowStart
        && windowEnd == e.windowEnd
        && Double.compare(epsilon, e.epsilon) == 0
        && k == e.k
        && Double.compare(groupObserved, e.groupObserved) == 0
        && Double.compare(observed, e.observed) == 0
        && Double.compare(estimate, e.estimate) == 0
        && Double.compare(stddev, e.stddev) == 0
        && version == e.version
        && Objects.equals(group, e.group)
        && Objects.equals(eventType, e.eventType)
        && Objects.equals(granularity, e.granularity);
  }

  @Override
  public int hashCode() {
    return Objects.hash(group, eventType, windowStart, granularity, version);
  }

  @Override
  public String toString() {
    return "PrivacyEstimate{"
        + group
        + "/"
        + eventType
        + " ["
        + windowStart
        + ","
        + windowEnd
        + ") "
        + granularity
        + " v"
        + version
        + " eps="
        + epsilon
        + " k="
        + k
        + " N="
        + groupObserved
        + " observed="
        + observed
        + " estimate="
        + estimate
        + " sd="
        + stddev
        + "}";
  }
}
