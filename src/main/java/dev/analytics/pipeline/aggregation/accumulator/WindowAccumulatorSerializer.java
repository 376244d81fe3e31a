package dev.analytics.pipeline.aggregation.accumulator;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link WindowAccumulator} for window state, checkpoints and savepoints.
 *
 * <p>Takes an accumulator, gives a compact binary record, and reads back an accumulator equal to
 * the original in every field and every sketch bin (so identical quantiles). Hand-written because
 * the DDSketch is not a POJO and Kryo is disabled; its bins are written by this class rather than
 * with {@code DDSketch.serialize()}, which spends 6 bits of exponent on every count (a float
 * encoding) and adds a mapping header: counts here are integers, written as varints.
 *
 * <p>Format, version 1 (see {@link Snapshot}):
 *
 * <pre>
 *   varlong keptCount, double weightedCount, varlong valueCount
 *   if valueCount &gt; 0:
 *     double weightedSum, min, max, mean, m2; varlong zeroCount; store negative; store positive
 *   store: byte 0 (empty)
 *        | byte 1 (dense): zigzag-varint first index, varint length, varlong count per index
 *        | byte 2 (sparse): varint bins, zigzag-varint first index, then per bin varint gap to the
 *                           previous index (none for the first) and varlong count
 * </pre>
 *
 * Each store picks the smaller of dense and sparse. A record is at most 8,192 bytes when no bin
 * holds 2^28 values or more: at most 94 bytes of fixed fields, and per store at most {@link
 * WindowAccumulator#MAX_BINS} counts of at most 4 bytes plus 8 bytes of header.
 */
public final class WindowAccumulatorSerializer extends TypeSerializerSingleton<WindowAccumulator> {
  private static final long serialVersionUID = 1L;

  public static final WindowAccumulatorSerializer INSTANCE = new WindowAccumulatorSerializer();

  private static final byte EMPTY = 0;
  private static final byte DENSE = 1;
  private static final byte SPARSE = 2;

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public WindowAccumulator createInstance() {
    return new WindowAccumulator();
  }

  @Override
  public WindowAccumulator copy(WindowAccumulator from) {
    return from.copy();
  }

  @Override
  public WindowAccumulator copy(WindowAccumulator from, WindowAccumulator reuse) {
    return from.copy();
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(WindowAccumulator acc, DataOutputView out) throws IOException {
    writeVarLong(out, acc.keptCount());
    out.writeDouble(acc.weightedCount());
    writeVarLong(out, acc.valueCount());
    if (acc.valueCount() == 0) {
      return;
    }
    out.writeDouble(acc.weightedSum());
    out.writeDouble(acc.rawMin());
    out.writeDouble(acc.rawMax());
    out.writeDouble(acc.rawMean());
    out.writeDouble(acc.rawM2());
    DDSketch sketch = acc.sketch();
    List<Bin> negative = WindowAccumulator.bins(sketch.getNegativeValueStore());
    List<Bin> positive = WindowAccumulator.bins(sketch.getPositiveValueStore());
    writeVarLong(out, acc.valueCount() - total(negative) - total(positive));
    writeStore(out, negative);
    writeStore(out, positive);
  }

  @Override
  public WindowAccumulator deserialize(DataInputView in) throws IOException {
    long keptCount = readVarLong(in);
    double weightedCount = in.readDouble();
    long valueCount = readVarLong(in);
    if (keptCount < 0 || valueCount < 0 || valueCount > keptCount) {
      throw new IOException(
          "Corrupt WindowAccumulator: kept " + keptCount + ", with value " + valueCount);
    }
    if (valueCount == 0) {
      WindowAccumulator empty = new WindowAccumulator();
      return WindowAccumulator.restore(
          weightedCount,
          keptCount,
          0,
          0.0,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY,
          0.0,
          0.0,
          empty.sketch());
    }
    double weightedSum = in.readDouble();
    double min = in.readDouble();
    double max = in.readDouble();
    double mean = in.readDouble();
    double m2 = in.readDouble();
    long zeroCount = readVarLong(in);
    Store negative = WindowAccumulator.newNegativeStore();
    Store positive = WindowAccumulator.newPositiveStore();
    readStore(in, negative);
    readStore(in, positive);
    double stored = zeroCount + negative.getTotalCount() + positive.getTotalCount();
    if (zeroCount < 0 || stored != valueCount) {
      throw new IOException(
          "Corrupt WindowAccumulator: the sketch holds " + stored + " values, not " + valueCount);
    }
    DDSketch sketch = DDSketch.of(WindowAccumulator.MAPPING, negative, positive, zeroCount);
    return WindowAccumulator.restore(
        weightedCount, keptCount, valueCount, weightedSum, min, max, mean, m2, sketch);
  }

  @Override
  public WindowAccumulator deserialize(WindowAccumulator reuse, DataInputView in)
      throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public TypeSerializerSnapshot<WindowAccumulator> snapshotConfiguration() {
    return new Snapshot();
  }

  private static long total(List<Bin> bins) {
    long total = 0;
    for (Bin bin : bins) {
      total += count(bin);
    }
    return total;
  }

  /** Counts are sums of 1s (one per value), so integral; anything else is a bug upstream. */
  private static long count(Bin bin) {
    long count = (long) bin.getCount();
    if (count != bin.getCount() || count <= 0) {
      throw new IllegalStateException("Sketch bin count is not a positive integer: " + bin);
    }
    return count;
  }

  private static void writeStore(DataOutputView out, List<Bin> bins) throws IOException {
    if (bins.isEmpty()) {
      out.writeByte(EMPTY);
      return;
    }
    int first = bins.get(0).getIndex();
    int last = bins.get(bins.size() - 1).getIndex();
    long countBytes = 0;
    long gapBytes = 0;
    for (int i = 0; i < bins.size(); i++) {
      countBytes += varLongSize(count(bins.get(i)));
      if (i > 0) {
        gapBytes += varLongSize(bins.get(i).getIndex() - bins.get(i - 1).getIndex());
      }
    }
    // Dense writes one byte per empty index inside the range; sparse one gap per bin.
    long dense = varLongSize(last - first + 1) + countBytes + (last - first + 1 - bins.size());
    long sparse = varLongSize(bins.size()) + countBytes + gapBytes;
    if (dense <= sparse) {
      out.writeByte(DENSE);
      writeVarLong(out, zigZag(first));
      writeVarLong(out, last - first + 1);
      int next = first;
      for (Bin bin : bins) {
        for (; next < bin.getIndex(); next++) {
          out.writeByte(0);
        }
        writeVarLong(out, count(bin));
        next++;
      }
    } else {
      out.writeByte(SPARSE);
      writeVarLong(out, bins.size());
      writeVarLong(out, zigZag(first));
      int previous = first;
      for (int i = 0; i < bins.size(); i++) {
        Bin bin = bins.get(i);
        if (i > 0) {
          writeVarLong(out, bin.getIndex() - previous);
        }
        writeVarLong(out, count(bin));
        previous = bin.getIndex();
      }
    }
  }

  private static void readStore(DataInputView in, Store store) throws IOException {
    byte mode = in.readByte();
    if (mode == EMPTY) {
      return;
    }
    if (mode == DENSE) {
      int index = unZigZag(readVarLong(in));
      long length = readVarLong(in);
      checkBins(length);
      for (long i = 0; i < length; i++, index++) {
        long count = readVarLong(in);
        if (count > 0) {
          store.add(index, (double) count);
        }
      }
    } else if (mode == SPARSE) {
      long bins = readVarLong(in);
      checkBins(bins);
      int index = unZigZag(readVarLong(in));
      for (long i = 0; i < bins; i++) {
        if (i > 0) {
          index = Math.addExact(index, (int) readVarLong(in));
        }
        store.add(index, (double) readVarLong(in));
      }
    } else {
      throw new IOException("Corrupt WindowAccumulator: unknown store encoding " + mode);
    }
  }

  private static void checkBins(long bins) throws IOException {
    if (bins < 1 || bins > WindowAccumulator.MAX_BINS) {
      throw new IOException("Corrupt WindowAccumulator: " + bins + " bins in a store");
    }
  }

  private static long zigZag(int v) {
    return ((v << 1) ^ (v >> 31)) & 0xFFFFFFFFL;
  }

  private static int unZigZag(long v) {
    int i = (int) v;
    return (i >>> 1) ^ -(i & 1);
  }

  static int varLongSize(long v) {
    int size = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      size++;
    }
    return size;
  }

  private static void writeVarLong(DataOutputView out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  private static long readVarLong(DataInputView in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.readByte();
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new IOException("Corrupt WindowAccumulator: varint longer than 10 bytes");
  }

  /**
   * Snapshot of the serializer's configuration, version 1: the sketch parameters the records were
   * written with (relative accuracy and bins per store). A restore with the same parameters is
   * compatible as is; with others it is incompatible, because bins of one mapping cannot be read as
   * bins of another, and Flink then refuses the restore instead of mixing them.
   */
  public static final class Snapshot implements TypeSerializerSnapshot<WindowAccumulator> {
    static final int VERSION = 1;

    private double relativeAccuracy = WindowAccumulator.RELATIVE_ACCURACY;
    private int maxBins = WindowAccumulator.MAX_BINS;

    /** For Flink, which instantiates snapshots reflectively before reading them. */
    public Snapshot() {}

    Snapshot(double relativeAccuracy, int maxBins) {
      this.relativeAccuracy = relativeAccuracy;
      this.maxBins = maxBins;
    }

    @Override
    public int getCurrentVersion() {
      return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeDouble(relativeAccuracy);
      out.writeInt(maxBins);
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
        throws IOException {
      if (readVersion != VERSION) {
        throw new IOException(
            "Unsupported WindowAccumulatorSerializer snapshot version "
                + readVersion
                + "; this build reads version "
                + VERSION);
      }
      relativeAccuracy = in.readDouble();
      maxBins = in.readInt();
    }

    private boolean matchesThisBuild() {
      return relativeAccuracy == WindowAccumulator.RELATIVE_ACCURACY
          && maxBins == WindowAccumulator.MAX_BINS;
    }

    @Override
    public TypeSerializer<WindowAccumulator> restoreSerializer() {
      if (!matchesThisBuild()) {
        throw new IllegalStateException(
            "State written with sketch accuracy "
                + relativeAccuracy
                + " and "
                + maxBins
                + " bins cannot be read by this build ("
                + WindowAccumulator.RELATIVE_ACCURACY
                + ", "
                + WindowAccumulator.MAX_BINS
                + ")");
      }
      return INSTANCE;
    }

    @Override
    public TypeSerializerSchemaCompatibility<WindowAccumulator> resolveSchemaCompatibility(
        TypeSerializerSnapshot<WindowAccumulator> oldSnapshot) {
      if (oldSnapshot instanceof Snapshot old
          && old.relativeAccuracy == relativeAccuracy
          && old.maxBins == maxBins) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return TypeSerializerSchemaCompatibility.incompatible();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Snapshot s
          && s.relativeAccuracy == relativeAccuracy
          && s.maxBins == maxBins;
    }

    @Override
    public int hashCode() {
      return Double.hashCode(relativeAccuracy) * 31 + maxBins;
    }

    @Override
    public String toString() {
      return "WindowAccumulatorSerializer.Snapshot{v"
          + VERSION
          + ", accuracy="
          + relativeAccuracy
          + ", maxBins="
          + maxBins
          + "}";
    }
  }
}
