package dev.analytics.pipeline.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.testing.TestEvents;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every record that crosses operators or lives in state is a Flink POJO, never Kryo. The window
 * accumulator is the exception: it holds a sketch and has its own serializer, tested in {@code
 * WindowAccumulatorSerializerTest}.
 */
class PojoSerializationTest {

  static Stream<Class<?>> records() {
    return Stream.of(
        AnalyticsEvent.class, DeadLetter.class, ParsedRecord.class, WindowAggregate.class);
  }

  @ParameterizedTest
  @MethodSource("records")
  void isAPojoWithoutGenericFields(Class<?> type) {
    TypeInformation<?> info = TypeInformation.of(type);
    PojoTypeInfo<?> pojo =
        assertThat(info)
            .as(type + " is not a POJO")
            .asInstanceOf(InstanceOfAssertFactories.type(PojoTypeInfo.class))
            .actual();
    for (int i = 0; i < pojo.getArity(); i++) {
      TypeInformation<?> field = pojo.getPojoFieldAt(i).getTypeInformation();
      assertThat((field instanceof GenericTypeInfo))
          .as(type.getSimpleName() + "." + pojo.getPojoFieldAt(i).getField().getName() + " is Kryo")
          .isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("records")
  void serializesWithGenericTypesDisabled(Class<?> type) throws Exception {
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    roundTrip(type, config);
  }

  @SuppressWarnings("unchecked")
  private static <T> void roundTrip(Class<T> type, SerializerConfig config) throws Exception {
    TypeSerializer<T> serializer = TypeInformation.of(type).createSerializer(config);
    T value = sample(type);
    DataOutputSerializer out = new DataOutputSerializer(256);
    serializer.serialize(value, out);
    T copy = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    if (value instanceof ParsedRecord p) {
      assertThat(((ParsedRecord) copy).event).isEqualTo(p.event);
    } else {
      assertThat(copy).isEqualTo(value);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T sample(Class<T> type) {
    AnalyticsEvent e =
        TestEvents.event("performance.response_time")
            .id("e-1")
            .at(1_767_225_600_000L)
            .value(81.5)
            .priority(Priority.HIGH)
            .dim("region", "eu")
            .properties("{\"a\":1}")
            .build();
    if (type == AnalyticsEvent.class) {
      return (T) e;
    }
    if (type == ParsedRecord.class) {
      return (T) ParsedRecord.of(e);
    }
    if (type == DeadLetter.class) {
      return (T)
          DeadLetter.of(
              DeadLetterReason.WRONG_TYPE,
              "value",
              "expected a number",
              new byte[] {1, 2, 3},
              2,
              "t",
              1,
              2,
              3);
    }
    WindowAggregate a = new WindowAggregate();
    a.eventType = "t";
    a.granularity = "1m";
    a.dimensions.put("region", "eu");
    a.estimatedCount = 10;
    a.keptCount = 5;
    a.valueCount = 5;
    a.sum = 120.5;
    a.min = 1.5;
    a.max = 80;
    a.mean = 24.1;
    a.p50 = 10;
    return (T) a;
  }
}
