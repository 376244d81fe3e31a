package dev.analytics.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.sinks.OutputOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Docker stack's files, checked without a Docker engine: the compose file and every YAML and
 * JSON file it mounts parse; every host path it mounts exists; the pieces agree with each other
 * (topics, the job configuration, Prometheus targets, Grafana data sources). {@code docker-compose
 * config -q} is the manual check of the compose syntax (docs/operations.md, "The Docker stack").
 */
class DockerComposeConfigTest {
  private static final Path DOCKER = Path.of("docker");
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Mounted folders that other parts of the project fill (the sinks' DDL). */
  private static final Set<String> PROVIDED_BY_THE_SINKS =
      Set.of("../sql/clickhouse", "../sql/postgres");

  private static JsonNode compose() throws IOException {
    return YAML.readTree(DOCKER.resolve("docker-compose.yml").toFile());
  }

  @Test
  void hasTheWholeStack() throws IOException {
    Set<String> services = new TreeSet<>();
    compose().get("services").fieldNames().forEachRemaining(services::add);
    assertThat(services)
        .isEqualTo(
            new TreeSet<>(
                List.of(
                    "kafka",
                    "topics",
                    "jobmanager",
                    "taskmanager",
                    "client",
                    "clickhouse",
                    "postgres",
                    "prometheus",
                    "grafana")));
  }

  @Test
  void everyMountedHostPathExistsAndEveryMountedConfigFileParses() throws IOException {
    List<String> checked = new ArrayList<>();
    for (Map.Entry<String, JsonNode> service : fields(compose().get("services"))) {
      JsonNode volumes = service.getValue().get("volumes");
      if (volumes == null) {
        continue;
      }
      for (JsonNode volume : volumes) {
        String source = volume.asText().split(":")[0];
        if (!source.startsWith(".")) {
          continue; // a named volume
        }
        Path path = DOCKER.resolve(source).normalize();
        if (PROVIDED_BY_THE_SINKS.contains(source) && !Files.exists(path)) {
          continue;
        }
        assertThat(Files.exists(path))
            .as(service.getKey() + " mounts a missing " + source)
            .isTrue();
        if (source.equals("../target")) {
          continue; // build output: the job jar (mvn package), not configuration
        }
        try (Stream<Path> files = Files.walk(path)) {
          for (Path file : files.filter(Files::isRegularFile).toList()) {
            String name = file.getFileName().toString();
            if (name.endsWith(".yml") || name.endsWith(".yaml")) {
              assertThat(YAML.readTree(file.toFile()).isMissingNode())
                  .as(file.toString())
                  .isFalse();
              checked.add(file.toString());
            } else if (name.endsWith(".json")) {
              assertThat(JSON.readTree(file.toFile()).isObject()).as(file.toString()).isTrue();
              checked.add(file.toString());
            }
          }
        }
      }
    }
    assertThat(checked.contains("docker/prometheus.yml")).as(checked.toString()).isTrue();
    assertThat(checked.contains("jobs/docker.yaml")).as(checked.toString()).isTrue();
    assertThat(checked.contains("docker/grafana/dashboards/analytics-pipeline.json"))
        .as(checked.toString())
        .isTrue();
    assertThat(checked.contains("docker/grafana/provisioning/datasources/datasources.yaml"))
        .as(checked.toString())
        .isTrue();
  }

  @Test
  void theJobConfigurationLoadsAndNamesTheTopicsTheStackCreates() throws IOException {
    JobConfig config = JobConfig.load(new String[] {"--config", "jobs/docker.yaml"}, Map.of());
    assertThat(config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS)).isEqualTo("kafka:9092");
    String topicsCommand = compose().get("services").get("topics").get("command").get(0).asText();
    Matcher m = Pattern.compile("for t in ([a-z. -]+); do").matcher(topicsCommand);
    assertThat(m.find()).as(topicsCommand).isTrue();
    assertThat(
            new TreeSet<>(
                List.of(
                    config.get(KafkaOptions.KAFKA_TOPIC),
                    config.get(EventOptions.DEAD_LETTER_TOPIC),
                    config.get(OutputOptions.OUTPUT_AGGREGATES_TOPIC))))
        .isEqualTo(new TreeSet<>(List.of(m.group(1).trim().split(" "))));
    String client = compose().get("services").get("client").get("command").get(0).asText();
    assertThat(client.contains("--config /opt/jobs/docker.yaml")).as(client).isTrue();
    assertThat(client.contains("flink run -d /opt/job/analytics-pipeline-*-job.jar"))
        .as(client)
        .isTrue();
    // Checkpoints and savepoints of the job on the volumes of the Flink containers.
    assertThat(config.get(JobOptions.CHECKPOINT_DIR).startsWith("file:///flink-data/checkpoints"))
        .isTrue();
    assertThat(config.get(JobOptions.SAVEPOINT_DIR).startsWith("file:///flink-data/savepoints"))
        .isTrue();
    for (String flink : List.of("jobmanager", "taskmanager")) {
      String volumes = compose().get("services").get(flink).get("volumes").toString();
      assertThat(volumes.contains(":/flink-data/checkpoints")).as(volumes).isTrue();
      assertThat(volumes.contains("../savepoints:/flink-data/savepoints")).as(volumes).isTrue();
    }
  }

  @Test
  void prometheusScrapesTheReporterOfEveryFlinkProcess() throws IOException {
    String properties = compose().get("x-flink-properties").get("FLINK_PROPERTIES").asText();
    assertThat(
            properties.contains(
                "metrics.reporter.prom.factory.class:"
                    + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory"))
        .as(properties)
        .isTrue();
    Matcher port = Pattern.compile("metrics.reporter.prom.port: (\\d+)").matcher(properties);
    assertThat(port.find()).isTrue();
    Set<String> targets = new TreeSet<>();
    for (JsonNode job :
        YAML.readTree(DOCKER.resolve("prometheus.yml").toFile()).get("scrape_configs")) {
      for (JsonNode sc : job.get("static_configs")) {
        sc.get("targets").forEach(t -> targets.add(t.asText()));
      }
    }
    assertThat(targets)
        .isEqualTo(Set.of("jobmanager:" + port.group(1), "taskmanager:" + port.group(1)));
  }

  @Test
  void everyDashboardPanelUsesAProvisionedDataSourceAndAJobMetricOrTable() throws IOException {
    Set<String> uids = new TreeSet<>();
    for (JsonNode ds :
        YAML.readTree(DOCKER.resolve("grafana/provisioning/datasources/datasources.yaml").toFile())
            .get("datasources")) {
      uids.add(ds.get("uid").asText());
    }
    JsonNode dashboard =
        JSON.readTree(DOCKER.resolve("grafana/dashboards/analytics-pipeline.json").toFile());
    Set<String> titles = new TreeSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      titles.add(panel.get("title").asText());
      for (JsonNode target : panel.get("targets")) {
        String uid = target.get("datasource").get("uid").asText();
        assertThat(uids.contains(uid))
            .as(panel.get("title") + " uses unknown data source " + uid)
            .isTrue();
        String query =
            target.has("rawSql") ? target.get("rawSql").asText() : target.get("expr").asText();
        assertThat(
                query.contains("FROM window_aggregates FINAL")
                    || query.contains("FROM alerts FINAL")
                    || query.contains("flink_"))
            .as(query)
            .isTrue();
      }
    }
    assertThat(
            titles.containsAll(
                List.of(
                    "Events per type (estimated, 1-minute windows)",
                    "p99 per type (1-minute windows)",
                    "Alerts")))
        .as(titles.toString())
        .isTrue();
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    node.fields().forEachRemaining(out::add);
    return out;
  }
}
