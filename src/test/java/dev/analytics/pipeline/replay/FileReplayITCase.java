package dev.analytics.pipeline.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.testing.BoundedJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The replay command end to end on a file of known content. */
class FileReplayITCase {
  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = BoundedJobs.miniCluster();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();

  @TempDir Path tmp;

  @Test
  void writesTheAggregatesAlertsAndDeadLettersOfAFile() throws Exception {
    // 45 minutes of "orders" at 200 per minute with values 1..50, a burst of 1000 in minute 30,
    // "pings" without values in the first 10 minutes, and three bad lines.
    List<String> lines = new ArrayList<>();
    Map<Long, Long> orders = new TreeMap<>();
    int id = 0;
    for (int minute = 0; minute < 45; minute++) {
      int n = minute == 30 ? 1000 : 200;
      for (int i = 0; i < n; i++) {
        long ts = START + minute * 60_000L + i * 50L;
        lines.add(
            "{\"event_id\":\"o"
                + id++
                + "\",\"event_type\":\"orders\",\"timestamp\":\""
                + Instant.ofEpochMilli(ts)
                + "\",\"value\":"
                + (i % 50 + 1)
                + "}");
        orders.merge(START + minute * 60_000L, 1L, Long::sum);
      }
      if (minute < 10) {
        lines.add(
            "{\"event_id\":\"p"
                + minute
                + "\",\"event_type\":\"pings\",\"timestamp\":"
                + (START + minute * 60_000L + 5)
                + "}");
      }
    }
    lines.add(3, "{\"event_id\":\"x\",\"event_type\":\"orders\"}");
    lines.add(100, "not json");
    lines.add(200, "");
    lines.add(201, "[1]");
    Path events = tmp.resolve("events.ndjson");
    Files.write(events, lines, StandardCharsets.UTF_8);

    Map<String, String> values = new HashMap<>();
    values.put("state.backend", "hashmap");
    values.put("job.parallelism", "2");
    // 45 one-minute windows: shorter than the likelihood mode's warm-up (half a day); the seed
    // mode judges after 10 windows.
    values.put("detection.mode", "seed");
    Path out = tmp.resolve("out");
    FileReplay.Summary summary = FileReplay.run(JobConfig.of(values), events, out);

    // Aggregates: every minute of orders exactly, the hour rollup, the pings.
    Map<Long, Long> minutes = new TreeMap<>();
    long hourOrders = 0;
    long pings = 0;
    Map<Long, Double> scores = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("aggregates.jsonl"))) {
      JsonNode a = JSON.readTree(line);
      long start = Instant.parse(a.get("window_start").asText()).toEpochMilli();
      String type = a.get("event_type").asText();
      String granularity = a.get("granularity").asText();
      if (type.equals("orders") && granularity.equals("1m")) {
        minutes.put(start, a.get("kept_count").asLong());
        assertEquals(1.0, a.get("min").asDouble());
        assertEquals(50.0, a.get("max").asDouble());
        assertEquals(25.5, a.get("mean").asDouble(), 1e-9);
        assertTrue(a.get("anomaly_score").isNumber(), "a judged minute has its score: " + line);
        scores.put(start, a.get("anomaly_score").asDouble());
      } else if (type.equals("orders") && granularity.equals("1h")) {
        hourOrders = a.get("kept_count").asLong();
        assertTrue(a.get("anomaly_score").isNull(), "rollups are not judged: " + line);
      } else if (type.equals("pings") && granularity.equals("1m")) {
        pings += a.get("kept_count").asLong();
        assertTrue(a.get("mean").isNull(), "no values, no mean");
      }
    }
    assertEquals(orders, minutes);
    // The spike's minute (1,000 orders against 200) is the most anomalous of all.
    long spikeMinute =
        orders.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    assertEquals(
        spikeMinute,
        scores.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey(),
        "scores " + scores);
    assertEquals(45 * 200 + 800, hourOrders);
    assertEquals(10, pings);
    assertEquals(summary.aggregates(), Files.readAllLines(out.resolve("aggregates.jsonl")).size());

    // Alerts: the burst is a spike against a baseline of 200, and it resolves 10 windows later
    // (nothing after the end of the file counts as a drop).
    List<JsonNode> alerts = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("alerts.jsonl"))) {
      alerts.add(JSON.readTree(line));
    }
    assertEquals(2, alerts.size(), alerts.toString());
    assertEquals(summary.alerts(), alerts.size());
    JsonNode spike =
        alerts.stream().filter(a -> a.get("pattern").asText().equals("spike")).findFirst().get();
    assertEquals("orders", spike.get("event_type").asText());
    assertEquals(
        Instant.ofEpochMilli(START + 30 * 60_000L).toString(), spike.get("window_start").asText());
    assertEquals(
        Instant.ofEpochMilli(START + 31 * 60_000L).toString(), spike.get("window_end").asText());
    assertEquals("count", spike.get("metric").asText());
    assertEquals(1000.0, spike.get("value").asDouble());
    assertEquals(200.0, spike.get("baseline").asDouble());
    assertTrue(spike.get("confidence").asDouble() > 0.9);
    assertEquals(0, spike.get("version").asInt());
    assertTrue(spike.get("dimensions").isEmpty());
    assertEquals(
        "resolved",
        alerts.stream()
            .map(a -> a.get("pattern").asText())
            .filter(p -> !p.equals("spike"))
            .findFirst()
            .get());

    // Dead letters: the three bad lines with their line numbers (the blank line is skipped).
    Map<Long, String> dead = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("dead-letters.jsonl"))) {
      JsonNode d = JSON.readTree(line);
      dead.put(d.get("source_offset").asLong(), d.get("reason").asText());
      assertEquals("events.ndjson", d.get("source_topic").asText());
    }
    assertEquals(Map.of(4L, "missing_field", 101L, "malformed_json", 202L, "not_an_object"), dead);
    assertEquals(3, summary.deadLetters());
  }
}
