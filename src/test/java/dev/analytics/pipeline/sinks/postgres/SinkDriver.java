package dev.analytics.pipeline.sinks.postgres;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.DailyCounterIncrement;
import dev.analytics.pipeline.testing.PostgresServer;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Drives one subtask of a {@link PostgresTwoPhaseCommitSink} the way Flink 2.2's sink operators do,
 * without a cluster, so that a test decides which checkpoint completes, which one is aborted and
 * when a completion reaches the committer.
 *
 * <p>It mirrors {@code SinkWriterOperator} and {@code CommitterOperator} (flink-runtime 2.3.0):
 *
 * <ul>
 *   <li>{@link #barrier}: {@code prepareSnapshotPreBarrier} ({@code flush(false)}, then {@code
 *       prepareCommit}, whose committables go to the committer under the checkpoint's id), then
 *       {@code snapshotState}: the writer state is serialized with the sink's serializer, and the
 *       committer's state (the committables not committed yet) is copied;
 *   <li>{@link #complete}: {@code notifyCheckpointComplete} reaching the committer: it commits the
 *       committables of every checkpoint up to that id, oldest first (those of an aborted
 *       checkpoint wait for a later completion);
 *   <li>{@link #endOfInput}: {@code endInput} ({@code flush(true)}, then {@code prepareCommit},
 *       committables under the last barrier's id + 1);
 *   <li>{@link #restore}: a failure (the writer's connection closes: its open transaction is gone,
 *       prepared ones survive), then a restore from a checkpoint: a new committer commits the
 *       committables in that checkpoint's committer state, before the writer is created from that
 *       checkpoint's writer state (the committer initializes first in its chain).
 * </ul>
 *
 * <p>Mails put into the task's {@link #mailbox} run when the writer yields (as it does at end of
 * input), in the test's thread, as Flink runs a checkpoint completion that arrives meanwhile.
 * Commit outcomes are recorded per transaction id ({@link #outcomes}); a failed commit fails the
 * test.
 *
 * @param <T> the rows
 */
final class SinkDriver<T> implements AutoCloseable {
  private final PostgresTwoPhaseCommitSink<T> sink;
  private final SimpleVersionedSerializer<PostgresWriterState<T>> stateSerializer;
  private final TypeSerializer<T> inputSerializer;
  private final QueuedMailbox mailbox = new QueuedMailbox();
  private final int subtask;
  private final int parallelism;
  private PostgresTwoPhaseCommitWriter<T> writer;
  private Committer<String> committer;

  /** Committables not committed yet, by checkpoint: the committer's state. */
  private final TreeMap<Long, List<String>> uncommitted = new TreeMap<>();

  /** Per checkpoint: the serialized writer state and the committer's state. */
  private final Map<Long, List<byte[]>> writerStates = new LinkedHashMap<>();

  private final Map<Long, TreeMap<Long, List<String>>> committerStates = new LinkedHashMap<>();
  private final Map<String, String> outcomes = new LinkedHashMap<>();
  private long lastBarrier;

  /**
   * The settings of the sink tests: the server's URL and user, daily counters by {@code
   * template_id}, batches of 2 rows; {@code more} adds options as key, value pairs.
   */
  static PostgresSettings settings(PostgresServer postgres, String... more) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("postgres.url", postgres.jdbcUrl());
    values.put("postgres.user", postgres.user());
    values.put("postgres.daily-counter-dimensions", "template_id");
    values.put("postgres.batch-size", "2");
    for (int i = 0; i < more.length; i += 2) {
      values.put(more[i], more[i + 1]);
    }
    return PostgresSettings.from(JobConfig.of(values));
  }

  private SinkDriver(
      PostgresTwoPhaseCommitSink<T> sink,
      TypeSerializer<T> inputSerializer,
      int subtask,
      int parallelism)
      throws IOException {
    this.sink = sink;
    this.stateSerializer = sink.getWriterStateSerializer();
    this.inputSerializer = inputSerializer;
    this.subtask = subtask;
    this.parallelism = parallelism;
    this.committer = sink.createCommitter(null);
    this.writer = sink.createWriter(context(OptionalLong.empty()));
  }

  /** A fresh start (no state) of subtask 0 of 1; rows are serialized with {@code serializer}. */
  static <T> SinkDriver<T> start(PostgresTwoPhaseCommitSink<T> sink, TypeSerializer<T> serializer)
      throws IOException {
    return new SinkDriver<>(sink, serializer, 0, 1);
  }

  /** Rows arriving at the writer. */
  @SafeVarargs
  final void write(T... rows) throws IOException, InterruptedException {
    for (T row : rows) {
      writer.write(row, null);
    }
  }

  /** A checkpoint barrier passes the writer; returns the transactions it prepared. */
  List<String> barrier(long checkpointId) throws IOException, InterruptedException {
    writer.flush(false);
    List<String> gids = new ArrayList<>(committing().prepareCommit());
    if (!gids.isEmpty()) {
      uncommitted.computeIfAbsent(checkpointId, id -> new ArrayList<>()).addAll(gids);
    }
    lastBarrier = checkpointId;
    List<byte[]> serialized = new ArrayList<>();
    for (PostgresWriterState<T> state : writer.snapshotState(checkpointId)) {
      serialized.add(stateSerializer.serialize(state));
    }
    writerStates.put(checkpointId, serialized);
    committerStates.put(checkpointId, copy(uncommitted));
    return gids;
  }

  /** The end of the input; returns the transactions it prepared. */
  List<String> endOfInput() throws IOException, InterruptedException {
    writer.flush(true);
    List<String> gids = new ArrayList<>(committing().prepareCommit());
    if (!gids.isEmpty()) {
      uncommitted.computeIfAbsent(lastBarrier + 1, id -> new ArrayList<>()).addAll(gids);
    }
    return gids;
  }

  /** Checkpoint {@code checkpointId} completed and the committer hears of it. */
  void complete(long checkpointId) throws IOException, InterruptedException {
    commitUpTo(checkpointId);
  }

  /**
   * The task fails (the writer's connection closes) and the job restores from {@code checkpointId}:
   * the committer commits its state of that checkpoint, then the writer starts from its state.
   */
  void restore(long checkpointId) throws Exception {
    close();
    uncommitted.clear();
    uncommitted.putAll(copy(committerStates.get(checkpointId)));
    committer = sink.createCommitter(null);
    commitUpTo(checkpointId);
    lastBarrier = checkpointId;
    writer = sink.restoreWriter(context(OptionalLong.of(checkpointId)), writerState(checkpointId));
  }

  /** The writer state of a checkpoint, as a restore reads it back. */
  List<PostgresWriterState<T>> writerState(long checkpointId) throws IOException {
    List<PostgresWriterState<T>> state = new ArrayList<>();
    for (byte[] bytes : writerStates.get(checkpointId)) {
      state.add(stateSerializer.deserialize(stateSerializer.getVersion(), bytes));
    }
    return state;
  }

  /** Rows the writer holds back now. */
  int heldRows() {
    return writer.heldRows();
  }

  /** The task's mailbox: what a test puts there runs when the writer yields. */
  QueuedMailbox mailbox() {
    return mailbox;
  }

  /** How each transaction's commit ended: "committed" or "already committed". */
  Map<String, String> outcomes() {
    return outcomes;
  }

  /** The committables the committer holds, by checkpoint. */
  Map<Long, List<String>> uncommitted() {
    return uncommitted;
  }

  @Override
  public void close() throws Exception {
    writer.close();
    committer.close();
  }

  private CommittingSinkWriter<T, String> committing() {
    return writer;
  }

  private void commitUpTo(long checkpointId) throws IOException, InterruptedException {
    var done = uncommitted.headMap(checkpointId, true);
    for (List<String> gids : done.values()) {
      List<CommitRequest<String>> requests = new ArrayList<>();
      for (String gid : gids) {
        requests.add(new Request(gid, outcomes));
      }
      committer.commit(requests);
    }
    done.clear();
  }

  private static TreeMap<Long, List<String>> copy(Map<Long, List<String>> committables) {
    TreeMap<Long, List<String>> copy = new TreeMap<>();
    committables.forEach((id, gids) -> copy.put(id, new ArrayList<>(gids)));
    return copy;
  }

  private WriterInitContext context(OptionalLong restored) {
    return context(subtask, parallelism, restored, inputSerializer, mailbox);
  }

  /**
   * A writer context with the subtask, the parallelism, the restored checkpoint, the input
   * serializer and the task's mailbox.
   */
  static WriterInitContext context(
      int subtask,
      int parallelism,
      OptionalLong restored,
      TypeSerializer<?> inputSerializer,
      MailboxExecutor mailbox) {
    TaskInfo task =
        (TaskInfo)
            Proxy.newProxyInstance(
                TaskInfo.class.getClassLoader(),
                new Class<?>[] {TaskInfo.class},
                (p, m, a) ->
                    switch (m.getName()) {
                      case "getIndexOfThisSubtask" -> subtask;
                      case "getNumberOfParallelSubtasks" -> parallelism;
                      default -> throw new UnsupportedOperationException(m.getName());
                    });
    return (WriterInitContext)
        Proxy.newProxyInstance(
            WriterInitContext.class.getClassLoader(),
            new Class<?>[] {WriterInitContext.class},
            (p, m, a) ->
                switch (m.getName()) {
                  case "getTaskInfo" -> task;
                  case "getJobInfo" -> JOB;
                  case "getRestoredCheckpointId" -> restored;
                  case "createInputSerializer" -> inputSerializer;
                  case "getMailboxExecutor" -> mailbox;
                  case "isObjectReuseEnabled" -> false;
                  default -> throw new UnsupportedOperationException(m.getName());
                });
  }

  /**
   * Transaction ids without their prepare time (the last part, in seconds): what a test can name in
   * advance, {@code job.counters:0:1:0}.
   */
  static List<String> ids(Collection<String> gids) {
    return gids.stream().map(SinkDriver::id).toList();
  }

  /** {@link #ids} of one id. */
  static String id(String gid) {
    return PostgresTwoPhaseCommitSink.preparedAtSeconds(gid) < 0
        ? gid
        : gid.substring(0, gid.lastIndexOf(':'));
  }

  /** {@link #ids} of the keys of a map. */
  static Map<String, String> ids(Map<String, String> byGid) {
    Map<String, String> out = new LinkedHashMap<>();
    byGid.forEach((k, v) -> out.put(id(k), v));
    return out;
  }

  /** The daily-counter dimensions of the sink tests' table {@code counter}. */
  static final List<String> COUNTER_DIMS = List.of("template_id");

  /** The serializer of the daily-counter rows, as the job's input serializer. */
  static final TypeSerializer<DailyCounterIncrement> COUNTERS =
      TypeInformation.of(DailyCounterIncrement.class).createSerializer(new SerializerConfigImpl());

  /** An increment of the {@code view} counter of one template on one day. */
  static DailyCounterIncrement inc(String template, long count) {
    return new DailyCounterIncrement("view", new String[] {template}, 20_000, count);
  }

  /** No prepared transaction left, and empty tables {@code counter} and the commit records. */
  static void resetCounterTables(PostgresServer postgres) throws Exception {
    postgres.rollbackPreparedTransactions();
    postgres.execute("DROP TABLE IF EXISTS counter", "DROP TABLE IF EXISTS analytics_sink_commit");
    postgres.execute(
        PostgresSchema.dailyCountersDdl("counter", COUNTER_DIMS).toArray(String[]::new));
    postgres.execute(PostgresSchema.commitsDdl("analytics_sink_commit").toArray(String[]::new));
  }

  /** The job of every driven subtask. */
  static final JobInfo JOB = new JobInfoImpl(new JobID(), "sink-driver");

  /**
   * A commit request that records its outcome in {@code outcomes} ("committed" unless told
   * otherwise); a failure is an error of the test.
   */
  static final class Request implements CommitRequest<String> {
    private final String gid;
    private final Map<String, String> outcomes;

    Request(String gid, Map<String, String> outcomes) {
      this.gid = gid;
      this.outcomes = outcomes;
      outcomes.put(gid, "committed");
    }

    @Override
    public String getCommittable() {
      return gid;
    }

    @Override
    public int getNumberOfRetries() {
      return 0;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
      throw new AssertionError("commit of " + gid + " failed", t);
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
      throw new AssertionError("commit of " + gid + " failed", t);
    }

    @Override
    public void retryLater() {
      throw new AssertionError("commit of " + gid + " asked for a retry");
    }

    @Override
    public void updateAndRetryLater(String committable) {
      throw new AssertionError("commit of " + gid + " asked for a retry");
    }

    @Override
    public void signalAlreadyCommitted() {
      outcomes.put(gid, "already committed");
    }
  }
}
