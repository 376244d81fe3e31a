-- alerts: the patterns detected on the sequence of window aggregates of one key (spike, drop,
-- anomaly, trend) and their resolutions, written by the Flink job exactly-once (rows appear when
-- the checkpoint that holds them completes; see docs/clickhouse.md).
--
-- Key (the row identity, the ORDER BY): event_type, dims, granularity, window_start (+ millis),
-- pattern, metric. An alert re-emitted for the same window after a late update carries
-- version + 1; a repeated insert (a retried commit, a replay after a failure) carries the same key
-- and version. The ReplacingMergeTree keeps one row per key, the highest version, but only when
-- parts merge: always read with FINAL, or argMax(column, version) ... GROUP BY the key:
--
--   SELECT window_start, event_type, pattern, metric, value, baseline, message
--   FROM alerts FINAL
--   WHERE window_start >= now() - INTERVAL 1 DAY AND pattern != 'resolved'
--   ORDER BY window_start DESC;
--
-- dims / dimensions: as in window_aggregates. Times are UTC: DateTime('UTC') seconds plus a
-- UInt16 of milliseconds (no DateTime64 on ClickHouse 18.16).
--
-- Partitioned by UTC day of the window start. Works on ClickHouse 18.16 and current versions.
-- On ClickHouse >= 22.2 the job also sends insert_deduplication_token, which a plain MergeTree
-- honours only with "non_replicated_deduplication_window = 1000" in SETTINGS: the job adds it to
-- the tables it creates there; add it by hand when you run this file on such a server.
-- Retention: uncomment the TTL line (ClickHouse >= 19.6).
CREATE TABLE IF NOT EXISTS alerts
(
    event_type          String,
    dims                String,
    dimensions          Nested(key String, value String),
    granularity         String,
    window_start        DateTime('UTC'),
    window_start_millis UInt16,
    window_end          DateTime('UTC'),
    window_end_millis   UInt16,
    pattern             String,
    metric              String,
    value               Float64,
    baseline            Float64,
    confidence          Float64,
    version             UInt32,
    message             String
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (event_type, dims, granularity, window_start, window_start_millis, pattern, metric)
-- TTL window_start + INTERVAL 400 DAY
SETTINGS index_granularity = 8192;
