-- analytics_alert: patterns detected on the sequence of window aggregates of one key (spike,
-- drop, anomaly, trend) and their resolution, written by the job's PostgreSQL alert sink.
--
-- Key (row identity): (event_type, dimensions, granularity, window_start, pattern, metric).
-- dimensions is jsonb ('{}' when none). A re-emission for the same window (after a late window
-- update) carries version + 1 and replaces the row; a lower or equal version changes nothing.
-- In exactly-once mode rows appear when the checkpoint that holds them completes.
--
-- Query, e.g. the alerts of the last day, newest first:
--   SELECT window_start, event_type, dimensions, pattern, metric, value, baseline, confidence,
--          message
--   FROM analytics_alert
--   WHERE window_start >= now() - interval '1 day' AND pattern <> 'resolved'
--   ORDER BY window_start DESC;
--
-- The job creates this table itself with postgres.create-tables: true (table name from
-- postgres.table.alerts); otherwise it checks at start-up that it exists with these columns.

CREATE TABLE IF NOT EXISTS analytics_alert (
  event_type   text             NOT NULL,
  dimensions   jsonb            NOT NULL,
  granularity  text             NOT NULL,
  window_start timestamptz      NOT NULL,
  pattern      text             NOT NULL,
  metric       text             NOT NULL,
  window_end   timestamptz      NOT NULL,
  value        double precision,
  baseline     double precision,
  confidence   double precision,
  version      integer          NOT NULL,
  message      text,
  PRIMARY KEY (event_type, dimensions, granularity, window_start, pattern, metric)
);

CREATE INDEX IF NOT EXISTS analytics_alert_window_start_idx ON analytics_alert (window_start);
