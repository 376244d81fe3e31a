package dev.analytics.pipeline.local;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON text straight as UTF-8, so a record costs one copy (into
 * its own array) instead of a StringBuilder's two. Also offers the few byte edits that turn a valid
 * record into a broken one. Not thread-safe; reuse one per generator.
 */
final class JsonBuffer {
  private static final long DAY = 86_400_000L;
  private static final long[] POW10 = {1, 10, 100, 1000, 10_000};
  private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes();

  private byte[] bytes;
  private int length;

  JsonBuffer(int capacity) {
    bytes = new byte[capacity];
  }

  int length() {
    return length;
  }

  byte byteAt(int index) {
    return bytes[index];
  }

  void clear() {
    length = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(bytes, length);
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  private void ensure(int extra) {
    if (length + extra > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
    }
  }

  /** An ASCII character. */
  JsonBuffer append(char c) {
    ensure(1);
    bytes[length++] = (byte) c;
    return this;
  }

  /** Text copied as it is (UTF-8 encoded), e.g. a raw JSON fragment. */
  JsonBuffer append(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes[length++] = (byte) c;
      } else {
        i = appendNonAscii(s, i);
      }
    }
    return this;
  }

  JsonBuffer append(long v) {
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        return append(MIN_LONG);
      }
      append('-');
      v = -v;
    }
    int digits = 1;
    for (long p = 10; digits < 19 && v >= p; p *= 10) {
      digits++;
    }
    ensure(digits);
    for (int i = length + digits - 1; i >= length; i--) {
      bytes[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    length += digits;
    return this;
  }

  JsonBuffer append(byte[] raw) {
    ensure(raw.length);
    System.arraycopy(raw, 0, bytes, length, raw.length);
    length += raw.length;
    return this;
  }

  /** {@code v} (non-negative) left-padded with zeros to {@code width} (at most 5) digits. */
  JsonBuffer appendPadded(long v, int width) {
    for (long p = POW10[width - 1]; p > 1 && v < p; p /= 10) {
      append('0');
    }
    return append(v);
  }

  /** {@code units / 10^scale} in plain decimal notation, e.g. (12345, 3) is {@code 12.345}. */
  JsonBuffer appendDecimal(long units, int scale) {
    long pow = POW10[scale];
    append(units / pow);
    if (scale > 0) {
      append('.').appendPadded(units % pow, scale);
    }
    return this;
  }

  /** A JSON string literal with the escapes JSON requires; other characters as UTF-8. */
  JsonBuffer appendString(String s) {
    append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ensure(1);
        bytes[length++] = (byte) c;
        continue;
      }
      switch (c) {
        case '"' -> append('\\').append('"');
        case '\\' -> append('\\').append('\\');
        case '\n' -> append('\\').append('n');
        case '\t' -> append('\\').append('t');
        case '\r' -> append('\\').append('r');
        default -> {
          if (c < 0x20) {
            append("\\u00").append(Character.forDigit(c >> 4, 16));
            append(Character.forDigit(c & 0xF, 16));
          } else {
            i = appendNonAscii(s, i);
          }
        }
      }
    }
    return append('"');
  }

  /** Encodes the character at {@code i} (and its low surrogate); returns the last index used. */
  private int appendNonAscii(String s, int i) {
    ensure(4);
    char c = s.charAt(i);
    if (c < 0x800) {
      bytes[length++] = (byte) (0xC0 | c >> 6);
      bytes[length++] = (byte) (0x80 | c & 0x3F);
      return i;
    }
    if (Character.isHighSurrogate(c)
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1))) {
      int cp = Character.toCodePoint(c, s.charAt(i + 1));
      bytes[length++] = (byte) (0xF0 | cp >> 18);
      bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3F);
      bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3F);
      bytes[length++] = (byte) (0x80 | cp & 0x3F);
      return i + 1;
    }
    if (Character.isSurrogate(c)) {
      bytes[length++] = '?'; // a lone surrogate has no UTF-8 form
      return i;
    }
    bytes[length++] = (byte) (0xE0 | c >> 12);
    bytes[length++] = (byte) (0x80 | c >> 6 & 0x3F);
    bytes[length++] = (byte) (0x80 | c & 0x3F);
    return i;
  }

  /**
   * {@code yyyy-MM-ddTHH:mm:ss.SSS} then {@code Z} or {@code ±hh:mm}, for years 0 to 9999: the
   * instant {@code epochMillis} seen at the given offset.
   */
  JsonBuffer appendIso(long epochMillis, int offsetMinutes) {
    long local = epochMillis + offsetMinutes * 60_000L;
    long days = Math.floorDiv(local, DAY);
    long msOfDay = Math.floorMod(local, DAY);
    // civil_from_days (H. Hinnant): the proleptic Gregorian date of a day count since 1970-01-01.
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long day = doy - (153 * mp + 2) / 5 + 1;
    long month = mp < 10 ? mp + 3 : mp - 9;
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    appendPadded(year, 4).append('-').appendPadded(month, 2).append('-').appendPadded(day, 2);
    append('T').appendPadded(msOfDay / 3_600_000, 2).append(':');
    appendPadded(msOfDay / 60_000 % 60, 2).append(':').appendPadded(msOfDay / 1000 % 60, 2);
    append('.').appendPadded(msOfDay % 1000, 3);
    if (offsetMinutes == 0) {
      return append('Z');
    }
    int abs = Math.abs(offsetMinutes);
    append(offsetMinutes > 0 ? '+' : '-');
    return appendPadded(abs / 60, 2).append(':').appendPadded(abs % 60, 2);
  }

  // ---- edits, for broken records ----

  /** Index of the first occurrence of the ASCII text {@code s} at or after {@code from}, or -1. */
  int indexOf(String s, int from) {
    outer:
    for (int i = Math.max(0, from); i + s.length() <= length; i++) {
      for (int j = 0; j < s.length(); j++) {
        if (bytes[i + j] != (byte) s.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  void delete(int index) {
    System.arraycopy(bytes, index + 1, bytes, index, length - index - 1);
    length--;
  }

  void insert(int index, byte[] raw) {
    ensure(raw.length);
    System.arraycopy(bytes, index, bytes, index + raw.length, length - index);
    System.arraycopy(raw, 0, bytes, index, raw.length);
    length += raw.length;
  }

  void truncate(int newLength) {
    length = newLength;
  }
}
