package dev.analytics.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scrape configuration the tests derive from the one the Docker stack ships. */
class PrometheusServerTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Path SHIPPED = Path.of("docker/prometheus.yml");

  @Test
  void keepsTheShippedJobsAndSettingsAndReplacesOnlyTargetsAndInterval() throws Exception {
    JsonNode shipped = YAML.readTree(SHIPPED.toFile());
    JsonNode derived =
        YAML.readTree(
            PrometheusServer.derivedConfig(
                SHIPPED, List.of("127.0.0.1:20001", "127.0.0.1:20002"), Duration.ofSeconds(2)));

    assertThat(derived.get("global").get("scrape_interval").asText()).isEqualTo("2000ms");
    assertThat(derived.get("global").get("evaluation_interval").asText()).isEqualTo("2000ms");
    assertThat(derived.get("scrape_configs")).hasSameSizeAs(shipped.get("scrape_configs"));
    for (int i = 0; i < shipped.get("scrape_configs").size(); i++) {
      JsonNode job = shipped.get("scrape_configs").get(i).deepCopy();
      JsonNode ours = derived.get("scrape_configs").get(i);
      for (JsonNode sc : ours.get("static_configs")) {
        assertThat(sc.get("targets").toString())
            .isEqualTo("[\"127.0.0.1:20001\",\"127.0.0.1:20002\"]");
      }
      // Everything else of the job as shipped: its name, options, the static configs' labels.
      for (JsonNode sc : job.get("static_configs")) {
        ((ObjectNode) sc).remove("targets");
      }
      JsonNode oursWithoutTargets = ours.deepCopy();
      for (JsonNode sc : oursWithoutTargets.get("static_configs")) {
        ((ObjectNode) sc).remove("targets");
      }
      assertThat(oursWithoutTargets).isEqualTo(job);
    }
    assertThat(derived.get("scrape_configs").get(0).get("job_name").asText()).isEqualTo("flink");
  }

  @Test
  void refusesAConfigurationWithoutStaticTargets(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prometheus.yml");
    Files.writeString(file, "scrape_configs:\n  - job_name: x\n    file_sd_configs: []\n");
    assertThatThrownBy(() -> PrometheusServer.derivedConfig(file, List.of("a:1"), Duration.ZERO))
        .hasMessageContaining("no static_configs with targets");
  }
}
