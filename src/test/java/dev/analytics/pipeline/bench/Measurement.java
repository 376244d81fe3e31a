package dev.analytics.pipeline.bench;

/**
 * One figure of the benchmark run: what was measured, its value and unit, and a note (conditions,
 * goal met or not). {@link Benchmarks} prints these as the table and writes them to the report.
 *
 * @param section the section of the report, e.g. "End-to-end throughput"
 * @param name what was measured, e.g. "full pipeline -> ClickHouse, parallelism 2"
 * @param value the figure
 * @param unit e.g. "events/s", "ms", "%", "bytes", "rows/s"
 * @param note conditions or the goal, may be empty
 */
public record Measurement(String section, String name, double value, String unit, String note) {}
