package dev.analytics.pipeline.sinks.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.analytics.pipeline.config.JobConfig;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaSinksTest {
  @Test
  void batchesLargeByDefault() {
    Properties p = KafkaSinks.producerProperties(JobConfig.of(Map.of()));

    assertEquals("262144", p.getProperty("batch.size"));
    assertEquals("50", p.getProperty("linger.ms"));
    assertEquals("PLAINTEXT", p.getProperty("security.protocol"));
  }

  @Test
  void kafkaPropertiesOverrideTheBatching() {
    Properties p =
        KafkaSinks.producerProperties(
            JobConfig.of(Map.of("kafka.properties", "batch.size:16384,linger.ms:5")));

    assertEquals("16384", p.getProperty("batch.size"));
    assertEquals("5", p.getProperty("linger.ms"));
  }
}
