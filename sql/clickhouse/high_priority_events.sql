-- high_priority_events: the raw events classified high priority (errors, failures, crashes,
-- security events, or an explicit "priority": "high"), written by the Flink job with low latency
-- and at-least-once delivery (by default an insert every 10 events or 200 ms, and at every
-- checkpoint; see docs/clickhouse.md).
--
-- Key (the row identity, the ORDER BY): the tenant (empty when absent) and the event_id, within
-- the UTC day of event_time (the partition): event ids are unique per producer, so two tenants'
-- events with one id are two rows. A replay after a failure inserts the same rows again; the
-- ReplacingMergeTree keeps one row per key, but only when parts merge: always read with FINAL,
-- or argMax(column, version) ... GROUP BY tenant_id, event_id. version is the event time in
-- epoch milliseconds: if a producer reuses an event_id within its tenant, the later event wins.
-- Tables created before this key was ORDER BY event_id: such a table keeps working, with one row
-- per event_id; to key by tenant, create the new table and INSERT INTO it SELECT * FROM the old.
--
--   SELECT event_type, count() AS events
--   FROM high_priority_events FINAL
--   WHERE event_time >= now() - INTERVAL 1 HOUR
--   GROUP BY event_type ORDER BY events DESC;
--
-- Optional fields are NULL when absent. properties is the event's "properties" object as JSON
-- text (visitParamExtractString(properties, 'field') reads a field). weight and sample_rate are
-- 1: high-priority events are never sampled out. Times are UTC: DateTime('UTC') seconds plus a
-- UInt16 of milliseconds (no DateTime64 on ClickHouse 18.16).
--
-- Partitioned by UTC day of the event time. Works on ClickHouse 18.16 and current versions.
-- Retention: uncomment the TTL line (ClickHouse >= 19.6).
CREATE TABLE IF NOT EXISTS high_priority_events
(
    event_id            String,
    event_type          String,
    event_time          DateTime('UTC'),
    event_time_millis   UInt16,
    value               Nullable(Float64),
    category            Nullable(String),
    priority            String,
    user_id             Nullable(String),
    tenant_id           Nullable(String),
    dims                String,
    dimensions          Nested(key String, value String),
    properties          Nullable(String),
    weight              Float64,
    sample_rate         Float64,
    version             UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (ifNull(tenant_id, ''), event_id)
-- TTL event_time + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;
