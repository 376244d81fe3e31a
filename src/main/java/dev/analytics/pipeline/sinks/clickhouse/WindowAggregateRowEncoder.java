package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.model.WindowAggregate;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link WindowAggregate} as a row of {@code window_aggregates} ({@code
 * sql/clickhouse/window_aggregates.sql}). Row identity: event_type, dims, granularity,
 * window_start; version: the window's version. Undefined statistics (NaN) are written as NULL; the
 * sketch's bins as two arrays of one length (empty without values).
 */
public final class WindowAggregateRowEncoder implements ClickHouseRowEncoder<WindowAggregate> {
  private static final long serialVersionUID = 1L;

  private static final List<ClickHouseColumn> LEGACY_COLUMNS = columnsInOrder(TableVariant.LEGACY);
  private static final List<ClickHouseColumn> CURRENT_COLUMNS =
      columnsInOrder(TableVariant.CURRENT);

  private final TableVariant variant;

  /** For tables of {@link TableVariant#LEGACY} (ClickHouse 18.16's DDL). */
  public WindowAggregateRowEncoder() {
    this(TableVariant.LEGACY);
  }

  public WindowAggregateRowEncoder(TableVariant variant) {
    this.variant = java.util.Objects.requireNonNull(variant, "variant");
  }

  @Override
  public TableVariant variant() {
    return variant;
  }

  @Override
  public WindowAggregateRowEncoder withVariant(TableVariant variant) {
    return variant == this.variant ? this : new WindowAggregateRowEncoder(variant);
  }

  @Override
  public String defaultTable() {
    return "window_aggregates";
  }

  @Override
  public List<ClickHouseColumn> columns() {
    return variant == TableVariant.CURRENT ? CURRENT_COLUMNS : LEGACY_COLUMNS;
  }

  @Override
  public long partitionOf(WindowAggregate a) {
    return ClickHouseRowEncoder.utcDay(a.windowStart);
  }

  @Override
  public void encode(WindowAggregate a, RowBinaryWriter out) {
    out.string(a.eventType);
    Dimensions.write(a.dimensions, variant, out);
    out.string(a.granularity);
    variant.writeTime(a.windowStart, out);
    variant.writeTime(a.windowEnd, out);
    out.uint32(a.version);
    out.float64(a.estimatedCount);
    out.uint64(a.keptCount);
    out.float64(a.sampleRate);
    out.uint64(a.valueCount);
    out.float64(a.sum);
    out.nullableFloat64(a.min);
    out.nullableFloat64(a.max);
    out.nullableFloat64(a.mean);
    out.nullableFloat64(a.variancePop);
    out.nullableFloat64(a.varianceSample);
    out.nullableFloat64(a.stddevPop);
    out.nullableFloat64(a.stddevSample);
    out.nullableFloat64(a.p50);
    out.nullableFloat64(a.p75);
    out.nullableFloat64(a.p90);
    out.nullableFloat64(a.p95);
    out.nullableFloat64(a.p99);
    out.nullableFloat64(a.p999);
    out.nullableFloat64(a.anomalyScore);
    if (a.sketchIndex != null
        && a.sketchCount != null
        && a.sketchIndex.length != a.sketchCount.length) {
      throw new IllegalArgumentException(
          "sketchIndex and sketchCount differ in length: "
              + a.sketchIndex.length
              + " and "
              + a.sketchCount.length);
    }
    out.int32Array(a.sketchIndex);
    out.float64Array(a.sketchCount);
  }

  private static List<ClickHouseColumn> columnsInOrder(TableVariant v) {
    String lowCardinality = v.fewValued("String");
    List<ClickHouseColumn> c = new ArrayList<>();
    c.add(new ClickHouseColumn("event_type", lowCardinality));
    c.addAll(Dimensions.columns(v));
    c.add(new ClickHouseColumn("granularity", lowCardinality));
    c.addAll(v.timeColumns("window_start"));
    c.addAll(v.timeColumns("window_end"));
    c.add(new ClickHouseColumn("version", "UInt32"));
    c.add(new ClickHouseColumn("estimated_count", "Float64"));
    c.add(new ClickHouseColumn("kept_count", "UInt64"));
    c.add(new ClickHouseColumn("sample_rate", "Float64"));
    c.add(new ClickHouseColumn("value_count", "UInt64"));
    c.add(new ClickHouseColumn("value_sum", "Float64"));
    for (String stat :
        List.of(
            "value_min",
            "value_max",
            "value_mean",
            "variance_pop",
            "variance_sample",
            "stddev_pop",
            "stddev_sample",
            "p50",
            "p75",
            "p90",
            "p95",
            "p99",
            "p999",
            "anomaly_score")) {
      c.add(new ClickHouseColumn(stat, "Nullable(Float64)"));
    }
    c.add(new ClickHouseColumn("sketch_index", "Array(Int32)"));
    c.add(new ClickHouseColumn("sketch_count", "Array(Float64)"));
    return List.copyOf(c);
  }
}
