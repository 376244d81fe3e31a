-- alerts, current DDL: for ClickHouse 22.2 and later (the job creates its tables with this file on
-- such a server; ../alerts.sql is the DDL of 18.16 and works everywhere). Same rows, same key,
-- same meaning as ../alerts.sql (read its banner); what differs: times are DateTime64(3, 'UTC')
-- (no *_millis columns), dimensions is a Map(String, String), event_type, granularity, pattern and
-- metric are LowCardinality(String), codecs compress times, doubles and text, and the
-- deduplication window is in SETTINGS. Read with FINAL, or argMax(column, version) grouped by the
-- key:
--
--   SELECT window_start, event_type, pattern, metric, value, baseline, message
--   FROM alerts FINAL
--   WHERE window_start >= now() - INTERVAL 1 DAY AND pattern != 'resolved'
--   ORDER BY window_start DESC;
--
-- Partitioned by UTC day of the window start. Retention: clickhouse.*.ttl when the job creates
-- the table (docs/clickhouse.md), or uncomment the TTL line, or later
--   ALTER TABLE alerts MODIFY TTL toDateTime(window_start) + INTERVAL 400 DAY;
CREATE TABLE IF NOT EXISTS alerts
(
    event_type          LowCardinality(String),
    dims                String CODEC(ZSTD(1)),
    dimensions          Map(String, String) CODEC(ZSTD(1)),
    granularity         LowCardinality(String),
    window_start        DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    window_end          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    pattern             LowCardinality(String),
    metric              LowCardinality(String),
    value               Float64 CODEC(Gorilla, ZSTD(1)),
    baseline            Float64 CODEC(Gorilla, ZSTD(1)),
    confidence          Float64 CODEC(Gorilla, ZSTD(1)),
    version             UInt32,
    message             String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (event_type, dims, granularity, window_start, pattern, metric)
-- TTL toDateTime(window_start) + INTERVAL 400 DAY
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000;
