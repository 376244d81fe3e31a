-- analytics_aggregate: daily counters, the number of events per metric (event type),
-- dimension values and UTC day, incremented by the job in exactly-once mode only.
--
-- Key: (metric, template_id, jurisdiction, delivery_method, utm_source, error_type, day). The
-- dimension columns are postgres.daily-counter-dimensions (this file: the default five); an
-- event without a dimension counts under ''. day is the UTC day of the window start.
--
-- How it is written: per checkpoint, the increments of the closed fine windows (window.size) are
-- summed in memory by bucket, then added in the checkpoint's XA transaction with
--   INSERT ... ON CONFLICT (key) DO UPDATE SET count = analytics_aggregate.count + excluded.count
-- A window adds round(estimated count); a late re-emission adds only the difference from its
-- previous version. Each row has a single writer subtask. Counters are exact for event types
-- with sampling rate 1; sampled types count the rounded Horvitz-Thompson estimate per window.
--
-- Query, e.g. one template's views over the last week:
--   SELECT day, sum(count) AS views
--   FROM analytics_aggregate
--   WHERE metric = 'template_view' AND template_id = 'abc'
--     AND day >= current_date - 7
--   GROUP BY day ORDER BY day;
--
-- The job creates this table itself with postgres.create-tables: true (table name from
-- postgres.table.daily-counters, dimension columns from postgres.daily-counter-dimensions);
-- otherwise it checks at start-up that it exists with these columns.

CREATE TABLE IF NOT EXISTS analytics_aggregate (
  metric text NOT NULL,
  template_id text NOT NULL DEFAULT '',
  jurisdiction text NOT NULL DEFAULT '',
  delivery_method text NOT NULL DEFAULT '',
  utm_source text NOT NULL DEFAULT '',
  error_type text NOT NULL DEFAULT '',
  day date NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (metric, template_id, jurisdiction, delivery_method, utm_source, error_type, day)
);

CREATE INDEX IF NOT EXISTS analytics_aggregate_day_idx ON analytics_aggregate (day);
