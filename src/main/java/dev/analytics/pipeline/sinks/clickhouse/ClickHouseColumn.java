package dev.analytics.pipeline.sinks.clickhouse;

import java.io.Serializable;

/**
 * A column that a {@link ClickHouseRowEncoder} writes: its name and its ClickHouse type as {@code
 * system.columns} reports it (e.g. {@code Nullable(Float64)}, {@code DateTime('UTC')}).
 */
public record ClickHouseColumn(String name, String type) implements Serializable {}
