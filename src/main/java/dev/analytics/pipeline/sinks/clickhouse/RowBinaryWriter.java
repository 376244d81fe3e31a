package dev.analytics.pipeline.sinks.clickhouse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Appends values in ClickHouse's {@code RowBinary} format to a growable byte buffer: integers
 * little-endian, {@code String} as a LEB128 length and UTF-8 bytes, {@code Nullable(T)} as a byte
 * (1 = NULL) followed by the value when not NULL, {@code Array(T)} as a LEB128 count and the
 * elements, {@code Map(K, V)} as a LEB128 count and the key and value of each entry, {@code
 * DateTime} as UInt32 seconds, {@code DateTime64(3)} as Int64 milliseconds, {@code
 * LowCardinality(T)} as {@code T}. The columns of a row follow each other in the order of the
 * INSERT's column list; nothing separates rows.
 */
public final class RowBinaryWriter {
  /** Largest {@code DateTime} (UInt32 seconds): 2106-02-07T06:28:15Z. */
  static final long MAX_DATETIME_SECONDS = 0xFFFF_FFFFL;

  private byte[] buf;
  private int size;

  public RowBinaryWriter() {
    this(256);
  }

  public RowBinaryWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  public int size() {
    return size;
  }

  /** Forgets the content, keeping the buffer. */
  public void reset() {
    size = 0;
  }

  /** A copy of the content. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  /** Appends the content of {@code other}. */
  public void append(RowBinaryWriter other) {
    ensure(other.size);
    System.arraycopy(other.buf, 0, buf, size, other.size);
    size += other.size;
  }

  public RowBinaryWriter uint8(int v) {
    ensure(1);
    buf[size++] = (byte) v;
    return this;
  }

  public RowBinaryWriter uint16(int v) {
    if (v < 0 || v > 0xFFFF) {
      throw new IllegalArgumentException(v + " is out of UInt16 range");
    }
    ensure(2);
    buf[size++] = (byte) v;
    buf[size++] = (byte) (v >>> 8);
    return this;
  }

  public RowBinaryWriter uint32(long v) {
    if (v < 0 || v > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(v + " is out of UInt32 range");
    }
    ensure(4);
    for (int i = 0; i < 4; i++) {
      buf[size++] = (byte) (v >>> (8 * i));
    }
    return this;
  }

  /** Int64, or UInt64 for a non-negative {@code v}. */
  public RowBinaryWriter int64(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[size++] = (byte) (v >>> (8 * i));
    }
    return this;
  }

  /** UInt64 of a non-negative value. */
  public RowBinaryWriter uint64(long v) {
    if (v < 0) {
      throw new IllegalArgumentException(v + " is out of UInt64 range (negative)");
    }
    return int64(v);
  }

  public RowBinaryWriter float64(double v) {
    return int64(Double.doubleToRawLongBits(v));
  }

  /** {@code Nullable(Float64)}: NULL for NaN (an undefined statistic). */
  public RowBinaryWriter nullableFloat64(double v) {
    if (Double.isNaN(v)) {
      return uint8(1);
    }
    return uint8(0).float64(v);
  }

  /** {@code String}; null is written as the empty string. */
  public RowBinaryWriter string(String s) {
    if (s == null || s.isEmpty()) {
      return varint(0);
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    varint(utf8.length);
    ensure(utf8.length);
    System.arraycopy(utf8, 0, buf, size, utf8.length);
    size += utf8.length;
    return this;
  }

  /** {@code Nullable(String)}: NULL for null. */
  public RowBinaryWriter nullableString(String s) {
    if (s == null) {
      return uint8(1);
    }
    return uint8(0).string(s);
  }

  /** {@code Array(String)}. */
  public RowBinaryWriter stringArray(List<String> items) {
    varint(items.size());
    for (String s : items) {
      string(s);
    }
    return this;
  }

  /** {@code Array(Int32)}; null is written as the empty array. */
  public RowBinaryWriter int32Array(int[] items) {
    if (items == null) {
      return varint(0);
    }
    varint(items.length);
    ensure(4 * items.length);
    for (int v : items) {
      for (int i = 0; i < 4; i++) {
        buf[size++] = (byte) (v >>> (8 * i));
      }
    }
    return this;
  }

  /** {@code Array(Float64)}; null is written as the empty array. */
  public RowBinaryWriter float64Array(double[] items) {
    if (items == null) {
      return varint(0);
    }
    varint(items.length);
    for (double v : items) {
      float64(v);
    }
    return this;
  }

  /**
   * {@code DateTime} (UInt32 seconds) of {@code epochMillis} followed by {@code UInt16} of its
   * milliseconds: the time with millisecond precision on servers without DateTime64.
   */
  public RowBinaryWriter dateTimeWithMillis(long epochMillis) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    if (seconds < 0 || seconds > MAX_DATETIME_SECONDS) {
      throw new IllegalArgumentException(
          "time "
              + epochMillis
              + " ms is outside the range of ClickHouse DateTime (1970-01-01 to 2106-02-07)");
    }
    uint32(seconds);
    return uint16((int) Math.floorMod(epochMillis, 1000L));
  }

  /** Smallest {@code DateTime64} of ClickHouse 22.2 (later versions reach 1900): 1925-01-01Z. */
  static final long MIN_DATETIME64_MILLIS = -1_420_070_400_000L;

  /** Largest {@code DateTime64} of ClickHouse 22.2: 2283-11-11T23:59:59.999Z. */
  static final long MAX_DATETIME64_MILLIS = 9_904_377_599_999L;

  /**
   * {@code DateTime64(3)} of {@code epochMillis}: Int64 milliseconds, limited to the range of
   * ClickHouse 22.2 (1925-01-01 to 2283-11-11).
   */
  public RowBinaryWriter dateTime64Millis(long epochMillis) {
    if (epochMillis < MIN_DATETIME64_MILLIS || epochMillis > MAX_DATETIME64_MILLIS) {
      throw new IllegalArgumentException(
          "time "
              + epochMillis
              + " ms is outside the range of ClickHouse DateTime64 (1925-01-01 to 2283-11-11)");
    }
    return int64(epochMillis);
  }

  /** {@code Map(String, String)} of the entries in their iteration order; null values as "". */
  public RowBinaryWriter stringMap(java.util.Map<String, String> entries) {
    varint(entries.size());
    for (java.util.Map.Entry<String, String> e : entries.entrySet()) {
      string(e.getKey());
      string(e.getValue());
    }
    return this;
  }

  /** LEB128 unsigned varint, as ClickHouse writes lengths and counts. */
  public RowBinaryWriter varint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
    return this;
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      long wanted = Math.max((long) buf.length * 2, (long) size + more);
      if (wanted > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("RowBinary buffer over 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) wanted);
    }
  }
}
