package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.analytics.pipeline.ingest.KafkaOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The values {@code jobs/cluster.sh} reads from the job's own configuration loader. */
class ConfigValueTest {
  @Test
  void theInstanceIdIsTheEffectiveOneDerivedFromTheJobName() throws Exception {
    JobConfig named = JobConfig.of(Map.of("job.name", "cluster-it-crash"));
    assertThat(ConfigValue.value("job.instance-id", named))
        .isEqualTo(named.instanceId())
        .isNotEmpty();
    JobConfig explicit = JobConfig.of(Map.of("job.instance-id", "prod-eu"));
    assertThat(ConfigValue.value("job.instance-id", explicit)).isEqualTo("prod-eu");
  }

  @Test
  void aPlainKeyIsItsValueOrDefault() throws Exception {
    JobConfig config = JobConfig.of(Map.of("checkpoint.dir", "file:///tmp/ckpt"));
    assertThat(ConfigValue.value("checkpoint.dir", config)).isEqualTo("file:///tmp/ckpt");
    assertThat(ConfigValue.value("kafka.topic", config))
        .isEqualTo(JobConfig.of(Map.of()).get(KafkaOptions.KAFKA_TOPIC));
  }

  @Test
  void secretsAndUnknownKeysAreRefused() {
    JobConfig config = JobConfig.of(Map.of());
    assertThatThrownBy(() -> ConfigValue.value("postgres.password", config))
        .hasMessageContaining("postgres.password")
        .hasMessageContaining("never printed");
    assertThatThrownBy(() -> ConfigValue.value("no.such-key", config))
        .hasMessageContaining("no.such-key")
        .hasMessageContaining("not a configuration key");
  }
}
