-- window_aggregates, current DDL: for ClickHouse 22.2 and later (the job creates its tables with
-- this file on such a server; ../window_aggregates.sql is the DDL of 18.16 and works everywhere).
-- Same rows, same key, same meaning as ../window_aggregates.sql (read its banner); what differs:
--   * times are DateTime64(3, 'UTC') (milliseconds in the column: no window_start_millis /
--     window_end_millis columns);
--   * dimensions is a Map(String, String): dimensions['region'] reads one dimension (there are no
--     dimensions.key / dimensions.value arrays; mapKeys(dimensions) / mapValues(dimensions) are);
--   * event_type and granularity are LowCardinality(String); times, doubles and the sketch have
--     compression codecs;
--   * the deduplication window that makes the job's insert_deduplication_token effective on a
--     plain MergeTree is in SETTINGS.
-- Queries for this layout: sql/clickhouse/current/examples.sql. Read with FINAL, or argMax:
--
--   SELECT event_type, window_start, estimated_count, p99
--   FROM window_aggregates FINAL
--   WHERE window_start >= now() - INTERVAL 1 DAY AND event_type = 'performance.response_time';
--
--   SELECT event_type, window_start, argMax(estimated_count, version) AS estimated_count
--   FROM window_aggregates WHERE window_start >= today() GROUP BY event_type, dims, granularity,
--   window_start;
--
-- Partitioned by UTC day of the window start. Retention: clickhouse.*.ttl when the job creates
-- the table (docs/clickhouse.md), or uncomment the TTL line, or later
--   ALTER TABLE window_aggregates MODIFY TTL toDateTime(window_start) + INTERVAL 400 DAY;
CREATE TABLE IF NOT EXISTS window_aggregates
(
    event_type          LowCardinality(String),
    dims                String CODEC(ZSTD(1)),
    dimensions          Map(String, String) CODEC(ZSTD(1)),
    granularity         LowCardinality(String),
    window_start        DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    window_end          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    version             UInt32,
    estimated_count     Float64 CODEC(Gorilla, ZSTD(1)),
    kept_count          UInt64 CODEC(T64, ZSTD(1)),
    sample_rate         Float64 CODEC(Gorilla, ZSTD(1)),
    value_count         UInt64 CODEC(T64, ZSTD(1)),
    value_sum           Float64 CODEC(Gorilla, ZSTD(1)),
    value_min           Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    value_max           Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    value_mean          Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    variance_pop        Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    variance_sample     Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    stddev_pop          Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    stddev_sample       Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    p50                 Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    p75                 Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    p90                 Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    p95                 Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    p99                 Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    p999                Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    anomaly_score       Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    sketch_index        Array(Int32) CODEC(Delta, ZSTD(1)),
    sketch_count        Array(Float64) CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (event_type, dims, granularity, window_start)
-- TTL toDateTime(window_start) + INTERVAL 400 DAY
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000;
