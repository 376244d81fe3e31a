package dev.analytics.pipeline.aggregation.accumulator;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Tells Flink's type extraction, through the {@code @TypeInfo} annotation on {@link
 * WindowAccumulator}, to use {@link WindowAccumulatorTypeInfo} instead of analysing the class
 * (which is not a POJO and would otherwise fall back to Kryo).
 */
public class WindowAccumulatorTypeInfoFactory extends TypeInfoFactory<WindowAccumulator> {
  @Override
  public TypeInformation<WindowAccumulator> createTypeInfo(
      Type t, Map<String, TypeInformation<?>> genericParameters) {
    return WindowAccumulatorTypeInfo.INSTANCE;
  }
}
