package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.model.WindowAggregate;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The PostgreSQL sinks: window aggregates, alerts and daily counters (attached to the pipeline by
 * {@code PipelineSinks}; their tables created or checked before, by {@link
 * PostgresSchema#prepare}).
 *
 * <p><b>Exactly-once</b> ({@code postgres.mode: exactly-once}, the default): {@link
 * PostgresTwoPhaseCommitSink}. Each sink subtask writes the rows between two checkpoints in one
 * transaction, prepares it at the checkpoint barrier ({@code PREPARE TRANSACTION}) and Flink's
 * committer commits it ({@code COMMIT PREPARED}) when the checkpoint completes; a restore commits
 * the transactions of the restored checkpoint and rolls back the sink's other prepared ones before
 * the source replays. No statement retries: recovery is Flink's. Rows become visible at the
 * checkpoint pace. Needs {@code max_prepared_transactions > 0} on the server. (The connector's XA
 * sink was the plan; it commits before the checkpoint completes, see the sink's Javadoc.)
 *
 * <p><b>At-least-once</b>: flink-connector-jdbc 4.x {@link JdbcSink#builder()}{@code
 * .buildAtLeastOnce}; batches are sent (auto-committed) when full and on every checkpoint, retried
 * up to 3 times on an error; a replay after a failure sends rows again. Aggregates and alerts are
 * versioned upserts, so a replay rewrites equal rows and a lower version never overwrites a higher
 * one. Daily counters are increments, which a replay would double: the configuration refuses them
 * in this mode.
 *
 * <p><b>Daily counters</b> (per day and dimension, for dashboards that read one row): the fine
 * windows ({@code window.size}) only, turned into increments by {@link DailyCounterDeltas} (keyed
 * by window: a late re-emission adds the difference), routed by bucket so one subtask owns each
 * counter row (two subtasks' transactions on the same row would wait on each other's uncommitted
 * locks across the checkpoint: a deadlock), summed per bucket by {@link DailyCounterBatcher} and
 * added in the checkpoint's transaction with {@code count = count + excluded.count}.
 *
 * <p>Aggregate and alert rows are routed by row identity too ({@code keyBy} before the sink), so
 * every row has a single writer whatever the upstream partitioning.
 */
public final class PostgresSinks {
  private PostgresSinks() {}

  /** Most buckets the daily-counter batcher holds before emitting early. */
  public static final int MAX_BUCKETS = 10_000;

  /** The sink of the window aggregates (versioned upserts). */
  public static Sink<WindowAggregate> aggregates(
      PostgresSettings s, PostgresConnections connections, String uid) {
    return sink(s, connections, uid, new PostgresStatements.AggregateUpsert(s.aggregatesTable()));
  }

  /** The sink of the alerts (versioned upserts). */
  public static Sink<Alert> alerts(
      PostgresSettings s, PostgresConnections connections, String uid) {
    return sink(s, connections, uid, new PostgresStatements.AlertUpsert(s.alertsTable()));
  }

  /** The sink of the daily counters' increments (added to the stored counts). */
  public static Sink<DailyCounterIncrement> dailyCounters(
      PostgresSettings s, PostgresConnections connections, String uid) {
    return sink(
        s,
        connections,
        uid,
        new PostgresStatements.DailyCounterAdd(s.dailyCountersTable(), s.dailyCounterDimensions()));
  }

  /**
   * The row identity of an aggregate, to route each row to one sink subtask: its primary key as
   * PostgreSQL stores it ({@link PostgresStatements#text}), so that two rows the database would
   * take for one always meet in the same subtask. Parts are joined with U+0000, which the stored
   * form never holds.
   */
  public static String aggregateIdentity(WindowAggregate a) {
    return PostgresStatements.text(a.eventType)
        + '\u0000'
        + PostgresStatements.canonicalJson(a.dimensions)
        + '\u0000'
        + PostgresStatements.text(a.granularity)
        + '\u0000'
        + a.windowStart;
  }

  /** The row identity of an alert, likewise. */
  public static String alertIdentity(Alert a) {
    return PostgresStatements.text(a.eventType)
        + '\u0000'
        + PostgresStatements.canonicalJson(a.dimensions)
        + '\u0000'
        + PostgresStatements.text(a.granularity)
        + '\u0000'
        + a.windowStart
        + '\u0000'
        + PostgresStatements.text(a.pattern)
        + '\u0000'
        + PostgresStatements.text(a.metric);
  }

  /**
   * A JDBC sink of the configured mode for one statement. Batches are sent when full and at every
   * checkpoint, never by the connector's timer: its background flush thread, on a lost connection,
   * throws from a timer thread and Flink treats that as a fatal error of the whole TaskManager
   * (seen with PostgreSQL restarted under an at-least-once sink, connector 4.0.0-2.0).
   */
  static <T> Sink<T> sink(
      PostgresSettings s,
      PostgresConnections connections,
      String uid,
      UpsertStatement<T> statement) {
    if (s.exactlyOnce()) {
      return new PostgresTwoPhaseCommitSink<>(
          s, connections, s.transactionIdPrefix() + "." + uid, statement);
    }
    return new AtLeastOnceJdbcSink<>(
        JdbcSink.<T>builder()
            .withQueryStatement(statement)
            .withExecutionOptions(
                JdbcExecutionOptions.builder()
                    .withBatchSize(s.batchSize())
                    .withBatchIntervalMs(0)
                    .withMaxRetries(3)
                    .build())
            .buildAtLeastOnce(connections.connectionProvider(s)));
  }
}
