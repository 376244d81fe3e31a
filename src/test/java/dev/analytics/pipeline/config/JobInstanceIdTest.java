package dev.analytics.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.analytics.pipeline.ingest.KafkaOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The namespace of a job instance in shared servers: explicit, or derived without collisions. */
class JobInstanceIdTest {
  private static JobConfig config(String... keyValues) {
    java.util.HashMap<String, String> values = new java.util.HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return JobConfig.of(values);
  }

  @Test
  void aNameThatIsAnIdIsItsOwnIdAsBefore() {
    // The ids of jobs that already run do not change (their prepared transactions keep their
    // prefix, their Kafka transactional ids theirs with the default prefix).
    assertEquals("analytics-pipeline", config().instanceId());
    assertEquals("analytics-pipeline", KafkaOptions.transactionalIdPrefix(config()));
    assertEquals("prod.eu_1", config("job.name", "prod.eu_1").instanceId());
  }

  @Test
  void namesThatUsedToCollideGetDifferentIds() {
    String a = config("job.name", "a b").instanceId();
    String b = config("job.name", "a_b").instanceId();
    assertNotEquals(a, b);
    assertTrue(a.startsWith("a_b-") && a.length() == 16, a);

    String longName = "x".repeat(60);
    String p = config("job.name", longName + "-production").instanceId();
    String q = config("job.name", longName + "-backfill").instanceId();
    assertNotEquals(p, q);
    assertTrue(p.length() <= 60 && q.length() <= 60, p + " " + q);
    assertEquals(p, config("job.name", longName + "-production").instanceId(), "stable");
  }

  @Test
  void anExplicitIdAndPrefixWinAndBadOnesAreRefusedByName() {
    JobConfig c = config("job.name", "a b", "job.instance-id", "backfill-2026");
    assertEquals("backfill-2026", c.instanceId());
    assertEquals("backfill-2026", KafkaOptions.transactionalIdPrefix(c));
    assertEquals(
        "tx", KafkaOptions.transactionalIdPrefix(config("kafka.transactional-id-prefix", "tx")));

    for (Map.Entry<String, String> bad :
        Map.of("job.instance-id", "with space", "kafka.transactional-id-prefix", "x".repeat(61))
            .entrySet()) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> config(bad.getKey(), bad.getValue()));
      assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
    }
  }
}
