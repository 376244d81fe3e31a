package dev.analytics.pipeline.sinks.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The keys of a transaction: no false negative, ever. */
class TransactionKeysTest {
  @Test
  void answersForEveryAddedKeyAndForEveryKeyOnceFull() {
    var keys = new TransactionKeys();
    for (long k = 0; k < 100; k += 2) {
      keys.add(k * 7919);
      keys.add(k * 7919); // the same row twice
    }
    assertThat(keys.contains(10 * 7919)).isTrue();
    assertThat(keys.contains(11 * 7919)).isFalse();
    keys.add(11 * 7919); // after a lookup
    assertThat(keys.contains(11 * 7919)).isTrue();
    assertThat(keys.all()).isFalse();

    var full = new TransactionKeys();
    for (int i = 0; i <= TransactionKeys.MAX_KEYS; i++) {
      full.add(i);
    }
    assertThat(full.all()).isTrue();
    assertThat(full.contains(-1)).isTrue();
    assertThat(TransactionKeys.unknown().contains(42)).isTrue();
  }
}
