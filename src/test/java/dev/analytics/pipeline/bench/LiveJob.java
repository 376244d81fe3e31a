package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.AnalyticsJob;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.ClickHouseServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The full production job ({@link AnalyticsJob#defineWorkflow}: Kafka source, the whole pipeline,
 * exactly-once ClickHouse sinks, RocksDB, exactly-once checkpoints) running unbounded on a local
 * MiniCluster in this JVM, for the live benchmarks ({@link Latency}, {@link OutageBenchmark}). No
 * web UI; REST on a free port. Flink's metrics are read live through an {@link InMemoryReporter}.
 */
final class LiveJob implements AutoCloseable {
  /** ClickHouse database of the live benchmarks. */
  static final String DATABASE = "bench";

  final String topic;
  final String prefix;
  final JobConfig config;
  private final Path checkpoints;
  private final EmbeddedKafka kafka;
  private final InMemoryReporter reporter = InMemoryReporter.create();
  private JobClient client;

  /**
   * @param prefix table name prefix in ClickHouse ({@code <prefix>window_aggregates}, ...) and of
   *     the topics
   * @param extra configuration keys over the defaults set here
   */
  LiveJob(
      EmbeddedKafka kafka, ClickHouseServer clickhouse, String prefix, Map<String, String> extra)
      throws Exception {
    this.kafka = kafka;
    this.prefix = prefix;
    this.topic = prefix + "events";
    this.checkpoints = Files.createTempDirectory("bench-live-checkpoints");
    kafka.createTopics(2, topic, prefix + "dead-letters");
    Map<String, String> values =
        BoundedJobs.kafka(kafka.bootstrapServers(), topic, prefix + "dead-letters", prefix);
    values.put("kafka.group-id", prefix + "group");
    values.put("checkpoint.dir", checkpoints.toUri().toString());
    values.put("state.backend", "rocksdb");
    values.put("job.parallelism", "2");
    values.put("clickhouse.url", clickhouse.url());
    values.put("clickhouse.database", DATABASE);
    values.put("clickhouse.create-tables", "true");
    values.put("clickhouse.aggregates.table", prefix + "window_aggregates");
    values.put("clickhouse.alerts.table", prefix + "alerts");
    values.put("clickhouse.events.table", prefix + "high_priority_events");
    // As jobs/production.yaml: about one insert per second per subtask.
    values.put(
        "clickhouse.events.batch.max-rows", String.valueOf(EndToEndThroughput.EVENTS_BATCH_ROWS));
    values.put(
        "clickhouse.events.batch.max-bytes", String.valueOf(EndToEndThroughput.EVENTS_BATCH_BYTES));
    values.put("clickhouse.events.batch.interval", "1 s");
    values.putAll(extra);
    this.config = JobConfig.of(values);
  }

  String table(String name) {
    return DATABASE + "." + prefix + name;
  }

  /** Submits the job; returns once it is submitted (the tasks start shortly after). */
  void start() throws Exception {
    Configuration flink = config.flinkConfiguration();
    flink.setString("rest.bind-port", "0");
    flink.setString("rest.port", "0");
    reporter.addToConfiguration(flink);
    client =
        BoundedJobs.workflow(StreamExecutionEnvironment.createLocalEnvironment(flink), config)
            .executeAsync("bench-live-" + prefix);
  }

  /**
   * Records not yet read by the job: the topic's end offsets minus the source's current offsets
   * (its per-partition {@code currentOffset} gauges); while the source is not running (a restart)
   * minus the offsets the job committed to its consumer group at its last checkpoint, where it
   * resumes. -1 when neither is known.
   */
  long lag() throws Exception {
    Map<Integer, Long> current = currentOffsets();
    try (Admin admin = Admin.create(kafka.adminProperties())) {
      Map<Integer, Long> position = new HashMap<>();
      if (current.size() == 2) {
        current.forEach((p, o) -> position.put(p, o + 1));
      } else {
        admin
            .listConsumerGroupOffsets(config.get(KafkaOptions.KAFKA_GROUP_ID))
            .partitionsToOffsetAndMetadata()
            .get(10, TimeUnit.SECONDS)
            .forEach(
                (tp, om) -> {
                  if (tp.topic().equals(topic) && om != null) {
                    position.put(tp.partition(), om.offset());
                  }
                });
        if (position.size() < 2) {
          return -1;
        }
      }
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < 2; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      long lag = 0;
      var ends = admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
      for (var e : ends.entrySet()) {
        lag += Math.max(0, e.getValue().offset() - position.get(e.getKey().partition()));
      }
      return lag;
    }
  }

  @Override
  public void close() throws Exception {
    if (client != null) {
      try {
        client.cancel().get(2, TimeUnit.MINUTES);
      } catch (Exception e) {
        // already failed or finished
      }
    }
    try (Stream<Path> files = Files.walk(checkpoints)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  /** Waits until {@code condition} holds, polling every 200 ms, at most {@code timeout}. */
  static boolean await(Duration timeout, Check condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.holds()) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** A condition that may throw. */
  interface Check {
    boolean holds() throws Exception;
  }

  /** Records the source has read so far: the sum over partitions of current offset + 1. */
  long consumed() {
    return currentOffsets().values().stream().mapToLong(o -> o + 1).sum();
  }

  /** The value of the job-level gauge {@code name} (e.g. numberOfCompletedCheckpoints), or -1. */
  long jobGauge(String name) {
    for (Map.Entry<String, Metric> e : metrics().entrySet()) {
      if (e.getKey().endsWith("." + name) && e.getValue() instanceof Gauge<?> g) {
        if (g.getValue() instanceof Number n) {
          return n.longValue();
        }
      }
    }
    return -1;
  }

  /** The sum and the largest value of the live gauges named {@code name} over all subtasks. */
  long[] gaugeSumAndMax(String name) {
    long sum = 0;
    long max = 0;
    for (Map.Entry<String, Metric> e : metrics().entrySet()) {
      if (e.getKey().endsWith("." + name) && e.getValue() instanceof Gauge<?> g) {
        if (g.getValue() instanceof Number n) {
          sum += n.longValue();
          max = Math.max(max, n.longValue());
        }
      }
    }
    return new long[] {sum, max};
  }

  /** Sum of the live counters named {@code name} over all subtasks. */
  long counter(String name) {
    long sum = 0;
    for (Map.Entry<String, Metric> e : metrics().entrySet()) {
      if (e.getKey().endsWith("." + name) && e.getValue() instanceof Counter c) {
        sum += c.getCount();
      }
    }
    return sum;
  }

  /** The source's current offset per partition (its {@code currentOffset} gauges). */
  private Map<Integer, Long> currentOffsets() {
    Map<Integer, Long> out = new HashMap<>();
    String marker = ".topic." + topic + ".partition.";
    for (Map.Entry<String, Metric> e : metrics().entrySet()) {
      String id = e.getKey();
      int at = id.indexOf(marker);
      if (at >= 0 && id.endsWith(".currentOffset") && e.getValue() instanceof Gauge<?> g) {
        String rest = id.substring(at + marker.length());
        int partition = Integer.parseInt(rest.substring(0, rest.indexOf('.')));
        if (g.getValue() instanceof Number n && n.longValue() >= 0) {
          out.merge(partition, n.longValue(), Math::max);
        }
      }
    }
    return out;
  }

  /** This job's metrics by identifier (the first of colliding names). */
  private Map<String, Metric> metrics() {
    Map<String, Metric> out = new HashMap<>();
    if (client == null) {
      return out;
    }
    String jobId = client.getJobID().toString();
    for (Map.Entry<MetricGroup, Map<String, Metric>> g : reporter.getMetricsByGroup().entrySet()) {
      if (jobId.equals(g.getKey().getAllVariables().get("<job_id>"))) {
        for (Map.Entry<String, Metric> m : g.getValue().entrySet()) {
          out.putIfAbsent(g.getKey().getMetricIdentifier(m.getKey()), m.getValue());
        }
      }
    }
    return out;
  }
}
