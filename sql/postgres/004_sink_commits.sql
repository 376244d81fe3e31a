-- analytics_sink_commit: the commit records of the exactly-once PostgreSQL sinks. Each prepared
-- transaction of a sink writes its own id here, inside that transaction, before PREPARE
-- TRANSACTION: the row exists exactly when the transaction was committed. When a retried commit
-- (after a restore) finds its prepared transaction gone, the row tells a commit from a rollback
-- done outside the job; without it the job fails instead of taking lost rows for committed ones.
--
-- Rows older than postgres.commit-record-retention (7 days) are deleted by the sinks' committers.
-- The job creates this table itself with postgres.create-tables: true (table name from
-- postgres.table.commits); otherwise it checks at start-up that it exists with these columns.

CREATE TABLE IF NOT EXISTS analytics_sink_commit (
  gid         text        NOT NULL,
  prepared_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gid)
);

CREATE INDEX IF NOT EXISTS analytics_sink_commit_prepared_at_idx ON analytics_sink_commit (prepared_at);
