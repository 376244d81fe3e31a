package dev.analytics.pipeline.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Settings that change with event time: each version holds from its effective time on, until the
 * next one. Immutable; what an operator holds for the settings that can change while the job runs,
 * so that a decision about an event depends on the event's time and the changes, not on when a
 * change arrived.
 */
public final class Versioned<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long[] from;
  private final ArrayList<T> values;

  private Versioned(long[] from, List<T> values) {
    this.from = from;
    this.values = new ArrayList<>(values);
  }

  /** One version for all of event time. */
  public static <T> Versioned<T> fixed(T value) {
    return new Versioned<>(new long[] {Long.MIN_VALUE}, List.of(value));
  }

  /**
   * Versions effective from the ascending times {@code from}, the first of which must be {@link
   * Long#MIN_VALUE}.
   */
  public static <T> Versioned<T> of(long[] from, List<T> values) {
    if (from.length == 0 || from.length != values.size() || from[0] != Long.MIN_VALUE) {
      throw new IllegalArgumentException("versions need a first one from the start of time");
    }
    for (int i = 1; i < from.length; i++) {
      if (from[i] < from[i - 1]) {
        throw new IllegalArgumentException("effective times must ascend: " + Arrays.toString(from));
      }
    }
    return new Versioned<>(from.clone(), values);
  }

  /** The version in effect at {@code eventTime}. */
  public T at(long eventTime) {
    int last = from.length - 1;
    if (eventTime >= from[last]) {
      return values.get(last); // the usual case: the latest version
    }
    int i = Arrays.binarySearch(from, eventTime);
    if (i < 0) {
      i = -i - 2;
    } else {
      while (i + 1 < from.length && from[i + 1] == eventTime) {
        i++;
      }
    }
    return values.get(i);
  }

  /** The latest version. */
  public T latest() {
    return values.get(values.size() - 1);
  }

  public int size() {
    return from.length;
  }

  /** The effective time of version {@code i} (0 is {@link Long#MIN_VALUE}). */
  public long effectiveFrom(int i) {
    return from[i];
  }

  /** Each version through {@code f}. */
  public <R> Versioned<R> map(Function<? super T, ? extends R> f) {
    List<R> mapped = new ArrayList<>(values.size());
    for (T value : values) {
      mapped.add(f.apply(value));
    }
    return new Versioned<>(from, mapped);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Versioned[");
    for (int i = 0; i < from.length; i++) {
      s.append(i == 0 ? "" : ", ")
          .append(i == 0 ? "start" : from[i])
          .append(": ")
          .append(values.get(i));
    }
    return s.append(']').toString();
  }
}
