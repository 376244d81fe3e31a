-- Dashboard queries over the job's ClickHouse tables (window_aggregates.sql, alerts.sql,
-- high_priority_events.sql). Every table is a ReplacingMergeTree: a repeated insert or a late
-- re-emission leaves several rows per key until parts merge, so read with FINAL (or
-- argMax(column, version) grouped by the key). Times are UTC. Run with
--   clickhouse-client --multiquery < sql/clickhouse/examples.sql
-- or paste one query into the HTTP interface:  curl 'http://localhost:8123/' --data-binary @-
-- Works on ClickHouse 18.16 and current versions.

-- Hourly p99 per event type over the last day. A window's p99 is exact only within its window;
-- the hourly value is the largest window p99 of the hour (percentiles do not average), with the
-- hour's estimated event count beside it.
SELECT
    toStartOfHour(window_start) AS hour,
    event_type,
    max(p99)                    AS max_window_p99,
    sum(estimated_count)        AS events
FROM window_aggregates FINAL
WHERE window_start >= now() - INTERVAL 1 DAY
  AND granularity = '1m'
  AND p99 IS NOT NULL
GROUP BY hour, event_type
ORDER BY hour, event_type;

-- Alerts of the last day, newest first (resolutions left out).
SELECT
    window_start,
    event_type,
    dims,
    pattern,
    metric,
    value,
    baseline,
    confidence,
    message
FROM alerts FINAL
WHERE window_start >= now() - INTERVAL 1 DAY
  AND pattern != 'resolved'
ORDER BY window_start DESC, event_type;

-- Events per type over the last day: the Horvitz-Thompson estimate (sampling weights) and what
-- sampling kept.
SELECT
    event_type,
    sum(estimated_count) AS estimated_events,
    sum(kept_count)      AS kept_events,
    sum(value_sum)       AS estimated_value_sum
FROM window_aggregates FINAL
WHERE window_start >= now() - INTERVAL 1 DAY
  AND granularity = '1m'
GROUP BY event_type
ORDER BY estimated_events DESC;

-- The same without FINAL, with argMax over the version (cheaper on large ranges).
SELECT
    event_type,
    sum(count) AS estimated_events
FROM
(
    SELECT event_type, argMax(estimated_count, version) AS count
    FROM window_aggregates
    WHERE window_start >= now() - INTERVAL 1 DAY AND granularity = '1m'
    GROUP BY event_type, dims, granularity, window_start, window_start_millis
)
GROUP BY event_type
ORDER BY estimated_events DESC;

-- High-priority events per type in the last hour, with the latest occurrence.
SELECT
    event_type,
    count()         AS events,
    max(event_time) AS latest
FROM high_priority_events FINAL
WHERE event_time >= now() - INTERVAL 1 HOUR
GROUP BY event_type
ORDER BY events DESC;

-- Events per value of one dimension (the dimensions are a Nested column).
SELECT
    dimensions.value AS region,
    sum(estimated_count) AS events
FROM window_aggregates FINAL
ARRAY JOIN dimensions
WHERE dimensions.key = 'region'
  AND window_start >= now() - INTERVAL 1 DAY
GROUP BY region
ORDER BY events DESC;
