-- high_priority_events, current DDL: for ClickHouse 22.2 and later (the job creates its tables
-- with this file on such a server; ../high_priority_events.sql is the DDL of 18.16 and works
-- everywhere). Same rows, same key, same meaning as ../high_priority_events.sql (read its
-- banner); what differs: event_time is DateTime64(3, 'UTC') (no event_time_millis column),
-- dimensions is a Map(String, String), event_type, priority and category are LowCardinality, codecs
-- compress the time, doubles and text, and the deduplication window is in SETTINGS (the sink's
-- at-least-once inserts carry no token; it is there for a uniform table). Read with FINAL, or
-- argMax(column, version) ... GROUP BY tenant_id, event_id:
--
--   SELECT event_type, count() AS events
--   FROM high_priority_events FINAL
--   WHERE event_time >= now() - INTERVAL 1 HOUR
--   GROUP BY event_type ORDER BY events DESC;
--
-- Partitioned by UTC day of the event time. Retention: clickhouse.*.ttl when the job creates
-- the table (docs/clickhouse.md), or uncomment the TTL line, or later
--   ALTER TABLE high_priority_events MODIFY TTL toDateTime(event_time) + INTERVAL 90 DAY;
CREATE TABLE IF NOT EXISTS high_priority_events
(
    event_id            String CODEC(ZSTD(1)),
    event_type          LowCardinality(String),
    event_time          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    value               Nullable(Float64) CODEC(Gorilla, ZSTD(1)),
    category            LowCardinality(Nullable(String)),
    priority            LowCardinality(String),
    user_id             Nullable(String) CODEC(ZSTD(1)),
    tenant_id           Nullable(String) CODEC(ZSTD(1)),
    dims                String CODEC(ZSTD(1)),
    dimensions          Map(String, String) CODEC(ZSTD(1)),
    properties          Nullable(String) CODEC(ZSTD(1)),
    weight              Float64 CODEC(Gorilla, ZSTD(1)),
    sample_rate         Float64 CODEC(Gorilla, ZSTD(1)),
    version             UInt64 CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (ifNull(tenant_id, ''), event_id)
-- TTL toDateTime(event_time) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000;
