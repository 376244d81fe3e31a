package dev.analytics.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.sampling.SamplingDecision;
import dev.analytics.pipeline.sampling.SamplingRates;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.ConsumerGroups;
import dev.analytics.pipeline.testing.GrafanaDashboard;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import dev.analytics.pipeline.testing.PrometheusServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's package) scraping the Prometheus reporter of a real standalone Flink
 * cluster ({@code jobs/cluster.sh}) that runs the job from Kafka into a real ClickHouse server,
 * with the scrape configuration the Docker stack ships ({@code docker/prometheus.yml}, only its
 * targets and interval replaced; see {@link PrometheusServer}).
 *
 * <p>The traffic is known to the event: 13 minutes of event time (two hours ago, inside the
 * dashboard's default range of 6 hours) of four types of the three priorities, two of them sampled,
 * with one minute of five times the usual orders (a spike the detector reports), invalid records of
 * three reasons and, once the windows have closed, late events. After it has settled, every metric
 * the documentation lists is read through Prometheus's HTTP API and compared with what was sent or
 * with what ClickHouse and the dead-letter topic hold; then every query of the Grafana dashboard
 * runs: its PromQL against this Prometheus, its SQL against this ClickHouse.
 */
class PrometheusMetricsITCase {
  private static final Duration SHORT = Duration.ofMinutes(2);
  private static final Path DASHBOARD =
      Path.of("docker/grafana/dashboards/analytics-pipeline.json");

  /**
   * Samples every 2 s instead of the shipped 15 s: the traffic lasts about 30 s, and a {@code
   * rate(...[1m])} over it needs several samples.
   */
  private static final Duration SCRAPE = Duration.ofSeconds(2);

  /** The scrape configuration the Docker stack ships. */
  private static final Path SCRAPE_CONFIG = Path.of("docker/prometheus.yml");

  private static final String OP = "flink_taskmanager_job_task_operator_";
  private static final String NAME = "prom";
  private static final int MINUTES = 13;
  private static final int SPIKE_MINUTE = 7;
  private static final int LATE = 4;

  /** Per type: events per minute. orders has five times as many in the spike minute. */
  private static final Map<String, Integer> PER_MINUTE = new LinkedHashMap<>();

  static {
    PER_MINUTE.put("orders", 200); // normal priority, rate 1, detected on
    PER_MINUTE.put("api.error", 10); // high priority (the *error* rule): high_priority_events
    PER_MINUTE.put("performance.response_time", 60); // normal, sampled at the default 0.5
    PER_MINUTE.put("cache_hit", 40); // low priority (the *cache_hit* rule), sampled at 0.05
  }

  private static EmbeddedKafka kafka;
  private static ClickHouseServer clickhouse;
  private static ClusterScript cluster;
  private static Thread killer;
  private static PrometheusServer prometheus;

  /** Event time of the first minute: 50 minutes past an hour, so the 1-hour rollup closes too. */
  private static long start;

  private static Instant trafficStart;
  private static final Map<String, Long> sentPerType = new TreeMap<>();
  private static final Map<String, Long> invalidPerReason = new TreeMap<>();
  private static long expectedSampledOut;

  /** "size/type/start" of every window (1 min, 1 h, 1 d) that holds a kept event. */
  private static final TreeSet<String> keptWindows = new TreeSet<>();

  @BeforeAll
  static void runTraffic() throws Exception {
    kafka = EmbeddedKafka.start();
    clickhouse = ClickHouseServer.start();
    Path home = Path.of("target/prometheus-it").toAbsolutePath();
    for (String stale : List.of("checkpoints", "savepoints", "jobs", "log")) {
      deleteRecursively(home.resolve(stale));
    }
    cluster = new ClusterScript(home, "");
    killer = new Thread(cluster::kill, "stop-flink-cluster-prometheus-it");
    Runtime.getRuntime().addShutdownHook(killer);
    cluster.run(Duration.ofMinutes(5), "start");

    String[] ports = cluster.prometheusPorts().split("-");
    List<String> targets = new ArrayList<>();
    for (int p = Integer.parseInt(ports[0]); p <= Integer.parseInt(ports[1]); p++) {
      targets.add("127.0.0.1:" + p);
    }
    prometheus = PrometheusServer.start(SCRAPE_CONFIG, targets, SCRAPE);
    cluster.log("-- Prometheus on " + prometheus.url() + " scraping " + targets);

    kafka.createTopics(2, NAME + "-events", NAME + "-dead-letters");
    // Run-time control on: one change applied (a type the traffic does not have, so the expected
    // figures stay those of the start-up configuration) and one refused.
    kafka.createTopics(1, NAME + "-control", NAME + "-control-applied", NAME + "-control-refused");
    JobConfig control =
        JobConfig.of(
            Map.of(
                "kafka.bootstrap-servers",
                kafka.bootstrapServers(),
                "control.topic",
                NAME + "-control"));
    dev.analytics.pipeline.control.ControlTool.send(control, "sampling.rates.search", "0.3", null);
    dev.analytics.pipeline.control.ControlTool.send(control, "sampling.rates.search", "3", null);
    cluster.run(Duration.ofMinutes(5), command(jobArgs(), "submit"));
    String job = cluster.lastJobId();
    cluster.awaitRunning(job, SHORT);

    long hour =
        Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
    start = hour + 50 * 60_000L;
    SamplingRates rates = SamplingRates.from(JobConfig.of(Map.of()));
    trafficStart = Instant.now();
    // One minute of event time every 2 s of wall-clock time, in event-time order per partition.
    for (int minute = 0; minute < MINUTES; minute++) {
      List<Input> inputs = new ArrayList<>();
      List<long[]> order = new ArrayList<>();
      List<byte[]> values = new ArrayList<>();
      for (Map.Entry<String, Integer> t : PER_MINUTE.entrySet()) {
        String type = t.getKey();
        int n = type.equals("orders") && minute == SPIKE_MINUTE ? 5 * t.getValue() : t.getValue();
        for (int i = 0; i < n; i++) {
          long ts = start + minute * 60_000L + i * (60_000L / n);
          String id = type + "-" + minute + "-" + i;
          values.add(event(id, type, ts, i % 50 + 1).getBytes(StandardCharsets.UTF_8));
          order.add(new long[] {ts, values.size() - 1});
          sentPerType.merge(type, 1L, Long::sum);
          // High priority is never sampled out.
          double rate = type.equals("api.error") ? 1.0 : rates.rateFor(type);
          if (SamplingDecision.keep(id, rate)) {
            for (long size : new long[] {60_000L, 3_600_000L, 86_400_000L}) {
              keptWindows.add(size + "/" + type + "/" + (ts - ts % size));
            }
          } else {
            expectedSampledOut++;
          }
        }
      }
      order.sort(Comparator.comparingLong(o -> o[0]));
      for (int k = 0; k < order.size(); k++) {
        inputs.add(new Input(k % 2, values.get((int) order.get(k)[1])));
      }
      if (minute == 2) {
        invalid(inputs, "malformed_json", "{not json", 3);
      } else if (minute == 4) {
        invalid(inputs, "missing_field", "{\"event_id\":\"bad\",\"event_type\":\"orders\"}", 2);
      } else if (minute == 6) {
        invalid(inputs, "not_an_object", "[1]", 1);
      }
      KafkaTopics.produce(kafka.bootstrapServers(), NAME + "-events", inputs);
      Thread.sleep(2_000);
    }
    awaitConsumed();

    // Late: orders of minute 1, long after its window closed (no allowed lateness).
    List<Input> late = new ArrayList<>();
    for (int i = 0; i < LATE; i++) {
      late.add(
          new Input(
              i % 2,
              event("late-" + i, "orders", start + 60_000L + i, 7)
                  .getBytes(StandardCharsets.UTF_8)));
      sentPerType.merge("orders", 1L, Long::sum);
    }
    KafkaTopics.produce(kafka.bootstrapServers(), NAME + "-events", late);
    awaitConsumed();
    awaitSettled(job);
  }

  @AfterAll
  static void stopAll() throws Exception {
    try {
      if (prometheus != null) {
        prometheus.close();
      }
      if (cluster != null) {
        cluster.runAllowingFailure(SHORT, "stop");
      }
    } finally {
      if (cluster != null) {
        cluster.kill();
        Runtime.getRuntime().removeShutdownHook(killer);
      }
      if (clickhouse != null) {
        clickhouse.close();
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  @Test
  void prometheusScrapesBothFlinkProcessesWithTheShippedJob() throws Exception {
    JsonNode shipped = new YAMLMapper().readTree(SCRAPE_CONFIG.toFile());
    String jobName = shipped.get("scrape_configs").get(0).get("job_name").asText();
    List<String> health = new ArrayList<>();
    for (JsonNode t : prometheus.targets().get("activeTargets")) {
      health.add(t.get("labels").get("job").asText() + " " + t.get("health").asText());
    }
    assertThat(health).as(health.toString()).containsExactly(jobName + " up", jobName + " up");
    // The JobManager's and the TaskManager's reporter, one port each.
    assertThat(prometheus.query("flink_jobmanager_numRegisteredTaskManagers").get("result"))
        .hasSize(1);
    assertThat(prometheus.sum("flink_jobmanager_numRegisteredTaskManagers")).isEqualTo(1.0);
  }

  @Test
  void everyDocumentedMetricHasTheValueTheTrafficGives() throws Exception {
    long valid = sentPerType.values().stream().mapToLong(v -> v).sum();
    long invalid = invalidPerReason.values().stream().mapToLong(v -> v).sum();
    assertThat(total("eventsIn")).as("eventsIn").isEqualTo(valid);
    assertThat(total("deadLetters")).as("deadLetters").isEqualTo(invalid);
    for (Map.Entry<String, Long> r : invalidPerReason.entrySet()) {
      assertThat(total("reason_deadLetters{reason=\"" + r.getKey() + "\"}"))
          .as("dead letters of reason " + r.getKey())
          .isEqualTo(r.getValue());
    }
    assertThat(total("reason_deadLetters{reason=\"late\"}")).isZero();

    assertThat(total("eventsHigh")).as("eventsHigh").isEqualTo(sentPerType.get("api.error"));
    assertThat(total("eventsLow")).as("eventsLow").isEqualTo(sentPerType.get("cache_hit"));
    assertThat(total("eventsNormal"))
        .as("eventsNormal")
        .isEqualTo(sentPerType.get("orders") + sentPerType.get("performance.response_time"));
    assertThat(total("untrustedPriorityClaims")).isZero();
    assertThat(total("propertiesDropped")).isZero();

    assertThat(total("sampledOut")).as("sampledOut").isEqualTo(expectedSampledOut);
    assertThat(expectedSampledOut).isPositive();
    assertThat(total("sampledKept")).as("sampledKept").isEqualTo(valid - expectedSampledOut);
    assertThat(total("lateEvents")).as("lateEvents").isEqualTo(LATE);
    assertThat(total("dimensionOverflow")).isZero();
    assertThat(total("eventTypeOverflow")).isZero();
    assertThat(total("preAggregatePartials")).isPositive();
    assertThat(total("privacyEstimates")).isZero();
    assertThat(total("privacyIgnoredAggregates")).isZero();
    assertThat(total("controlChangesApplied")).as("controlChangesApplied").isEqualTo(1);
    assertThat(total("controlChangesRefused")).as("controlChangesRefused").isEqualTo(1);
    assertThat(total("controlChanges")).as("controlChanges").isEqualTo(1);
    assertThat(total("controlAppliedLate")).as("controlAppliedLate").isZero();

    // Every dead letter, invalid or late, is in the dead-letter topic.
    assertThat(CommittedRecords.readAll(kafka.bootstrapServers(), NAME + "-dead-letters"))
        .hasSize((int) (invalid + LATE));

    // Window results: every one a row of window_aggregates (no lateness: no re-emissions).
    // The watermark stops in the last minute: every window with a kept event that ends by then
    // has closed (the first 12 minutes and the hour they begin in), and no other.
    long watermarkMinute = start + (MINUTES - 1) * 60_000L;
    long closed =
        keptWindows.stream()
            .filter(
                w -> {
                  String[] p = w.split("/");
                  return Long.parseLong(p[2]) + Long.parseLong(p[0]) <= watermarkMinute;
                })
            .count();
    long windows = total("windowsEmitted");
    assertThat(windows).as("windowsEmitted").isEqualTo(closed);
    assertThat(clickhouseCount("window_aggregates")).isEqualTo(windows);
    assertThat(table("rowsWritten", "window_aggregates")).isEqualTo(windows);
    assertThat(
            clickhouse.rows(
                "SELECT estimated_count FROM window_aggregates FINAL WHERE event_type = 'orders'"
                    + " AND granularity = '1m' AND window_start = toDateTime("
                    + (start / 1000 + SPIKE_MINUTE * 60)
                    + ", 'UTC')"))
        .containsExactly("1000");

    // Alerts: the detector's count is what the alerts table holds, and the spike is among them.
    long alerts = total("detectionAlerts");
    assertThat(alerts).as("detectionAlerts").isPositive();
    assertThat(clickhouseCount("alerts")).isEqualTo(alerts);
    assertThat(table("rowsWritten", "alerts")).isEqualTo(alerts);
    assertThat(
            clickhouse.rows(
                "SELECT event_type, toUnixTimestamp(window_start) FROM alerts FINAL"
                    + " WHERE pattern = 'spike'"))
        .containsExactly("orders\t" + (start / 1000 + SPIKE_MINUTE * 60));
    assertThat(total("detectionIgnoredAggregates")).isZero();
    // What the count rule needs per window: 0 (every window is judged, a missing one as 0). The
    // label of the types without overrides, "*", reaches Prometheus as "_": Flink's reporter
    // replaces every character outside [a-zA-Z0-9_:] in label values too.
    List<JsonNode> minValues =
        series(OP + "event_type_metric_detectionMinValues{metric=\"count\"}");
    for (JsonNode m : minValues) {
      assertThat(m.get("metric").get("event_type").asText()).as(m.toString()).isEqualTo("_");
      assertThat(m.get("value").get(1).asText()).as(m.toString()).isEqualTo("0");
    }
    series(OP + "detectionSparseWindows");
    series(OP + "detectionSparseKeys");

    // High-priority events: at-least-once, and without a failure exactly once.
    assertThat(clickhouseCount("high_priority_events")).isEqualTo(sentPerType.get("api.error"));
    assertThat(table("rowsWritten", "high_priority_events"))
        .isEqualTo(sentPerType.get("api.error"));

    for (String t : List.of("window_aggregates", "alerts", "high_priority_events")) {
      long inserts = table("inserts", t);
      assertThat(inserts).as("inserts of " + t).isBetween(1L, table("rowsWritten", t));
      assertThat(table("bytesWritten", t))
          .as("bytes of " + t)
          .isGreaterThan(table("rowsWritten", t));
      assertThat(table("insertFailures", t)).isZero();
      assertThat(table("insertRetries", t)).isZero();
      assertThat(table("insertLatencyMs_count", t))
          .as("insert latencies of " + t)
          .isEqualTo(inserts);
      double p50 =
          value(
              "max("
                  + OP
                  + "clickhouseTable_insertLatencyMs{clickhouseTable=\""
                  + t
                  + "\",quantile=\"0.5\"})");
      assertThat(p50).as("median insert latency of " + t + " (ms)").isBetween(0.0, 30_000.0);
      assertThat(
              series(OP + "clickhouseTable_commitLatencyMs_count{clickhouseTable=\"" + t + "\"}"))
          .isNotEmpty();
    }
    assertThat(value("sum(" + OP + "clickhouseTable_rowsPending)")).isZero();

    // Flink's own metrics the documentation points at: the source's committed offsets (every
    // record, valid or not, of both partitions), no lag, event-time progress to the last minute
    // (less the out-of-orderness), checkpoints without failures or restarts, backpressure.
    // (The control source keeps its offsets in checkpoints only: its partition reports -1.)
    assertThat(total("KafkaSourceReader_topic_partition_committedOffset{topic!~\".*control.*\"}"))
        .isEqualTo(valid + invalid);
    assertThat(total("pendingRecords")).isZero();
    double watermark = value("max(" + OP + "currentInputWatermark)");
    assertThat(watermark)
        .as("the furthest input watermark")
        .isBetween(start + (MINUTES - 1) * 60_000.0, start + MINUTES * 60_000.0);
    assertThat(value("sum(" + OP + "numRecordsInPerSecond)")).isNotNegative();
    assertThat(value("max(flink_jobmanager_job_lastCheckpointDuration)")).isNotNegative();
    assertThat(value("max(flink_jobmanager_job_lastCheckpointSize)")).isPositive();
    assertThat(value("sum(flink_jobmanager_job_numberOfCompletedCheckpoints)")).isPositive();
    // A checkpoint due while the tasks are still being deployed counts as failed ("Not all
    // required tasks are currently running"): some at start-up, none once the job runs.
    String failed = "sum(flink_jobmanager_job_numberOfFailedCheckpoints)";
    JsonNode atStart = prometheus.query(failed, trafficStart.plusSeconds(5)).get("result");
    assertThat(atStart).as("failed checkpoints at the start of the traffic").hasSize(1);
    double failedAtStart = Double.parseDouble(atStart.get(0).get("value").get(1).asText());
    assertThat(value(failed)).as("failed checkpoints while running").isEqualTo(failedAtStart);
    assertThat(value("sum(flink_jobmanager_job_numRestarts)")).isZero();
    assertThat(value("max(flink_taskmanager_job_task_backPressuredTimeMsPerSecond)"))
        .isBetween(0.0, 1000.0);

    // Write reduction: window results per event read, the documented query.
    double ratio = value("sum(" + OP + "windowsEmitted) / sum(" + OP + "eventsIn)");
    assertThat(ratio).isCloseTo((double) windows / valid, within(1e-9));
    cluster.log(
        "-- metrics: "
            + valid
            + " events in, "
            + invalid
            + " dead letters, "
            + expectedSampledOut
            + " sampled out, "
            + LATE
            + " late, "
            + windows
            + " windows, "
            + alerts
            + " alerts; "
            + failedAtStart
            + " checkpoints failed at start-up; one result per "
            + Math.round(1 / ratio)
            + " events");
  }

  @Test
  void everyPromQlExpressionOfTheDashboardReturnsData() throws Exception {
    // As a panel over the traffic would ask: a range query, one point per scrape.
    Instant from = trafficStart.minusSeconds(30);
    Instant to = Instant.now();
    List<String> checked = new ArrayList<>();
    for (String target : GrafanaDashboard.load(GrafanaDashboard.SHIPPED).prometheusExpressions()) {
      String expr = GrafanaDashboard.promQl(target, SCRAPE, SCRAPE, from, to);
      JsonNode data = prometheus.queryRange(expr, from, to, SCRAPE);
      double max = Double.NaN;
      int finite = 0;
      for (JsonNode series : data.get("result")) {
        for (JsonNode point : series.get("values")) {
          double v = Double.parseDouble(point.get(1).asText());
          if (Double.isFinite(v)) {
            finite++;
            max = Double.isNaN(max) ? v : Math.max(max, v);
          }
        }
      }
      assertThat(finite).as("finite samples of " + expr + ": " + data).isPositive();
      checked.add(expr + " (max " + max + ")");
    }
    assertThat(checked).as("the dashboard's PromQL targets").hasSize(8);
    cluster.log("-- dashboard PromQL, each with data: " + checked);
  }

  @Test
  void everyClickHouseQueryOfTheDashboardReturnsRows() throws Exception {
    // The dashboard's default time range ("now-6h" to "now"), as Grafana would send it.
    GrafanaDashboard dashboard = GrafanaDashboard.load(GrafanaDashboard.SHIPPED);
    Instant[] range = dashboard.defaultRange(Instant.now());
    List<String> checked = new ArrayList<>();
    for (String target : dashboard.clickHouseQueries()) {
      String sql = GrafanaDashboard.clickHouse(target, range[0], range[1], SCRAPE);
      List<String> rows;
      try {
        rows = clickhouse.rows(sql);
      } catch (Exception e) {
        throw new AssertionError("dashboard query failed: " + sql + "\n" + e.getMessage(), e);
      }
      assertThat(rows).as("rows of " + sql).isNotEmpty();
      checked.add(rows.size() + " rows: " + sql.replace('\n', ' '));
    }
    assertThat(checked).as("the dashboard's ClickHouse targets").hasSize(3);
    cluster.log("-- dashboard SQL, each with rows: " + checked);
  }

  // ---- Prometheus and ClickHouse reads ----

  /** The sum over every series of an operator metric ({@code flink_..._operator_<name>}). */
  private static long total(String metric) throws Exception {
    double v = value("sum(" + OP + metric + ")");
    assertThat(v).as(metric + " is a whole number").isEqualTo(Math.rint(v));
    return (long) v;
  }

  /** The sum of a ClickHouse sink metric of one table. */
  private static long table(String metric, String table) throws Exception {
    return total("clickhouseTable_" + metric + "{clickhouseTable=\"" + table + "\"}");
  }

  /** The value of an expression whose result is one sample; fails naming it when empty. */
  private static double value(String expr) throws Exception {
    JsonNode result = prometheus.query(expr).get("result");
    assertThat(result).as("Prometheus has no data for " + expr).hasSize(1);
    return Double.parseDouble(result.get(0).get("value").get(1).asText());
  }

  /** The series of a selector; fails when there is none. */
  private static List<JsonNode> series(String selector) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    prometheus.query(selector).get("result").forEach(out::add);
    assertThat(out).as("Prometheus has no series " + selector).isNotEmpty();
    return out;
  }

  private static long clickhouseCount(String table) throws Exception {
    return Long.parseLong(clickhouse.rows("SELECT count() FROM " + table + " FINAL").get(0));
  }

  /**
   * Waits until the counters have settled: two checkpoints after the last record was consumed
   * (every window the watermark closed is then committed), then until the window, alert and
   * high-priority counters of Prometheus stay the same over three scrapes.
   */
  private static void awaitSettled(String job) throws Exception {
    long checkpoints = cluster.completedCheckpoints(job);
    long deadline = System.nanoTime() + SHORT.toNanos();
    while (cluster.completedCheckpoints(job) < checkpoints + 2) {
      assertThat(System.nanoTime() < deadline).as("2 checkpoints after the traffic").isTrue();
      Thread.sleep(200);
    }
    String probe =
        "sum(" + OP + "windowsEmitted) + sum(" + OP + "clickhouseTable_rowsWritten) * 1000000";
    String last = "";
    int same = 0;
    while (same < 3) {
      assertThat(System.nanoTime() < deadline).as("settled counters").isTrue();
      Thread.sleep(SCRAPE.toMillis());
      JsonNode r = prometheus.query(probe).get("result");
      String now = r.isEmpty() ? "" : r.get(0).get("value").get(1).asText();
      same = now.equals(last) && !now.isEmpty() ? same + 1 : 0;
      last = now;
    }
    TreeSet<String> names = new TreeSet<>();
    prometheus
        .query("{__name__=~\"" + OP + ".*\"}")
        .get("result")
        .forEach(s -> names.add(s.get("metric").get("__name__").asText().substring(OP.length())));
    // The Kafka clients' own metrics are many and not the job's.
    names.removeIf(n -> n.startsWith("Kafka"));
    cluster.log("-- settled; operator metrics in Prometheus (" + OP + "...): " + names);
  }

  // ---- the job and its input ----

  private static List<String> jobArgs() {
    return List.of(
        "--job.name",
        "prometheus-it",
        "--job.parallelism",
        "2",
        "--kafka.bootstrap-servers",
        kafka.bootstrapServers(),
        "--kafka.topic",
        NAME + "-events",
        "--kafka.group-id",
        NAME + "-group",
        "--kafka.start-position",
        "earliest",
        "--kafka.transactional-id-prefix",
        "prometheus-it",
        "--dead-letter.topic",
        NAME + "-dead-letters",
        "--clickhouse.url",
        clickhouse.url(),
        "--clickhouse.create-tables",
        "true",
        "--checkpoint.interval",
        "1 s",
        "--checkpoint.dir",
        cluster.home().resolve("checkpoints").toUri().toString(),
        // The seed rules judge after 5 windows (the default likelihood mode learns for half a
        // day), so the spike of minute 7 is an alert.
        "--control.topic",
        NAME + "-control",
        "--detection.mode",
        "seed",
        "--detection.history",
        "5",
        "--detection.warmup",
        "5");
  }

  private static String event(String id, String type, long ts, int value) {
    return "{\"event_id\":\""
        + id
        + "\",\"event_type\":\""
        + type
        + "\",\"timestamp\":\""
        + Instant.ofEpochMilli(ts)
        + "\",\"value\":"
        + value
        + "}";
  }

  private static void invalid(List<Input> inputs, String reason, String record, int n) {
    for (int i = 0; i < n; i++) {
      inputs.add(new Input(i % 2, record.getBytes(StandardCharsets.UTF_8)));
      invalidPerReason.merge(reason, 1L, Long::sum);
    }
  }

  private static void awaitConsumed() throws Exception {
    ConsumerGroups.awaitCommittedToEnd(
        kafka.adminProperties(), NAME + "-group", NAME + "-events", SHORT);
    cluster.log("-- every record consumed and checkpointed");
  }

  private static String[] command(List<String> tail, String... head) {
    return Stream.concat(Stream.of(head), tail.stream()).toArray(String[]::new);
  }

  private static void deleteRecursively(Path dir) throws Exception {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
