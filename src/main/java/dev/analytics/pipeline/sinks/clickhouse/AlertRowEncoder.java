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
    time(a.windowStart, out);
    time(a.windowEnd, out);
    out.string(a.pattern);
    out.string(a.metric);
    out.float64(a.value);
    out.float64(a.baseline);
    out.float64(a.confidence);
    out.uint32(a.version);
    out.string(a.message);
  }

  private void time(long epochMillis, RowBinaryWriter out) {
    if (variant == TableVariant.CURRENT) {
      out.dateTime64Millis(epochMillis);
    } else {
      out.dateTimeWithMillis(epochMillis);
    }
  }

  private static List<ClickHouseColumn> columnsInOrder(TableVariant v) {
    boolean current = v == TableVariant.CURRENT;
    String lowCardinality = current ? "LowCardinality(String)" : "String";
    List<ClickHouseColumn> c = new ArrayList<>();
    c.add(new ClickHouseColumn("event_type", lowCardinality));
    c.addAll(Dimensions.columns(v));
    c.add(new ClickHouseColumn("granularity", lowCardinality));
    if (current) {
      c.add(new ClickHouseColumn("window_start", "DateTime64(3, 'UTC')"));
    } else {
      c.add(new ClickHouseColumn("window_start", "DateTime('UTC')"));
      c.add(new ClickHouseColumn("window_start_millis", "UInt16"));
    }
    if (current) {
      c.add(new ClickHouseColumn("window_end", "DateTime64(3, 'UTC')"));
    } else {
      c.add(new ClickHouseColumn("window_end", "DateTime('UTC')"));
      c.add(new ClickHouseColumn("window_end_millis", "UInt16"));
    }
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
