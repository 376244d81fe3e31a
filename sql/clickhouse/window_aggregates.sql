-- window_aggregates: the statistics of one aggregation key over one tumbling event-time window,
-- written by the Flink job exactly-once (rows appear when the checkpoint that holds them
-- completes; see docs/clickhouse.md).
--
-- Key (the row identity, the ORDER BY): event_type, dims, granularity, window_start (+ millis).
-- A late event within the allowed lateness re-emits its window with version + 1; a repeated
-- insert (a retried commit, a replay after a failure) carries the same key and version. The
-- ReplacingMergeTree keeps one row per key, the highest version, but only when parts merge:
-- always read with FINAL, or argMax(column, version) ... GROUP BY the key:
--
--   SELECT event_type, window_start, estimated_count, p99
--   FROM window_aggregates FINAL
--   WHERE window_start >= now() - INTERVAL 1 DAY AND event_type = 'performance.response_time';
--
--   SELECT event_type, window_start, argMax(estimated_count, version) AS estimated_count
--   FROM window_aggregates WHERE window_start >= today() GROUP BY event_type, dims, granularity,
--   window_start, window_start_millis;
--
-- dims is the canonical form of the dimensions (sorted key=value pairs joined with ',', with
-- '\', ',' and '=' in values escaped by '\'); dimensions.key / dimensions.value hold the same
-- pairs as a Nested column (ARRAY JOIN dimensions). Times are UTC: DateTime('UTC') seconds plus
-- a UInt16 of milliseconds (no DateTime64 on ClickHouse 18.16). Statistics of the values are
-- NULL when the window had no value (value_count = 0; the variance_sample below 2 values).
-- estimated_count and value_sum are Horvitz-Thompson estimates (sampling weights); kept_count is
-- what survived sampling, sample_rate their ratio.
-- sketch_index and sketch_count are the bins of the row's percentile sketch (a DDSketch of
-- relative accuracy 0.0075, one key per non-empty bin, ascending in value order, and the number of
-- values in each): SQL merges them over any windows and dimensions into percentiles equal to those
-- the job would compute over the same windows, and value_count, value_mean and variance_pop merge
-- into the exact standard deviation. The query is in examples.sql, the definition in
-- docs/clickhouse.md ("Percentiles and variance over any range"). Rows of versions before them
-- hold [] (the job adds both columns to such a table when it creates tables).
--
-- Partitioned by UTC day of the window start. Works on ClickHouse 18.16 and current versions.
-- On ClickHouse >= 22.2 the job also sends insert_deduplication_token, which a plain MergeTree
-- honours only with "non_replicated_deduplication_window = 1000" in SETTINGS: the job adds it to
-- the tables it creates there; add it by hand when you run this file on such a server.
-- Retention: uncomment the TTL line (ClickHouse >= 19.6).
CREATE TABLE IF NOT EXISTS window_aggregates
(
    event_type          String,
    dims                String,
    dimensions          Nested(key String, value String),
    granularity         String,
    window_start        DateTime('UTC'),
    window_start_millis UInt16,
    window_end          DateTime('UTC'),
    window_end_millis   UInt16,
    version             UInt32,
    estimated_count     Float64,
    kept_count          UInt64,
    sample_rate         Float64,
    value_count         UInt64,
    value_sum           Float64,
    value_min           Nullable(Float64),
    value_max           Nullable(Float64),
    value_mean          Nullable(Float64),
    variance_pop        Nullable(Float64),
    variance_sample     Nullable(Float64),
    stddev_pop          Nullable(Float64),
    stddev_sample       Nullable(Float64),
    p50                 Nullable(Float64),
    p75                 Nullable(Float64),
    p90                 Nullable(Float64),
    p95                 Nullable(Float64),
    p99                 Nullable(Float64),
    p999                Nullable(Float64),
    anomaly_score       Nullable(Float64),
    sketch_index        Array(Int32),
    sketch_count        Array(Float64)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (event_type, dims, granularity, window_start, window_start_millis)
-- TTL window_start + INTERVAL 400 DAY
SETTINGS index_granularity = 8192;
