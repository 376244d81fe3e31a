package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.model.Alert;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Alert} as a row of {@code alerts} ({@code sql/clickhouse/alerts.sql}). Row identity:
 * event_type, dims, granularity, window_start, pattern, metric; version: the alert's version. A
 * null string is written as the empty string.
 */
public final class AlertRowEncoder implements ClickHouseRowEncoder<Alert> {
  private static final long serialVersionUID = 1L;

  private static final List<ClickHouseColumn> LEGACY_COLUMNS = columnsInOrder(TableVariant.LEGACY);
  private static final List<ClickHouseColumn> CURRENT_COLUMNS =
      columnsInOrder(TableVariant.CURRENT);

  private final TableVariant variant;

  /** For tables of {@link TableVariant#LEGACY} (ClickHouse 18.16's DDL). */
  public AlertRowEncoder() {
    this(TableVariant.LEGACY);
  }

  public AlertRowEncoder(TableVariant variant) {
    this.variant = java.util.Objects.requireNonNull(variant, "variant");
  }

  @Override
  public TableVariant variant() {
    return variant;
  }

  @Override
  public AlertRowEncoder withVariant(TableVariant variant) {
    return variant == this.variant ? this : new AlertRowEncoder(variant);
  }

  @Override
  public String defaultTable() {
    return "alerts";
  }

  @Override
  public List<ClickHouseColumn> columns() {
    return variant == TableVariant.CURRENT ? CURRENT_COLUMNS : LEGACY_COLUMNS;
  }

  @Override
  public long partitionOf(Alert a) {
    return ClickHouseRowEncoder.utcDay(a.windowStart);
  }

  @Override
  public void encode(Alert a, RowBinaryWriter out) {
    out.string(a.eventType);
    Dimensions.write(a.dimensions, variant, out);
    out.string(a.granularity);
    variant.writeTime(a.windowStart, out);
    variant.writeTime(a.windowEnd, out);
    out.string(a.pattern);
    out.string(a.metric);
    out.float64(a.value);
    out.float64(a.baseline);
    out.float64(a.confidence);
    out.uint32(a.version);
    out.string(a.message);
  }

  private static List<ClickHouseColumn> columnsInOrder(TableVariant v) {
    String lowCardinality = v.fewValued("String");
    List<ClickHouseColumn> c = new ArrayList<>();
    c.add(new ClickHouseColumn("event_type", lowCardinality));
    c.addAll(Dimensions.columns(v));
    c.add(new ClickHouseColumn("granularity", lowCardinality));
    c.addAll(v.timeColumns("window_start"));
    c.addAll(v.timeColumns("window_end"));
    c.add(new ClickHouseColumn("pattern", lowCardinality));
    c.add(new ClickHouseColumn("metric", lowCardinality));
    c.add(new ClickHouseColumn("value", "Float64"));
    c.add(new ClickHouseColumn("baseline", "Float64"));
    c.add(new ClickHouseColumn("confidence", "Float64"));
    c.add(new ClickHouseColumn("version", "UInt32"));
    c.add(new ClickHouseColumn("message", "String"));
    return List.copyOf(c);
  }
}
