package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.local.CommittedRecords;
import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.testing.BoundedJobs;
import dev.analytics.pipeline.testing.ClickHouseServer;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile strings through the whole pipeline, from a real Kafka into a real ClickHouse 18.16 and a
 * real PostgreSQL 15: dimension values and properties made of SQL and format metacharacters of both
 * databases (quotes, backslashes, {@code '); DROP TABLE ...; --}, {@code \N}, tabs and line breaks,
 * surrogate pairs, ClickHouse's {@code {x:String}} and {@code ?}, PostgreSQL's {@code $$}, strings
 * at the validator's length limit) are stored verbatim in every table, while event types and
 * dimension keys outside their character set, strings over their limits, and strings no database
 * stores as sent (U+0000, which PostgreSQL refuses, and unpaired surrogates) are dead letters with
 * the precise reason. Afterwards every table of both databases is still there, including a "victim"
 * table the strings try to drop.
 */
class SqlInjectionITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final long START = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
  private static final String DB = "inj_db";
  private static final String TOPIC = "injection-events";
  private static final String DLQ = "injection-dead-letters";
  private static final String LONG_TYPE = "a.b:c-d_".repeat(16); // 128 characters: the limit
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Dimension values (all distinct, each at most 256 characters) and property payloads. */
  static final List<String> HOSTILE =
      List.of(
          "'",
          "\"",
          "\\",
          "''",
          "\\'",
          "'); DROP TABLE victim; --",
          "\"; DROP TABLE victim; --",
          "`); DROP TABLE inj_db.victim; --",
          "1' OR '1'='1",
          "\\N",
          "NULL",
          "a\tb\nc\rd",
          "😀 𝄞 ünïcödé ✓ 中文",
          "{p:String} ? {x} }{",
          "$$; DROP TABLE victim; $$",
          "$tag$ DROP TABLE victim $tag$",
          "/* c */ -- ;",
          "%s %1$s %n {0}",
          "a=b,c\\,d",
          "\u2028\u2029\u00a0",
          "<script>alert(1)</script>",
          "'".repeat(256),
          "\\".repeat(255) + "'",
          "😀".repeat(128)); // 256 UTF-16 chars, 512 bytes

  /** Records the validator refuses, with the reason and field of their dead letter. */
  record Refused(String json, String reason, String field) {}

  private static EmbeddedKafka kafka;
  private static ClickHouseServer clickhouse;
  private static PostgresServer postgres;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    clickhouse = ClickHouseServer.start();
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (postgres != null) {
        postgres.close();
      }
      if (clickhouse != null) {
        clickhouse.close();
      }
    } finally {
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  @Test
  void hostileStringsAreStoredVerbatimOrDeadLetteredAndNoTableIsHarmed() throws Exception {
    clickhouse.query("CREATE DATABASE " + DB);
    clickhouse.query("CREATE TABLE " + DB + ".victim (x String) ENGINE = TinyLog");
    clickhouse.query("INSERT INTO " + DB + ".victim VALUES ('still here')");
    postgres.execute("CREATE TABLE victim (x text)", "INSERT INTO victim VALUES ('still here')");
    kafka.createTopics(1, TOPIC, DLQ);

    List<Input> inputs = new ArrayList<>();
    Map<String, String> properties = new LinkedHashMap<>();
    for (int i = 0; i < HOSTILE.size(); i++) {
      String s = HOSTILE.get(i);
      Map<String, Object> props = new LinkedHashMap<>();
      props.put("payload", s);
      props.put(s, List.of(s, Map.of("nested", s)));
      String propsJson = JSON.writeValueAsString(props);
      properties.put("inj-" + i, propsJson);
      Map<String, Object> dims = new LinkedHashMap<>();
      dims.put("region", s);
      dims.put("k.e:y-_1", s);
      inputs.add(
          new Input(
              0,
              ("{\"event_id\":"
                      + JSON.writeValueAsString("inj-" + i)
                      + ",\"event_type\":\"api.error\",\"timestamp\":"
                      + (START + i)
                      + ",\"dimensions\":"
                      + JSON.writeValueAsString(dims)
                      + ",\"properties\":"
                      + propsJson
                      + "}")
                  .getBytes(StandardCharsets.UTF_8)));
    }
    inputs.add(
        new Input(
            0,
            ("{\"event_id\":\"long-type\",\"event_type\":\""
                    + LONG_TYPE
                    + "\",\"timestamp\":"
                    + START
                    + "}")
                .getBytes(StandardCharsets.UTF_8)));

    List<Refused> refused =
        List.of(
            new Refused(
                event("\"api.error'); DROP TABLE victim; --\"", "{}"),
                "invalid_event_type",
                "event_type"),
            new Refused(event("\"api.error\\u0000\"", "{}"), "invalid_unicode", "event_type"),
            new Refused(event("\"{x:String}\"", "{}"), "invalid_event_type", "event_type"),
            new Refused(event("\"" + LONG_TYPE + "x\"", "{}"), "field_too_long", "event_type"),
            new Refused(
                event("\"api.error\"", "{\"region'); DROP TABLE victim; --\":\"x\"}"),
                "invalid_dimension_key",
                "dimensions"),
            new Refused(
                event("\"api.error\"", "{\"$$\":\"x\"}"), "invalid_dimension_key", "dimensions"),
            new Refused(
                event(
                    "\"api.error\"",
                    "{\"region\":" + JSON.writeValueAsString("'".repeat(257)) + "}"),
                "field_too_long",
                "dimensions.region"),
            new Refused(
                event("\"api.error\"", "{\"region\":\"\\u0000\"}"),
                "invalid_unicode",
                "dimensions.region"),
            new Refused(
                event("\"api.error\"", "{\"region\":\"x\\u0000'; DROP TABLE victim; --\"}"),
                "invalid_unicode",
                "dimensions.region"),
            new Refused(
                event("\"api.error\"", "{\"region\":\"x\\ud800'; DROP TABLE victim; --\"}"),
                "invalid_unicode",
                "dimensions.region"));
    for (Refused r : refused) {
      inputs.add(new Input(0, r.json().getBytes(StandardCharsets.UTF_8)));
    }
    KafkaTopics.produce(kafka.bootstrapServers(), TOPIC, inputs);

    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap-servers", kafka.bootstrapServers());
    values.put("kafka.topic", TOPIC);
    values.put("dead-letter.topic", DLQ);
    values.put("kafka.bounded", "true");
    values.put("kafka.start-position", "earliest");
    values.put("checkpoint.interval", "500 ms");
    values.put("checkpoint.dir", tmp.resolve("checkpoints").toUri().toString());
    values.put("state.backend", "hashmap");
    values.put("job.parallelism", "1");
    values.put("detection.enabled", "false");
    values.put("aggregation.default-dimensions", "region");
    values.put("clickhouse.url", clickhouse.url());
    values.put("clickhouse.database", DB);
    values.put("clickhouse.create-tables", "true");
    values.put("postgres.url", postgres.jdbcUrl());
    values.put("postgres.user", postgres.user());
    values.put("postgres.create-tables", "true");
    values.put("postgres.daily-counter-dimensions", "region");
    JobConfig config = JobConfig.of(values);
    Configuration flink = config.flinkConfiguration();
    flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    PipelineSinks.prepareTables(config);
    AnalyticsJob.defineWorkflow(env, config);
    env.execute("sql-injection");

    // ---- ClickHouse: raw high-priority events, verbatim ----
    Map<String, JsonNode> events = new HashMap<>();
    for (JsonNode row :
        jsonRows(
            "SELECT event_id, event_type, dimensions.key AS k, dimensions.value AS v, properties"
                + " FROM "
                + DB
                + ".high_priority_events FINAL")) {
      events.put(row.get("event_id").asText(), row);
    }
    assertThat(events).hasSize(HOSTILE.size());
    for (int i = 0; i < HOSTILE.size(); i++) {
      JsonNode row = events.get("inj-" + i);
      String s = HOSTILE.get(i);
      assertThat(row.get("event_type").asText()).isEqualTo("api.error");
      assertThat(texts(row.get("k"))).containsExactly("k.e:y-_1", "region");
      assertThat(texts(row.get("v"))).as("dimension values of inj-%d", i).containsExactly(s, s);
      assertThat(row.get("properties").asText())
          .as("properties of inj-%d", i)
          .isEqualTo(properties.get("inj-" + i));
    }

    // ---- ClickHouse: window aggregates keyed by the hostile region ----
    Set<String> regions = new HashSet<>();
    Set<String> types = new HashSet<>();
    for (JsonNode row :
        jsonRows(
            "SELECT event_type, dimensions.value AS v, estimated_count FROM "
                + DB
                + ".window_aggregates FINAL WHERE granularity = '1m'")) {
      types.add(row.get("event_type").asText());
      if (row.get("event_type").asText().equals("api.error")) {
        assertThat(row.get("estimated_count").asDouble()).isEqualTo(1.0);
        regions.addAll(texts(row.get("v")));
      }
    }
    assertThat(types).containsExactlyInAnyOrder("api.error", LONG_TYPE);
    assertThat(regions).containsExactlyInAnyOrderElementsOf(HOSTILE);

    // ---- PostgreSQL: aggregates (jsonb dimensions) and daily counters (a text column) ----
    List<String> expectedPg = HOSTILE.stream().map(s -> s.replace('\u0000', '\uFFFD')).toList();
    assertThat(
            pgStrings(
                "SELECT dimensions->>'region' FROM analytics_window_aggregate"
                    + " WHERE event_type = 'api.error' AND granularity = '1m'"))
        .containsExactlyInAnyOrderElementsOf(expectedPg);
    assertThat(
            pgStrings(
                "SELECT event_type FROM analytics_window_aggregate WHERE granularity = '1m'"
                    + " AND dimensions = '{\"region\": \"\"}'::jsonb"))
        .containsExactly(LONG_TYPE);
    List<String> counterRegions = new ArrayList<>(expectedPg);
    counterRegions.add("");
    assertThat(pgStrings("SELECT region FROM analytics_aggregate"))
        .containsExactlyInAnyOrderElementsOf(counterRegions);

    // ---- dead letters: the refused records, each with its precise reason ----
    List<String> dead = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        CommittedRecords.readAll(kafka.bootstrapServers(), DLQ)) {
      JsonNode d = JSON.readTree(r.value());
      dead.add(d.get("reason").asText() + " " + d.get("field").asText());
    }
    assertThat(dead)
        .containsExactlyInAnyOrderElementsOf(
            refused.stream().map(r -> r.reason() + " " + r.field()).toList());

    // ---- every table intact ----
    assertThat(clickhouse.rows("SELECT name FROM system.tables WHERE database = '" + DB + "'"))
        .containsExactlyInAnyOrder("alerts", "high_priority_events", "victim", "window_aggregates");
    assertThat(clickhouse.rows("SELECT x FROM " + DB + ".victim")).containsExactly("still here");
    assertThat(clickhouse.rows("SELECT name FROM system.databases"))
        .contains("default", "system", DB);
    assertThat(
            pgStrings(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))
        .containsExactlyInAnyOrder(
            "analytics_aggregate",
            "analytics_alert",
            "analytics_window_aggregate",
            "analytics_sink_commit",
            "victim");
    assertThat(pgStrings("SELECT x FROM victim")).containsExactly("still here");
  }

  private static String event(String typeJson, String dimensionsJson) {
    return "{\"event_id\":\"refused\",\"event_type\":"
        + typeJson
        + ",\"timestamp\":"
        + START
        + ",\"dimensions\":"
        + dimensionsJson
        + "}";
  }

  private static List<JsonNode> jsonRows(String sql) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    for (String line : clickhouse.query(sql + " FORMAT JSONEachRow").split("\n")) {
      if (!line.isBlank()) {
        rows.add(JSON.readTree(line));
      }
    }
    return rows;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> pgStrings(String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
