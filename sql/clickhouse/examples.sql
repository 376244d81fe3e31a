-- Dashboard queries over the job's ClickHouse tables (window_aggregates.sql, alerts.sql,
-- high_priority_events.sql). Every table is a ReplacingMergeTree: a repeated insert or a late
-- re-emission leaves several rows per key until parts merge, so read with FINAL (or
-- argMax(column, version) grouped by the key). Times are UTC. Run with
--   clickhouse-client --multiquery < sql/clickhouse/examples.sql
-- or paste one query into the HTTP interface:  curl 'http://localhost:8123/' --data-binary @-
-- Works on ClickHouse 18.16 and current versions, on tables of this directory's DDL (the 18.16
-- one); tables of current/*.sql (ClickHouse 22.2 and later) take current/examples.sql.

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

-- p50..p99.9 and the standard deviation of performance.response_time across all its dimensions
-- (every endpoint, region, ...) over the last 7 days, merged from the 1-minute rows: no rollup is
-- needed, any range of windows and any subset of dimensions (add to the WHERE) works the same way.
-- The percentiles are those the job's sketch would give over the same rows (relative error at most
-- 0.75% of the exact ones), the deviation is exact. How: sumMap adds the counts of equal bin keys
-- (the merge of the sketches); a percentile q is the value of the first bin whose running count
-- exceeds q * (N - 1), N the number of values, clamped into [min, max]. A bin key k > 0 is the
-- value exp((k - 100000) / 66.66541664791599) * 1.0075, k < 0 its negative for -k, 0 is 0 (see
-- docs/clickhouse.md). The moments merge by Chan's formula: M2 = sum(n_i * variance_pop_i) +
-- sum(n_i * (mean_i - mean)^2). sketched_values below merged_values: some rows predate the bins.
WITH
    tupleElement(bins, 1)                 AS bin_keys,
    arrayCumSum(tupleElement(bins, 2))    AS ranks,
    arraySum(tupleElement(bins, 2))       AS sketched,
    arrayMap(k -> multiIf(k > 0, exp((k - 100000) / 66.66541664791599) * 1.0075,
                          k < 0, -exp((-k - 100000) / 66.66541664791599) * 1.0075, 0),
             bin_keys)                    AS bin_values
SELECT
    event_type,
    merged_values,
    sketched                                                                     AS sketched_values,
    greatest(lowest, least(highest, bin_values[arrayFirstIndex(r -> r > 0.5 * (sketched - 1), ranks)]))   AS merged_p50,
    greatest(lowest, least(highest, bin_values[arrayFirstIndex(r -> r > 0.75 * (sketched - 1), ranks)]))  AS merged_p75,
    greatest(lowest, least(highest, bin_values[arrayFirstIndex(r -> r > 0.9 * (sketched - 1), ranks)]))   AS merged_p90,
    greatest(lowest, least(highest, bin_values[arrayFirstIndex(r -> r > 0.95 * (sketched - 1), ranks)]))  AS merged_p95,
    greatest(lowest, least(highest, bin_values[arrayFirstIndex(r -> r > 0.99 * (sketched - 1), ranks)]))  AS merged_p99,
    greatest(lowest, least(highest, bin_values[arrayFirstIndex(r -> r > 0.999 * (sketched - 1), ranks)])) AS merged_p999,
    merged_mean,
    sqrt(m2 / merged_values)                                                     AS merged_stddev_pop,
    sqrt(m2 / (merged_values - 1))                                               AS merged_stddev_sample
FROM
(
    SELECT
        event_type,
        sumMap(sketch_index, sketch_count)                        AS bins,
        min(value_min)                                            AS lowest,
        max(value_max)                                            AS highest,
        sum(value_count)                                          AS merged_values,
        sum(value_count * ifNull(value_mean, 0)) / merged_values  AS merged_mean,
        sum(value_count * ifNull(variance_pop, 0))
          + arraySum(arrayMap(t -> tupleElement(t, 1) * (tupleElement(t, 2) - merged_mean)
                                                      * (tupleElement(t, 2) - merged_mean),
                              groupArray((value_count, ifNull(value_mean, 0)))))  AS m2
    FROM window_aggregates FINAL
    WHERE event_type = 'performance.response_time'
      AND granularity = '1m'
      AND window_start >= now() - INTERVAL 7 DAY
      AND value_count > 0
    GROUP BY event_type
)
ORDER BY event_type;

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
