package dev.analytics.pipeline.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/**
 * The options of the job as a whole: its name and instance, parallelism, state, checkpoints,
 * restarts and transport security. Each stage declares its own options next to its operators (the
 * implementations of {@link StageOptions}); {@link JobConfig} refuses any key none declares.
 */
public final class JobOptions implements StageOptions {
  JobOptions() {}

  public enum StateBackend {
    ROCKSDB,
    HASHMAP
  }

  // ---- job ----

  public static final ConfigOption<String> JOB_NAME =
      key("job.name")
          .stringType()
          .defaultValue("analytics-pipeline")
          .withDescription("Name of the Flink job.");

  public static final ConfigOption<String> JOB_INSTANCE_ID =
      key("job.instance-id")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Names this job instance in every id it shares with other jobs on the same"
                  + " PostgreSQL, Kafka and ClickHouse: prepared-transaction ids, Kafka"
                  + " transactional ids, ClickHouse deduplication tokens. [A-Za-z0-9._-], at most"
                  + " 60 characters. Empty: job.name itself when it is such a name, otherwise its"
                  + " first 47 characters made so plus '-' and 12 hex digits of its SHA-256 (so"
                  + " 'a b' and 'a_b' differ). Two jobs that run at the same time against the same"
                  + " servers (a backfill beside production) need different instance ids.");

  public static final ConfigOption<Boolean> SECURITY_REQUIRE_TLS =
      key("security.require-tls")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Refuse at start-up, naming the key, every configured connection that would not use"
                  + " TLS: clickhouse.url http://, postgres.url without sslmode=require,"
                  + " verify-ca or verify-full, kafka.security-protocol PLAINTEXT or"
                  + " SASL_PLAINTEXT. Off: the job starts and warns about those that send a"
                  + " password in clear or leave this host without TLS (loopback hosts are not"
                  + " warned about).");

  public static final ConfigOption<Integer> PARALLELISM =
      key("job.parallelism")
          .intType()
          .defaultValue(0)
          .withDescription("Parallelism of the job; 0 keeps the cluster's default.");

  public static final ConfigOption<Integer> JOB_MAX_PARALLELISM =
      key("job.max-parallelism")
          .intType()
          .defaultValue(128)
          .withDescription(
              "Maximum parallelism (number of key groups) of the keyed state, in [1, 32768]: the"
                  + " job can be rescaled from a savepoint up to this parallelism. Fixed for the"
                  + " life of the state: a savepoint does not restore into a different value.");

  // ---- state, checkpoints, restarts ----

  public static final ConfigOption<StateBackend> STATE_BACKEND =
      key("state.backend")
          .enumType(StateBackend.class)
          .defaultValue(StateBackend.ROCKSDB)
          .withDescription("rocksdb (incremental checkpoints) or hashmap.");

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      key("checkpoint.interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription(
              "Exactly-once checkpoint interval; results become visible at this pace.");

  public static final ConfigOption<String> CHECKPOINT_DIR =
      key("checkpoint.dir")
          .stringType()
          .defaultValue("file:///tmp/analytics-pipeline/checkpoints")
          .withDescription("Checkpoint directory URI (file://, s3://, hdfs://...).");

  public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT =
      key("checkpoint.timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription("A checkpoint taking longer is aborted.");

  public static final ConfigOption<Integer> CHECKPOINT_TOLERABLE_FAILURES =
      key("checkpoint.tolerable-failures")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Consecutive failed checkpoints (timed out, failed asynchronously) the job rides out"
                  + " before it fails and restarts (Flink's"
                  + " execution.checkpointing.tolerable-failed-checkpoints). While ClickHouse is"
                  + " down its sinks wait behind their circuit breaker and checkpoints time out"
                  + " (checkpoint.timeout): this times the timeout is about the longest outage"
                  + " ridden out without a restart. Between 0 and 1000.");

  public static final ConfigOption<String> SAVEPOINT_DIR =
      key("savepoint.dir")
          .stringType()
          .defaultValue("file://" + System.getProperty("user.dir") + "/savepoints")
          .withDescription("Default target directory of savepoints.");

  public static final ConfigOption<Duration> RESTART_INITIAL_BACKOFF =
      key("restart.initial-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription("Exponential-delay restart strategy: first delay.");

  public static final ConfigOption<Duration> RESTART_MAX_BACKOFF =
      key("restart.max-backoff")
          .durationType()
          .defaultValue(Duration.ofMinutes(1))
          .withDescription("Exponential-delay restart strategy: largest delay.");

  public static final ConfigOption<Double> RESTART_BACKOFF_MULTIPLIER =
      key("restart.backoff-multiplier")
          .doubleType()
          .defaultValue(2.0)
          .withDescription("Exponential-delay restart strategy: multiplier, > 1.");

  public static final ConfigOption<Duration> RESTART_RESET_THRESHOLD =
      key("restart.reset-backoff-threshold")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription("Running this long without failure resets the delay.");

  public static final ConfigOption<Double> RESTART_JITTER =
      key("restart.jitter-factor")
          .doubleType()
          .defaultValue(0.1)
          .withDescription("Random jitter in [0, 1) applied to restart delays.");

  @Override
  public void check(ConfigChecks c) {
    job(c);
    checkpoints(c);
    restarts(c);
  }

  private static void job(ConfigChecks c) {
    c.notBlank(JobOptions.JOB_NAME);
    c.atLeast(JobOptions.PARALLELISM, 0);
    c.between(JobOptions.JOB_MAX_PARALLELISM, 1, 32768, "1", "32768");
    if (c.get(JobOptions.PARALLELISM) > c.get(JobOptions.JOB_MAX_PARALLELISM)) {
      throw c.fail(
          JobOptions.PARALLELISM,
          "is above job.max-parallelism (" + c.get(JobOptions.JOB_MAX_PARALLELISM) + ")");
    }
  }

  private static void checkpoints(ConfigChecks c) {
    c.atLeast(JobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(100));
    // Flink's own lower bound of the checkpoint timeout.
    c.atLeast(JobOptions.CHECKPOINT_TIMEOUT, Duration.ofMillis(10));
    c.between(JobOptions.CHECKPOINT_TOLERABLE_FAILURES, 0, 1000, "0", "1000");
    c.notBlank(JobOptions.CHECKPOINT_DIR);
    c.notBlank(JobOptions.SAVEPOINT_DIR);
  }

  private static void restarts(ConfigChecks c) {
    Duration initial = c.get(JobOptions.RESTART_INITIAL_BACKOFF);
    c.atLeast(JobOptions.RESTART_INITIAL_BACKOFF, Duration.ofMillis(1));
    if (c.get(JobOptions.RESTART_MAX_BACKOFF).compareTo(initial) < 0) {
      throw c.fail(
          JobOptions.RESTART_MAX_BACKOFF,
          "is not >= restart.initial-backoff (" + JobConfig.display(initial) + ")");
    }
    double multiplier = c.get(JobOptions.RESTART_BACKOFF_MULTIPLIER);
    if (!(multiplier > 1 && Double.isFinite(multiplier))) {
      throw c.fail(JobOptions.RESTART_BACKOFF_MULTIPLIER, "is not a finite number > 1");
    }
    c.atLeast(JobOptions.RESTART_RESET_THRESHOLD, Duration.ofMillis(1));
    double jitter = c.get(JobOptions.RESTART_JITTER);
    if (!(jitter >= 0 && jitter < 1)) {
      throw c.fail(JobOptions.RESTART_JITTER, "is not in [0, 1)");
    }
  }
}
