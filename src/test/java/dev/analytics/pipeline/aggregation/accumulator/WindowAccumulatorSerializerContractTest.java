package dev.analytics.pipeline.aggregation.accumulator;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The accumulator's serializer against Flink's own contract ({@link SerializerTestBase}, from
 * flink-core's test jar): round trips one by one and as a sequence, with and without reuse, copies,
 * stream-to-stream copies, duplicate, snapshot and restore, Java serializability and equality, on
 * the accumulators of {@link WindowAccumulatorSerializerTest#accumulators} (empty, counts only, one
 * value, zeros, weighted, sparse, mixed signs over 12 decades with collapsed stores). The specific
 * checks (corrupt input refused, the type information found through the annotation) stay in {@link
 * WindowAccumulatorSerializerTest}.
 */
class WindowAccumulatorSerializerContractTest extends SerializerTestBase<WindowAccumulator> {
  @Override
  protected TypeSerializer<WindowAccumulator> createSerializer() {
    return WindowAccumulatorSerializer.INSTANCE;
  }

  @Override
  protected int getLength() {
    return -1; // variable length
  }

  @Override
  protected Class<WindowAccumulator> getTypeClass() {
    return WindowAccumulator.class;
  }

  @Override
  protected WindowAccumulator[] getTestData() {
    return WindowAccumulatorSerializerTest.accumulators()
        .map(arguments -> (WindowAccumulator) arguments.get()[1])
        .toArray(WindowAccumulator[]::new);
  }
}
