-- analytics_window_aggregate: the statistics of one aggregation key over one tumbling
-- event-time window (and, later, its rollups), written by the job's PostgreSQL aggregate sink.
--
-- Key (row identity): (event_type, dimensions, granularity, window_start). dimensions is jsonb
-- ('{}' when the window is keyed by event type only); jsonb compares by content, so key order
-- does not matter. A late event within the allowed lateness re-emits the window with version + 1;
-- the upsert replaces a row only with a higher version, so each row holds the latest version and
-- a replay changes nothing. In exactly-once mode rows appear when the checkpoint that holds them
-- completes.
--
-- Counts: estimated_count is the Horvitz-Thompson estimate (sum of the sampling weights),
-- kept_count the events kept by sampling, sample_rate their ratio. NULL statistics: no value in
-- the window (variance_sample: fewer than 2). Percentiles have at most 1% relative error.
--
-- sketch_index and sketch_count are the bins of the row's percentile sketch (a DDSketch of
-- relative accuracy 0.0075: one key per non-empty bin, ascending in value order, and the number
-- of values in each). SQL merges them over any windows and dimensions into the percentiles the
-- job would compute over the same rows, and value_count, mean and variance_pop into the exact
-- standard deviation: the functions of percentiles.sql, e.g. p99 of one type over 7 days
--   SELECT merged_p99 FROM window_percentiles('performance.response_time', '1m',
--                                             now() - interval '7 days', now());
-- (docs/postgresql.md, "Percentiles and variance over any range"). Rows of versions before them
-- hold NULL.
--
-- Query, e.g. the last hour of one event type, one row per window:
--   SELECT window_start, dimensions, estimated_count, mean, p95, p99
--   FROM analytics_window_aggregate
--   WHERE event_type = 'performance.response_time' AND granularity = '1m'
--     AND window_start >= now() - interval '1 hour'
--   ORDER BY window_start;
-- A dimension: WHERE dimensions->>'region' = 'eu'.
--
-- The job creates this table itself with postgres.create-tables: true (same DDL, table name from
-- postgres.table.aggregates); otherwise it checks at start-up that it exists with these columns.

CREATE TABLE IF NOT EXISTS analytics_window_aggregate (
  event_type      text             NOT NULL,
  dimensions      jsonb            NOT NULL,
  granularity     text             NOT NULL,
  window_start    timestamptz      NOT NULL,
  window_end      timestamptz      NOT NULL,
  version         integer          NOT NULL,
  estimated_count double precision NOT NULL,
  kept_count      bigint           NOT NULL,
  sample_rate     double precision NOT NULL,
  value_count     bigint           NOT NULL,
  sum             double precision NOT NULL,
  min             double precision,
  max             double precision,
  mean            double precision,
  variance_pop    double precision,
  variance_sample double precision,
  stddev_pop      double precision,
  stddev_sample   double precision,
  p50             double precision,
  p75             double precision,
  p90             double precision,
  p95             double precision,
  p99             double precision,
  p999            double precision,
  anomaly_score   double precision,
  sketch_index    integer[],
  sketch_count    double precision[],
  PRIMARY KEY (event_type, dimensions, granularity, window_start)
);

CREATE INDEX IF NOT EXISTS analytics_window_aggregate_window_start_idx ON analytics_window_aggregate (window_start);

-- Tables made by versions before the anomaly score get its column (a no-op on a new table).
ALTER TABLE analytics_window_aggregate ADD COLUMN IF NOT EXISTS anomaly_score double precision;

-- Tables made by versions before the sketch's bins get their columns (no-ops on a new table).
ALTER TABLE analytics_window_aggregate ADD COLUMN IF NOT EXISTS sketch_index integer[];

ALTER TABLE analytics_window_aggregate ADD COLUMN IF NOT EXISTS sketch_count double precision[];
