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

  private static final List<ClickHouseColumn> LEGACY_COLUMNS = columnsInOrder(TableVariant.LEGACY);
  private static final List<ClickHouseColumn> CURRENT_COLUMNS =
      columnsInOrder(TableVariant.CURRENT);

  private final TableVariant variant;

  /** For tables of {@link TableVariant#LEGACY} (ClickHouse 18.16's DDL). */
  public HighPriorityEventRowEncoder() {
    this(TableVariant.LEGACY);
  }

  public HighPriorityEventRowEncoder(TableVariant variant) {
    this.variant = java.util.Objects.requireNonNull(variant, "variant");
  }

  @Override
  public TableVariant variant() {
    return variant;
  }

  @Override
  public HighPriorityEventRowEncoder withVariant(TableVariant variant) {
    return variant == this.variant ? this : new HighPriorityEventRowEncoder(variant);
  }

  @Override
  public String defaultTable() {
    return "high_priority_events";
  }

  @Override
  public List<ClickHouseColumn> columns() {
    return variant == TableVariant.CURRENT ? CURRENT_COLUMNS : LEGACY_COLUMNS;
  }

  @Override
  public long partitionOf(AnalyticsEvent e) {
    return ClickHouseRowEncoder.utcDay(e.timestamp);
  }

  @Override
  public void encode(AnalyticsEvent e, RowBinaryWriter out) {
    out.string(e.eventId);
    out.string(e.eventType);
    variant.writeTime(e.timestamp, out);
    out.nullableFloat64(e.hasValue ? e.value : Double.NaN);
    out.nullableString(e.category);
    out.string(e.priority == null ? "" : e.priority.name().toLowerCase(Locale.ROOT));
    out.nullableString(e.userId);
    out.nullableString(e.tenantId);
    Dimensions.write(e.dimensions, variant, out);
    out.nullableString(e.properties);
    out.float64(e.weight);
    out.float64(e.sampleRate);
    out.uint64(Math.max(0, e.timestamp));
  }

  private static List<ClickHouseColumn> columnsInOrder(TableVariant v) {
    String lowCardinality = v.fewValued("String");
    List<ClickHouseColumn> c = new ArrayList<>();
    c.add(new ClickHouseColumn("event_id", "String"));
    c.add(new ClickHouseColumn("event_type", lowCardinality));
    c.addAll(v.timeColumns("event_time"));
    c.add(new ClickHouseColumn("value", "Nullable(Float64)"));
    c.add(new ClickHouseColumn("category", v.fewValued("Nullable(String)")));
    c.add(new ClickHouseColumn("priority", lowCardinality));
    c.add(new ClickHouseColumn("user_id", "Nullable(String)"));
    c.add(new ClickHouseColumn("tenant_id", "Nullable(String)"));
    c.addAll(Dimensions.columns(v));
    c.add(new ClickHouseColumn("properties", "Nullable(String)"));
    c.add(new ClickHouseColumn("weight", "Float64"));
    c.add(new ClickHouseColumn("sample_rate", "Float64"));
    c.add(new ClickHouseColumn("version", "UInt64"));
    return List.copyOf(c);
  }
}
