package dev.analytics.pipeline.sinks.postgres;

import java.util.Arrays;

/**
 * The key hashes ({@link UpsertStatement#keyHash}) of the rows one transaction wrote: which table
 * rows it holds locks on.
 *
 * <p><b>Guarantees</b>: {@link #contains} is true for every hash added (never a false negative); it
 * is also true for every hash once more than {@link #MAX_KEYS} distinct-or-not hashes were added,
 * or for a transaction whose rows are unknown ({@link #unknown()}): the set then stands for "every
 * row". Memory: 8 bytes per row written, at most {@code MAX_KEYS} × 8 bytes (8 MB).
 */
final class TransactionKeys {
  /** Rows tracked per transaction; beyond, the transaction counts as locking every row. */
  static final int MAX_KEYS = 1_000_000;

  private long[] keys = new long[16];
  private int size;
  private boolean sorted = true;
  private boolean all;

  /** A transaction whose rows are not known (prepared before a restore): it may lock any row. */
  static TransactionKeys unknown() {
    TransactionKeys keys = new TransactionKeys();
    keys.markAll();
    return keys;
  }

  /** Records a row's key hash. */
  void add(long hash) {
    if (all) {
      return;
    }
    if (size == MAX_KEYS) {
      markAll();
      return;
    }
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, Math.min(MAX_KEYS, keys.length * 2));
    }
    keys[size++] = hash;
    sorted = false;
  }

  /** Whether a row with this key hash may be locked by the transaction. */
  boolean contains(long hash) {
    if (all) {
      return true;
    }
    if (!sorted) {
      Arrays.sort(keys, 0, size);
      int distinct = 0;
      for (int i = 0; i < size; i++) {
        if (distinct == 0 || keys[i] != keys[distinct - 1]) {
          keys[distinct++] = keys[i];
        }
      }
      size = distinct;
      sorted = true;
    }
    return Arrays.binarySearch(keys, 0, size, hash) >= 0;
  }

  /** Whether the transaction counts as locking every row. */
  boolean all() {
    return all;
  }

  private void markAll() {
    all = true;
    keys = null;
    size = 0;
  }
}
