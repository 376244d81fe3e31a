package dev.analytics.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.local.CommittedRecords;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The committed window aggregates of a Kafka topic, as a consumer of the results reads them. */
public final class CommittedAggregates {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CommittedAggregates() {}

  /**
   * The estimated count of the highest version of every window (read_committed), keyed {@code
   * granularity|event_type|dimensions JSON|window start in epoch ms}.
   */
  public static Map<String, Double> latestEstimatedCounts(String bootstrap, String topic)
      throws Exception {
    Map<String, Double> counted = new TreeMap<>();
    Map<String, Integer> versions = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(bootstrap, topic)) {
      JsonNode a = JSON.readTree(r.value());
      String id =
          a.get("granularity").asText()
              + "|"
              + a.get("event_type").asText()
              + "|"
              + a.get("dimensions")
              + "|"
              + Instant.parse(a.get("window_start").asText()).toEpochMilli();
      int version = a.get("version").asInt();
      if (versions.getOrDefault(id, -1) < version) {
        versions.put(id, version);
        counted.put(id, a.get("estimated_count").asDouble());
      }
    }
    return counted;
  }
}
