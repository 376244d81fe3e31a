package dev.analytics.pipeline.sinks;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaClientProperties;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.sinks.postgres.PostgresConnections;
import dev.analytics.pipeline.sinks.postgres.PostgresSettings;
import dev.analytics.pipeline.sinks.postgres.PostgresTwoPhaseCommitSink;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work that an earlier run of this job instance left uncommitted in the sinks, looked for when
 * the job starts without state (no savepoint or checkpoint to restore): PostgreSQL transactions
 * prepared under the instance's transaction-id prefix and Kafka transactions still open under its
 * transactional-id prefix. A start without state rolls all of them back (Flink's Kafka sink aborts
 * lingering transactions, the PostgreSQL writer rolls back what no restored checkpoint holds), and
 * the ClickHouse committables of the last checkpoint exist only in that checkpoint: when the
 * earlier run's last checkpoint completed but its commit did not run, that output is lost. The job
 * then says so loudly at start-up, naming what it found and how to resume instead.
 *
 * <p>A look that fails (a database or broker not reachable yet) is reported as such and does not
 * stop the job: the sinks fail on their own, with their own messages, when they cannot connect.
 */
public final class UncommittedSinkWork {
  private static final Logger LOG = LoggerFactory.getLogger(UncommittedSinkWork.class);
  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(10);

  private UncommittedSinkWork() {}

  /** What was found, one line per sink; empty when nothing is uncommitted. */
  public static List<String> find(JobConfig config) {
    List<String> found = new ArrayList<>();
    PostgresSettings postgres = PostgresSettings.from(config);
    if (postgres != null && postgres.exactlyOnce()) {
      try {
        Set<String> gids = preparedPostgresTransactions(postgres);
        if (!gids.isEmpty()) {
          found.add(
              String.format(
                  "PostgreSQL (%s): %d prepared transaction(s) of this instance: %s",
                  postgres.redactedUrl(), gids.size(), abbreviate(gids)));
        }
      } catch (Exception e) {
        found.add("PostgreSQL: could not look for prepared transactions (" + e.getMessage() + ")");
      }
    }
    try {
      Set<String> ids = openKafkaTransactions(config);
      if (!ids.isEmpty()) {
        found.add(
            String.format(
                "Kafka (%s): %d open transaction(s) of this instance: %s",
                config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS), ids.size(), abbreviate(ids)));
      }
    } catch (Exception e) {
      found.add("Kafka: could not list open transactions (" + e.getMessage() + ")");
    }
    return found;
  }

  /**
   * Logs (and prints to standard error, which the Flink client shows) a warning when {@code found}
   * is not empty.
   *
   * @return the warning, or null
   */
  public static String warn(JobConfig config, List<String> found) {
    if (found.isEmpty()) {
      LOG.info(
          "Job instance '{}' starts without state; its sinks hold no uncommitted work of an"
              + " earlier run",
          config.instanceId());
      return null;
    }
    StringBuilder text = new StringBuilder();
    text.append("\n**********************************************************************\n")
        .append("WARNING: job instance '")
        .append(config.instanceId())
        .append("' starts WITHOUT STATE (no savepoint or checkpoint given), but an earlier run of")
        .append(" it left uncommitted work in its sinks:\n");
    for (String line : found) {
      text.append("  - ").append(line).append('\n');
    }
    text.append(
            "Starting without state rolls this work back. If the earlier run's last checkpoint"
                + " completed, its output (and its ClickHouse inserts, held only in that checkpoint)"
                + " is LOST. To keep it, cancel this job and resume from the latest retained"
                + " checkpoint or savepoint instead (jobs/cluster.sh resume, or flink run -s PATH)."
                + " If the start without state is intended, nothing needs to be done.")
        .append("\n**********************************************************************");
    String warning = text.toString();
    LOG.warn(warning);
    System.err.println(warning);
    return warning;
  }

  private static Set<String> preparedPostgresTransactions(PostgresSettings settings)
      throws Exception {
    Set<String> gids = new TreeSet<>();
    String prefix = settings.transactionIdPrefix() + ".";
    try (Connection c = PostgresConnections.open(settings)) {
      for (String gid : PostgresTwoPhaseCommitSink.preparedTransactions(c, prefix)) {
        // <prefix>.<sink uid>:<subtask>:...: the instance's own, not those of an instance whose
        // id merely begins with this one (ids are [A-Za-z0-9._-], uids have no ':').
        if (gid.substring(prefix.length()).matches("[A-Za-z0-9_-]+:.*")) {
          gids.add(gid);
        }
      }
    }
    return gids;
  }

  /** Open (ongoing or being committed / aborted) transactions under the instance's prefix. */
  static Set<String> openKafkaTransactions(JobConfig config) throws Exception {
    Properties props = new Properties();
    props.putAll(KafkaClientProperties.from(config));
    props.setProperty(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS));
    props.setProperty(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(KAFKA_TIMEOUT.toMillis()));
    props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    // <prefix>-<sink>-<subtask>-<counter> (KafkaSinks, Flink's Kafka sink)
    String prefix = KafkaOptions.transactionalIdPrefix(config) + "-";
    Set<String> ids = new TreeSet<>();
    try (Admin admin = Admin.create(props)) {
      for (TransactionListing t :
          admin
              .listTransactions(
                  new ListTransactionsOptions()
                      .filterStates(
                          Set.of(
                              TransactionState.ONGOING,
                              TransactionState.PREPARE_COMMIT,
                              TransactionState.PREPARE_ABORT)))
              .all()
              .get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        if (t.transactionalId().startsWith(prefix)) {
          ids.add(t.transactionalId());
        }
      }
    }
    return ids;
  }

  private static String abbreviate(Set<String> ids) {
    List<String> list = new ArrayList<>(ids);
    return list.size() <= 4
        ? String.join(", ", list)
        : String.join(", ", list.subList(0, 4)) + ", ... (" + (list.size() - 4) + " more)";
  }
}
