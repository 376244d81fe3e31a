package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaEventSource;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.model.ParsedRecord;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.KafkaTopics;
import dev.analytics.pipeline.testing.KafkaTopics.Input;
import dev.analytics.pipeline.testing.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dimension values that differ only in an unpaired surrogate ({@code "x\ud800"} and {@code
 * "x\udbff"}) or hold U+0000, through the whole job at parallelism 2 into a real PostgreSQL with
 * exactly-once aggregates. The driver would write both surrogates as {@code ?}: one primary key for
 * two rows that Flink routes to different subtasks, whose prepared transactions then wait for each
 * other's row lock until the lock timeout restarts the job, again and again. They must be {@code
 * invalid_unicode} dead letters instead, with the job finishing without a restart and every other
 * row exact.
 */
class InvalidUnicodePostgresITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-04-01T10:00:00Z").toEpochMilli();
  private static final String[] UNSTORABLE = {"\\ud800", "\\udbff", "\\udc00", "\\u0000"};

  private static EmbeddedKafka kafka;
  private static PostgresServer postgres;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (postgres != null) {
        postgres.close();
      }
    } finally {
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  @Test
  void unstorableStringsAreDeadLettersAndTheSinkNeverWaitsForItself() throws Exception {
    String name = "unicode";
    kafka.createTopics(2, name + "-events", name + "-dead-letters");
    // Three minutes of "page.view" in four regions; in every minute, for 16 values, one event per
    // unstorable escape: without the check, 16 x 4 keys stored as 16 rows with '?' (or refused).
    List<Input> inputs = new ArrayList<>();
    Map<String, Long> expected = new TreeMap<>();
    int invalid = 0;
    for (int i = 0; i < 3_600; i++) {
      long ts = START + i * 50L;
      String region = "r" + (i % 4);
      inputs.add(new Input(i % 2, event("e-" + i, region, ts), ts + 100));
      expected.merge(region + "@" + Instant.ofEpochMilli(ts - ts % 60_000), 1L, Long::sum);
      if (i % 1_200 == 600) {
        for (int v = 0; v < 16; v++) {
          for (String escape : UNSTORABLE) {
            inputs.add(new Input(v % 2, event("bad-" + i + "-" + v, "x" + v + escape, ts), ts));
            invalid++;
          }
        }
      }
    }
    KafkaTopics.produce(kafka.bootstrapServers(), name + "-events", inputs);

    Map<String, String> values =
        BoundedJobs.config(kafka.bootstrapServers(), name, tmp.resolve("checkpoints"));
    values.put("restart.max-backoff", "1 s");
    values.put("aggregation.dimensions", "page.view: region");
    values.put("window.rollups", "");
    values.put("postgres.url", postgres.jdbcUrl());
    values.put("postgres.user", postgres.user());
    values.put("postgres.mode", "exactly-once");
    values.put("postgres.create-tables", "true");
    values.put("postgres.lock-timeout", "3 s");
    values.put("postgres.table.aggregates", name + "_window_aggregate");
    values.put("postgres.table.alerts", name + "_alert");
    values.put("postgres.table.daily-counters", name + "_aggregate");
    JobConfig config = JobConfig.of(values);

    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    DataStream<ParsedRecord> records =
        env.fromSource(
                KafkaEventSource.create(config),
                KafkaEventSource.watermarks(config),
                OperatorIds.KAFKA_SOURCE_NAME)
            .uid(OperatorIds.KAFKA_SOURCE)
            .map(new CountOpens())
            .name("Count opens");
    PipelineSinks.prepareTables(config);
    PipelineSinks.attach(AnalyticsPipeline.build(records, config), config);
    CountOpens.OPENS.set(0);
    JobClient job = env.executeAsync(name);
    try {
      job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      job.cancel().get();
      throw new AssertionError(
          "the job did not finish within 2 minutes; subtasks opened "
              + CountOpens.OPENS.get()
              + " times (2 without a restart)",
          e);
    }
    assertThat(CountOpens.OPENS.get()).as("subtask starts: 2 means no restart").isEqualTo(2);

    Map<String, Long> rows = new TreeMap<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT dimensions->>'region', window_start, estimated_count FROM "
                    + name
                    + "_window_aggregate WHERE event_type = 'page.view'")) {
      while (rs.next()) {
        rows.put(
            rs.getString(1) + "@" + rs.getTimestamp(2).toInstant(), Math.round(rs.getDouble(3)));
      }
    }
    assertThat(rows).as("aggregate rows").isEqualTo(expected);
    assertThat(postgres.preparedTransactions())
        .as("prepared transactions left")
        .isEqualTo(List.of());

    Map<String, Integer> reasons = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), name + "-dead-letters")) {
      JsonNode d = JSON.readTree(r.value());
      reasons.merge(d.get("reason").asText() + "/" + d.get("field").asText(), 1, Integer::sum);
    }
    assertThat(reasons).isEqualTo(Map.of("invalid_unicode/dimensions.region", invalid));
  }

  private static byte[] event(String id, String region, long ts) {
    return ("{\"event_id\":\""
            + id
            + "\",\"event_type\":\"page.view\",\"timestamp\":"
            + ts
            + ",\"dimensions\":{\"region\":\""
            + region
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Counts the starts of its subtasks: more than the parallelism means the job restarted. */
  static final class CountOpens extends RichMapFunction<ParsedRecord, ParsedRecord> {
    static final AtomicInteger OPENS = new AtomicInteger();

    @Override
    public void open(OpenContext openContext) {
      OPENS.incrementAndGet();
    }

    @Override
    public ParsedRecord map(ParsedRecord r) {
      return r;
    }
  }
}
