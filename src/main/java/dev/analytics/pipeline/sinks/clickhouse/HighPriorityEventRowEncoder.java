package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.model.AnalyticsEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A high-priority {@link AnalyticsEvent} as a row of {@code high_priority_events} ({@code
 * sql/clickhouse/high_priority_events.sql}). Row identity: tenant_id (empty when absent) and
 * event_id, within the day of its event time; version: the event time in epoch milliseconds. Absent
 * optional fields are NULL.
 */
public final class HighPriorityEventRowEncoder implements ClickHouseRowEncoder<AnalyticsEvent> {
  private static final long serialVersionUID = 1L;

  private static final List<ClickHouseColumn> COLUMNS = columnsInOrder();

  @Override
  public String defaultTable() {
    return "high_priority_events";
  }

  @Override
  public List<ClickHouseColumn> columns() {
    return COLUMNS;
  }

  @Override
  public long partitionOf(AnalyticsEvent e) {
    return ClickHouseRowEncoder.utcDay(e.timestamp);
  }

  @Override
  public void encode(AnalyticsEvent e, RowBinaryWriter out) {
    out.string(e.eventId);
    out.string(e.eventType);
    out.dateTimeWithMillis(e.timestamp);
    out.nullableFloat64(e.hasValue ? e.value : Double.NaN);
    out.nullableString(e.category);
    out.string(e.priority == null ? "" : e.priority.name().toLowerCase(Locale.ROOT));
    out.nullableString(e.userId);
    out.nullableString(e.tenantId);
    Dimensions.write(e.dimensions, out);
    out.nullableString(e.properties);
    out.float64(e.weight);
    out.float64(e.sampleRate);
    out.uint64(Math.max(0, e.timestamp));
  }

  private static List<ClickHouseColumn> columnsInOrder() {
    List<ClickHouseColumn> c = new ArrayList<>();
    c.add(new ClickHouseColumn("event_id", "String"));
    c.add(new ClickHouseColumn("event_type", "String"));
    c.add(new ClickHouseColumn("event_time", "DateTime('UTC')"));
    c.add(new ClickHouseColumn("event_time_millis", "UInt16"));
    c.add(new ClickHouseColumn("value", "Nullable(Float64)"));
    c.add(new ClickHouseColumn("category", "Nullable(String)"));
    c.add(new ClickHouseColumn("priority", "String"));
    c.add(new ClickHouseColumn("user_id", "Nullable(String)"));
    c.add(new ClickHouseColumn("tenant_id", "Nullable(String)"));
    c.addAll(Dimensions.columns());
    c.add(new ClickHouseColumn("properties", "Nullable(String)"));
    c.add(new ClickHouseColumn("weight", "Float64"));
    c.add(new ClickHouseColumn("sample_rate", "Float64"));
    c.add(new ClickHouseColumn("version", "UInt64"));
    return List.copyOf(c);
  }
}
