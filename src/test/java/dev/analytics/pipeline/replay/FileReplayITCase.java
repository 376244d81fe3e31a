package dev.analytics.pipeline.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
        assertThat(a.get("min").asDouble()).isEqualTo(1.0);
        assertThat(a.get("max").asDouble()).isEqualTo(50.0);
        assertThat(a.get("mean").asDouble()).isCloseTo(25.5, within(1e-9));
        assertThat(a.get("anomaly_score").isNumber())
            .as("a judged minute has its score: " + line)
            .isTrue();
        scores.put(start, a.get("anomaly_score").asDouble());
      } else if (type.equals("orders") && granularity.equals("1h")) {
        hourOrders = a.get("kept_count").asLong();
        assertThat(a.get("anomaly_score").isNull()).as("rollups are not judged: " + line).isTrue();
      } else if (type.equals("pings") && granularity.equals("1m")) {
        pings += a.get("kept_count").asLong();
        assertThat(a.get("mean").isNull()).as("no values, no mean").isTrue();
      }
    }
    assertThat(minutes).isEqualTo(orders);
    // The spike's minute (1,000 orders against 200) is the most anomalous of all.
    long spikeMinute =
        orders.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    assertThat(scores.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey())
        .as("scores " + scores)
        .isEqualTo(spikeMinute);
    assertThat(hourOrders).isEqualTo(45 * 200 + 800);
    assertThat(pings).isEqualTo(10);
    assertThat(Files.readAllLines(out.resolve("aggregates.jsonl")).size())
        .isEqualTo(summary.aggregates());

    // Alerts: the burst is a spike against a baseline of 200, and it resolves 10 windows later
    // (nothing after the end of the file counts as a drop).
    List<JsonNode> alerts = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("alerts.jsonl"))) {
      alerts.add(JSON.readTree(line));
    }
    assertThat(alerts.size()).as(alerts.toString()).isEqualTo(2);
    assertThat(alerts.size()).isEqualTo(summary.alerts());
    JsonNode spike =
        alerts.stream().filter(a -> a.get("pattern").asText().equals("spike")).findFirst().get();
    assertThat(spike.get("event_type").asText()).isEqualTo("orders");
    assertThat(spike.get("window_start").asText())
        .isEqualTo(Instant.ofEpochMilli(START + 30 * 60_000L).toString());
    assertThat(spike.get("window_end").asText())
        .isEqualTo(Instant.ofEpochMilli(START + 31 * 60_000L).toString());
    assertThat(spike.get("metric").asText()).isEqualTo("count");
    assertThat(spike.get("value").asDouble()).isEqualTo(1000.0);
    assertThat(spike.get("baseline").asDouble()).isEqualTo(200.0);
    assertThat(spike.get("confidence").asDouble() > 0.9).isTrue();
    assertThat(spike.get("version").asInt()).isEqualTo(0);
    assertThat(spike.get("dimensions").isEmpty()).isTrue();
    assertThat(
            alerts.stream()
                .map(a -> a.get("pattern").asText())
                .filter(p -> !p.equals("spike"))
                .findFirst()
                .get())
        .isEqualTo("resolved");

    // Dead letters: the three bad lines with their line numbers (the blank line is skipped).
    Map<Long, String> dead = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("dead-letters.jsonl"))) {
      JsonNode d = JSON.readTree(line);
      dead.put(d.get("source_offset").asLong(), d.get("reason").asText());
      assertThat(d.get("source_topic").asText()).isEqualTo("events.ndjson");
    }
    assertThat(dead)
        .isEqualTo(Map.of(4L, "missing_field", 101L, "malformed_json", 202L, "not_an_object"));
    assertThat(summary.deadLetters()).isEqualTo(3);
  }
}
