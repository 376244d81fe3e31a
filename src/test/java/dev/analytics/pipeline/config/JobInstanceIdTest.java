package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

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
    assertThat(config().instanceId()).isEqualTo("analytics-pipeline");
    assertThat(KafkaOptions.transactionalIdPrefix(config())).isEqualTo("analytics-pipeline");
    assertThat(config("job.name", "prod.eu_1").instanceId()).isEqualTo("prod.eu_1");
  }

  @Test
  void namesThatUsedToCollideGetDifferentIds() {
    String a = config("job.name", "a b").instanceId();
    String b = config("job.name", "a_b").instanceId();
    assertThat(b).isNotEqualTo(a);
    assertThat(a.startsWith("a_b-") && a.length() == 16).as(a).isTrue();

    String longName = "x".repeat(60);
    String p = config("job.name", longName + "-production").instanceId();
    String q = config("job.name", longName + "-backfill").instanceId();
    assertThat(q).isNotEqualTo(p);
    assertThat(p.length() <= 60 && q.length() <= 60).as(p + " " + q).isTrue();
    assertThat(config("job.name", longName + "-production").instanceId()).as("stable").isEqualTo(p);
  }

  @Test
  void anExplicitIdAndPrefixWinAndBadOnesAreRefusedByName() {
    JobConfig c = config("job.name", "a b", "job.instance-id", "backfill-2026");
    assertThat(c.instanceId()).isEqualTo("backfill-2026");
    assertThat(KafkaOptions.transactionalIdPrefix(c)).isEqualTo("backfill-2026");
    assertThat(KafkaOptions.transactionalIdPrefix(config("kafka.transactional-id-prefix", "tx")))
        .isEqualTo("tx");

    for (Map.Entry<String, String> bad :
        Map.of("job.instance-id", "with space", "kafka.transactional-id-prefix", "x".repeat(61))
            .entrySet()) {
      ConfigException e =
          assertThatExceptionOfType(ConfigException.class)
              .isThrownBy(() -> config(bad.getKey(), bad.getValue()))
              .actual();
      assertThat(e.getMessage().contains(bad.getKey())).as(e.getMessage()).isTrue();
    }
  }
}
