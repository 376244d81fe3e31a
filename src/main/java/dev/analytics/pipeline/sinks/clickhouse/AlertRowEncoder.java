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

  private static final List<ClickHouseColumn> COLUMNS = columnsInOrder();

  @Override
  public String defaultTable() {
    return "alerts";
  }

  @Override
  public List<ClickHouseColumn> columns() {
    return COLUMNS;
  }

  @Override
  public long partitionOf(Alert a) {
    return ClickHouseRowEncoder.utcDay(a.windowStart);
  }

  @Override
  public void encode(Alert a, RowBinaryWriter out) {
    out.string(a.eventType);
    Dimensions.write(a.dimensions, out);
    out.string(a.granularity);
    out.dateTimeWithMillis(a.windowStart);
    out.dateTimeWithMillis(a.windowEnd);
    out.string(a.pattern);
    out.string(a.metric);
    out.float64(a.value);
    out.float64(a.baseline);
    out.float64(a.confidence);
    out.uint32(a.version);
    out.string(a.message);
  }

  private static List<ClickHouseColumn> columnsInOrder() {
    List<ClickHouseColumn> c = new ArrayList<>();
    c.add(new ClickHouseColumn("event_type", "String"));
    c.addAll(Dimensions.columns());
    c.add(new ClickHouseColumn("granularity", "String"));
    c.add(new ClickHouseColumn("window_start", "DateTime('UTC')"));
    c.add(new ClickHouseColumn("window_start_millis", "UInt16"));
    c.add(new ClickHouseColumn("window_end", "DateTime('UTC')"));
    c.add(new ClickHouseColumn("window_end_millis", "UInt16"));
    c.add(new ClickHouseColumn("pattern", "String"));
    c.add(new ClickHouseColumn("metric", "String"));
    c.add(new ClickHouseColumn("value", "Float64"));
    c.add(new ClickHouseColumn("baseline", "Float64"));
    c.add(new ClickHouseColumn("confidence", "Float64"));
    c.add(new ClickHouseColumn("version", "UInt32"));
    c.add(new ClickHouseColumn("message", "String"));
    return List.copyOf(c);
  }
}
