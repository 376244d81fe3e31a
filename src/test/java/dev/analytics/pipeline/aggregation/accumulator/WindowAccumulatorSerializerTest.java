package dev.analytics.pipeline.aggregation.accumulator;

import static dev.analytics.pipeline.aggregation.accumulator.WindowAccumulatorTest.accumulate;
import static dev.analytics.pipeline.aggregation.accumulator.WindowAccumulatorTest.fill;
import static dev.analytics.pipeline.aggregation.accumulator.WindowAccumulatorTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.aggregation.WindowStatsAggregator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The accumulator's Flink serializer, its type information and its snapshot, beyond Flink's own
 * contract ({@link WindowAccumulatorSerializerContractTest}): exact round trips bit for bit, schema
 * compatibility of the snapshot, refusal of corrupt input, and the type information that Flink
 * finds through the annotation.
 */
class WindowAccumulatorSerializerTest {
  private static final WindowAccumulatorSerializer SERIALIZER =
      WindowAccumulatorSerializer.INSTANCE;

  static Stream<Arguments> accumulators() {
    WindowAccumulator countsOnly = new WindowAccumulator();
    countsOnly.addCountOnly(2.0);
    countsOnly.addCountOnly(10.0);
    WindowAccumulator weighted =
        accumulate(sample(5_000, 3, r -> () -> Math.exp(r.nextGaussian())));
    for (int i = 0; i < 100; i++) {
      weighted.add(i * 0.5, 20.0);
      weighted.addCountOnly(3.0);
    }
    return Stream.of(
        Arguments.of("empty", new WindowAccumulator()),
        Arguments.of("counts only", countsOnly),
        Arguments.of("one value", accumulate(new double[] {-7.25})),
        Arguments.of("zeros", accumulate(new double[10])),
        Arguments.of("weighted lognormal with count-only events", weighted),
        Arguments.of(
            "sparse: a cluster and far outliers",
            accumulate(new double[] {100, 101, 102, 1e5, 1e7, -3e4, -1e-2})),
        Arguments.of(
            "mixed signs over 12 decades (collapsed stores)",
            accumulate(
                sample(
                    100_000,
                    4,
                    r ->
                        () ->
                            (r.nextBoolean() ? 1 : -1) * Math.pow(10, -6 + 12 * r.nextDouble())))));
  }

  @Test
  void flinkFindsTheTypeInformationThroughTheAnnotation() {
    assertThat(TypeInformation.of(WindowAccumulator.class))
        .isEqualTo(WindowAccumulatorTypeInfo.INSTANCE);
    TypeInformation<AnalyticsEvent> in = TypeInformation.of(AnalyticsEvent.class);
    assertThat(
            TypeExtractor.getAggregateFunctionAccumulatorType(
                new WindowStatsAggregator(), in, "window statistics", false))
        .isInstanceOf(WindowAccumulatorTypeInfo.class);
  }

  @Test
  void serializerIsCreatedWithGenericTypesDisabled() {
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    TypeSerializer<WindowAccumulator> serializer =
        TypeInformation.of(WindowAccumulator.class).createSerializer(config);
    assertThat(serializer).isSameAs(SERIALIZER);
  }

  @Test
  void typeInformationContract() throws Exception {
    WindowAccumulatorTypeInfo info = WindowAccumulatorTypeInfo.INSTANCE;
    assertThat(info.getTypeClass()).isEqualTo(WindowAccumulator.class);
    assertThat(info.isBasicType()).isFalse();
    assertThat(info.isTupleType()).isFalse();
    assertThat(info.isKeyType()).isFalse();
    assertThat(info.getArity()).isEqualTo(1);
    assertThat(info.getTotalFields()).isEqualTo(1);
    WindowAccumulatorTypeInfo clone = InstantiationUtil.clone(info);
    assertThat(clone).isEqualTo(info);
    assertThat(clone.hashCode()).isEqualTo(info.hashCode());
    assertThat(info.canEqual(clone)).isTrue();
    assertThat(TypeInformation.of(AnalyticsEvent.class)).isNotEqualTo(info);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accumulators")
  void roundTripIsExact(String name, WindowAccumulator acc) throws Exception {
    byte[] bytes = serialize(acc);
    WindowAccumulator back = deserialize(bytes);
    assertThat(back).isEqualTo(acc);
    assertThat(back.hashCode()).isEqualTo(acc.hashCode());
    assertThat(fill(back)).isEqualTo(fill(acc));
    for (double q = 0; q <= 1; q += 0.0005) {
      assertThat(back.quantile(q)).as("q=" + q).isEqualTo(Double.valueOf(acc.quantile(q)));
    }
    assertThat(serialize(back)).as("serialization is deterministic").containsExactly(bytes);
    // The restored accumulator keeps working: same state after the same further input.
    acc.add(12.5, 2.0);
    back.add(12.5, 2.0);
    assertThat(back).isEqualTo(acc);
    WindowAccumulator other = accumulate(new double[] {-1, 1e4});
    assertThat(back.copy().merge(other)).isEqualTo(acc.copy().merge(other));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accumulators")
  void deserializeWithReuseAndStreamCopy(String name, WindowAccumulator acc) throws Exception {
    byte[] bytes = serialize(acc);
    WindowAccumulator reuse = accumulate(new double[] {1, 2, 3});
    assertThat(SERIALIZER.deserialize(reuse, new DataInputDeserializer(bytes))).isEqualTo(acc);

    // Two records back to back: copy(source, target) consumes exactly one.
    DataOutputSerializer twice = new DataOutputSerializer(64);
    SERIALIZER.serialize(acc, twice);
    SERIALIZER.serialize(acc, twice);
    DataInputDeserializer source = new DataInputDeserializer(twice.getCopyOfBuffer());
    DataOutputSerializer target = new DataOutputSerializer(64);
    SERIALIZER.copy(source, target);
    SERIALIZER.copy(source, target);
    assertThat(source.available()).isEqualTo(0);
    assertThat(target.getCopyOfBuffer()).containsExactly(twice.getCopyOfBuffer());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accumulators")
  void copiesAreDeep(String name, WindowAccumulator acc) {
    WindowAccumulator copy = SERIALIZER.copy(acc);
    WindowAccumulator copyWithReuse = SERIALIZER.copy(acc, new WindowAccumulator());
    assertThat(copy).isNotSameAs(acc);
    assertThat(copy).isEqualTo(acc);
    assertThat(copyWithReuse).isEqualTo(acc);
    WindowAccumulator before = acc.copy();
    copy.add(5e5, 1.0);
    copy.add(-5e-5, 1.0);
    assertThat(acc).as("changing the copy leaves the original alone").isEqualTo(before);
    assertThat(copy).isNotEqualTo(acc);
  }

  @Test
  void serializerContract() throws Exception {
    assertThat(SERIALIZER.isImmutableType()).isFalse();
    assertThat(SERIALIZER.getLength()).isEqualTo(-1);
    assertThat(SERIALIZER.createInstance()).isEqualTo(new WindowAccumulator());
    TypeSerializer<WindowAccumulator> duplicate = SERIALIZER.duplicate();
    assertThat(duplicate).isEqualTo(SERIALIZER);
    assertThat(duplicate.hashCode()).isEqualTo(SERIALIZER.hashCode());
    WindowAccumulatorSerializer javaCopy = InstantiationUtil.clone(SERIALIZER);
    assertThat(javaCopy).isEqualTo(SERIALIZER);
    assertThat(javaCopy.hashCode()).isEqualTo(SERIALIZER.hashCode());
    WindowAccumulator acc = accumulate(new double[] {1, 2, 3});
    assertThat(deserialize(serialize(acc, javaCopy))).isEqualTo(acc);
  }

  @Test
  void snapshotRoundTripAndCompatibility() throws Exception {
    TypeSerializerSnapshot<WindowAccumulator> snapshot = SERIALIZER.snapshotConfiguration();
    assertThat(snapshot.getCurrentVersion()).isEqualTo(1);
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<WindowAccumulator> restored =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

    assertThat(restored).isEqualTo(snapshot);
    assertThat(restored.hashCode()).isEqualTo(snapshot.hashCode());
    assertThat(restored.restoreSerializer()).isEqualTo(SERIALIZER);
    TypeSerializerSchemaCompatibility<WindowAccumulator> compatibility =
        SERIALIZER.snapshotConfiguration().resolveSchemaCompatibility(restored);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
  }

  @Test
  void snapshotOfOtherSketchParametersIsIncompatible() {
    TypeSerializerSnapshot<WindowAccumulator> older =
        new WindowAccumulatorSerializer.Snapshot(0.01, WindowAccumulator.MAX_BINS);
    TypeSerializerSnapshot<WindowAccumulator> fewerBins =
        new WindowAccumulatorSerializer.Snapshot(WindowAccumulator.RELATIVE_ACCURACY, 512);
    TypeSerializerSnapshot<WindowAccumulator> current = SERIALIZER.snapshotConfiguration();
    assertThat(current.resolveSchemaCompatibility(older).isIncompatible()).isTrue();
    assertThat(current.resolveSchemaCompatibility(fewerBins).isIncompatible()).isTrue();
    assertThat(older).isNotEqualTo(current);
    assertThatExceptionOfType(IllegalStateException.class).isThrownBy(older::restoreSerializer);
  }

  @Test
  void snapshotRefusesAnUnknownVersion() {
    WindowAccumulatorSerializer.Snapshot snapshot = new WindowAccumulatorSerializer.Snapshot();
    DataOutputSerializer out = new DataOutputSerializer(16);
    IOException e =
        assertThatExceptionOfType(IOException.class)
            .isThrownBy(
                () ->
                    snapshot.readSnapshot(
                        2,
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader()))
            .actual();
    assertThat(e.getMessage().contains("version 2")).as(e.getMessage()).isTrue();
  }

  @Test
  void refusesCorruptOrTruncatedRecords() throws Exception {
    byte[] bytes = serialize(accumulate(sample(1000, 8, r -> () -> r.nextGaussian())));
    for (int length = 0; length < bytes.length; length += 7) {
      byte[] truncated = Arrays.copyOf(bytes, length);
      assertThatExceptionOfType(EOFException.class)
          .as("length " + length)
          .isThrownBy(() -> deserialize(truncated));
    }
    // valueCount (third field) larger than keptCount.
    DataOutputSerializer out = new DataOutputSerializer(16);
    out.writeByte(1);
    out.writeDouble(1.0);
    out.writeByte(2);
    assertThatExceptionOfType(IOException.class)
        .isThrownBy(() -> deserialize(out.getCopyOfBuffer()));
    // A sketch that holds fewer values than valueCount: bump valueCount in a one-value record.
    // Layout: keptCount (1 byte here), weightedCount (8 bytes), valueCount (1 byte, offset 9).
    byte[] more = serialize(accumulate(new double[] {4.0}));
    more[0] = 2;
    more[9] = 2;
    assertThatExceptionOfType(IOException.class).isThrownBy(() -> deserialize(more));
  }

  private static byte[] serialize(WindowAccumulator acc) throws IOException {
    return serialize(acc, SERIALIZER);
  }

  private static byte[] serialize(WindowAccumulator acc, WindowAccumulatorSerializer serializer)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(acc, out);
    return out.getCopyOfBuffer();
  }

  private static WindowAccumulator deserialize(byte[] bytes) throws IOException {
    return SERIALIZER.deserialize(new DataInputDeserializer(bytes));
  }
}
