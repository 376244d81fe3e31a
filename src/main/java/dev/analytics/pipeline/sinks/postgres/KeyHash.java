package dev.analytics.pipeline.sinks.postgres;

import java.util.Map;

/**
 * 64-bit hashes of table keys for {@link UpsertStatement#keyHash}: FNV-1a over the fields (each
 * string followed by a terminator, so that ("ab", "c") and ("a", "bc") differ), finished with the
 * MurmurHash3 64-bit mix; a map hashes as the sum of its mixed entries, so that it does not depend
 * on the iteration order (as jsonb equality does not depend on key order).
 *
 * <p>Callers pass values as the statements bind them ({@link PostgresStatements#text}): two rows
 * with equal stored keys then have equal hashes.
 */
final class KeyHash {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;
  private static final char NULL_MARK = '\uFFFE';

  private long hash = OFFSET;

  /** Adds a string (null differs from every string). */
  KeyHash add(String value) {
    if (value == null) {
      return addChar(NULL_MARK);
    }
    for (int i = 0; i < value.length(); i++) {
      addChar(value.charAt(i));
    }
    return addChar('\uFFFF');
  }

  /** Adds a number. */
  KeyHash add(long value) {
    for (int i = 0; i < 4; i++) {
      addChar((char) (value >>> (16 * i)));
    }
    return this;
  }

  /** Adds a map of strings, whatever its order (a null value counts as the empty string). */
  KeyHash add(Map<String, String> map) {
    long sum = 0;
    if (map != null) {
      for (Map.Entry<String, String> e : map.entrySet()) {
        String value = e.getValue() == null ? "" : e.getValue();
        sum +=
            new KeyHash()
                .add(PostgresStatements.text(e.getKey()))
                .add(PostgresStatements.text(value))
                .get();
      }
    }
    return add(sum);
  }

  /** The hash of what was added. */
  long get() {
    long h = hash;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  private KeyHash addChar(char c) {
    hash ^= c & 0xff;
    hash *= PRIME;
    hash ^= c >>> 8;
    hash *= PRIME;
    return this;
  }
}
