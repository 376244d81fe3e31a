package dev.analytics.pipeline.sinks.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobConfig;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaSinksTest {
  @Test
  void batchesLargeByDefault() {
    Properties p = KafkaSinks.producerProperties(JobConfig.of(Map.of()));

    assertThat(p.getProperty("batch.size")).isEqualTo("262144");
    assertThat(p.getProperty("linger.ms")).isEqualTo("50");
    assertThat(p.getProperty("security.protocol")).isEqualTo("PLAINTEXT");
  }

  @Test
  void kafkaPropertiesOverrideTheBatching() {
    Properties p =
        KafkaSinks.producerProperties(
            JobConfig.of(Map.of("kafka.properties", "batch.size:16384,linger.ms:5")));

    assertThat(p.getProperty("batch.size")).isEqualTo("16384");
    assertThat(p.getProperty("linger.ms")).isEqualTo("5");
  }
}
