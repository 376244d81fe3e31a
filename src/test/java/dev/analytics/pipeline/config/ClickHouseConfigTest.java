package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.sinks.clickhouse.BatchStrategy;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseOptions;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSink;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSinkSettings;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseSinks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The clickhouse.* options: defaults, the settings of the three sinks, validation, the secret. */
class ClickHouseConfigTest {
  private static final String SECRET = "ch-Pa55-w0rd";

  @TempDir Path dir;

  private static JobConfig loadWith(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("--kafka.bootstrap-servers", "broker:9092"));
    all.addAll(Arrays.asList(args));
    return JobConfig.load(all.toArray(String[]::new), env);
  }

  @Test
  void shouldBeOffByDefaultWithDocumentedDefaults() {
    JobConfig config = loadWith(Map.of());
    assertThat(ClickHouseSinks.enabled(config)).isFalse();
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_DATABASE)).isEqualTo("default");
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_CREATE_TABLES)).isFalse();
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_COMPRESSION))
        .isEqualTo(ClickHouseOptions.ClickHouseCompression.NONE);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_AGGREGATES_STRATEGY))
        .isEqualTo(BatchStrategy.CHECKPOINT);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_ALERTS_STRATEGY))
        .isEqualTo(BatchStrategy.CHECKPOINT);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_STRATEGY))
        .isEqualTo(BatchStrategy.HYBRID);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_MAX_ROWS)).isEqualTo(5000);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_INTERVAL))
        .isEqualTo(Duration.ofMillis(200));
    assertThatExceptionOfType(IllegalStateException.class)
        .isThrownBy(() -> ClickHouseSinks.aggregates(config));
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_AGGREGATES_TTL)).isEqualTo(Duration.ZERO);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_ALERTS_TTL)).isEqualTo(Duration.ZERO);
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_TTL)).isEqualTo(Duration.ZERO);
  }

  @Test
  void shouldGiveEachSinkItsTtl() {
    JobConfig config =
        loadWith(
            Map.of(),
            "--clickhouse.url",
            "http://localhost:8123",
            "--clickhouse.create-tables",
            "true",
            "--clickhouse.aggregates.ttl",
            "400 d",
            "--clickhouse.events.ttl",
            "90 d");
    assertThat(settings(ClickHouseSinks.aggregates(config)).ttl()).isEqualTo(Duration.ofDays(400));
    assertThat(settings(ClickHouseSinks.alerts(config)).ttl()).isEqualTo(Duration.ZERO);
    assertThat(settings(ClickHouseSinks.highPriorityEvents(config)).ttl())
        .isEqualTo(Duration.ofDays(90));
  }

  @Test
  void shouldBuildTheSettingsOfEachSinkFromItsOwnKeys() {
    JobConfig config =
        loadWith(
            Map.of("ANALYTICS_CLICKHOUSE_PASSWORD", SECRET),
            "--clickhouse.url",
            "https://ch.example.com:8443",
            "--clickhouse.database",
            "analytics",
            "--clickhouse.user",
            "flink",
            "--clickhouse.compression",
            "gzip",
            "--clickhouse.create-tables",
            "true",
            "--clickhouse.retry.max-attempts",
            "4",
            "--clickhouse.retry.initial-backoff",
            "50 ms",
            "--clickhouse.aggregates.table",
            "agg_1m",
            "--clickhouse.aggregates.batch.max-rows",
            "50000",
            "--clickhouse.alerts.batch.strategy",
            "size",
            "--clickhouse.events.batch.strategy",
            "time",
            "--clickhouse.events.batch.interval",
            "1 s");
    assertThat(ClickHouseSinks.enabled(config)).isTrue();

    ClickHouseSinkSettings aggregates = settings(ClickHouseSinks.aggregates(config));
    assertThat(aggregates.table()).isEqualTo("agg_1m");
    assertThat(aggregates.batch().strategy()).isEqualTo(BatchStrategy.CHECKPOINT);
    assertThat(aggregates.batch().maxRows()).isEqualTo(50_000);
    assertThat(aggregates.batch().maxBytes()).isEqualTo(32L << 20);
    assertThat(aggregates.createTables()).isTrue();
    assertThat(aggregates.connection().url()).isEqualTo("https://ch.example.com:8443");
    assertThat(aggregates.connection().database()).isEqualTo("analytics");
    assertThat(aggregates.connection().user()).isEqualTo("flink");
    assertThat(aggregates.connection().password()).isEqualTo(SECRET);
    assertThat(aggregates.connection().gzip()).isTrue();
    assertThat(aggregates.connection().toString()).doesNotContain(SECRET).contains("******");
    assertThat(aggregates.retry().maxAttempts()).isEqualTo(4);
    assertThat(aggregates.retry().initialBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(aggregates.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(30));

    ClickHouseSinkSettings alerts = settings(ClickHouseSinks.alerts(config));
    assertThat(alerts.table()).isEqualTo("alerts");
    assertThat(alerts.batch().strategy()).isEqualTo(BatchStrategy.SIZE);

    ClickHouseSinkSettings events = settings(ClickHouseSinks.highPriorityEvents(config));
    assertThat(events.table()).isEqualTo("high_priority_events");
    assertThat(events.batch().strategy()).isEqualTo(BatchStrategy.TIME);
    assertThat(events.batch().interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(events.batch().maxRows()).isEqualTo(5000);
  }

  private static ClickHouseSinkSettings settings(ClickHouseSink<?> sink) {
    return sink.settings();
  }

  static Stream<Arguments> badConfigurations() {
    return Stream.of(
        bad(
            "clickhouse.aggregates.ttl",
            "applies only to the tables the job creates, and clickhouse.create-tables is false",
            "--clickhouse.url",
            "http://localhost:8123",
            "--clickhouse.aggregates.ttl",
            "400 d"),
        bad(
            "clickhouse.events.ttl",
            "'1500 ms' is not a whole number of seconds",
            "--clickhouse.create-tables",
            "true",
            "--clickhouse.events.ttl",
            "1500 ms"),
        bad(
            "clickhouse.url",
            "'localhost:8123' is not an http:// or https:// URL",
            "--clickhouse.url",
            "localhost:8123"),
        bad(
            "clickhouse.url",
            "'tcp://ch:9000' is not an http:// or https:// URL",
            "--clickhouse.url",
            "tcp://ch:9000"),
        bad("clickhouse.url", "is not a URL", "--clickhouse.url", "http://ch host:8123"),
        bad("clickhouse.url", "has no host", "--clickhouse.url", "http:///x"),
        bad(
            "clickhouse.url",
            "must not hold credentials",
            "--clickhouse.url",
            "http://user:pw@ch:8123"),
        bad(
            "clickhouse.url",
            "must not have a query",
            "--clickhouse.url",
            "http://ch:8123/?database=x"),
        bad("clickhouse.url", "must not have a path", "--clickhouse.url", "http://ch:8123/play"),
        bad("clickhouse.url", "port outside [1, 65535]", "--clickhouse.url", "http://ch:70000"),
        bad(
            "clickhouse.database",
            "'my-db' is not a ClickHouse identifier",
            "--clickhouse.database",
            "my-db"),
        bad(
            "clickhouse.aggregates.table",
            "'1st' is not a ClickHouse identifier",
            "--clickhouse.aggregates.table",
            "1st"),
        bad(
            "clickhouse.events.table",
            "must differ from clickhouse.aggregates.table",
            "--clickhouse.events.table",
            "window_aggregates"),
        bad("clickhouse.user", "must not be empty", "--clickhouse.user", " "),
        bad(
            "clickhouse.compression",
            "'lz4' is not one of [none, gzip]",
            "--clickhouse.compression",
            "lz4"),
        bad(
            "clickhouse.aggregates.batch.strategy",
            "'adaptive' is not one of [checkpoint, immediate, time, size, hybrid, bytes]",
            "--clickhouse.aggregates.batch.strategy",
            "adaptive"),
        bad(
            "clickhouse.aggregates.batch.max-rows",
            "'2000000' is not in [1, 1048576]",
            "--clickhouse.aggregates.batch.max-rows",
            "2000000"),
        bad(
            "clickhouse.events.batch.max-rows",
            "'0' is not in [1, 1048576]",
            "--clickhouse.events.batch.max-rows",
            "0"),
        bad(
            "clickhouse.alerts.batch.max-bytes",
            "'100' is not in [1024 (1 KiB), 268435456 (256 MiB)]",
            "--clickhouse.alerts.batch.max-bytes",
            "100"),
        bad(
            "clickhouse.events.batch.interval",
            "'0 ms' is not >= 1 ms",
            "--clickhouse.events.batch.interval",
            "0 ms"),
        bad(
            "clickhouse.retry.max-attempts",
            "'0' is not in [1, 1000]",
            "--clickhouse.retry.max-attempts",
            "0"),
        bad(
            "clickhouse.retry.max-backoff",
            "is not >= clickhouse.retry.initial-backoff (1 s)",
            "--clickhouse.retry.initial-backoff",
            "1 s",
            "--clickhouse.retry.max-backoff",
            "500 ms"),
        bad(
            "clickhouse.retry.multiplier",
            "'0.5' is not a finite number >= 1",
            "--clickhouse.retry.multiplier",
            "0.5"),
        bad(
            "clickhouse.retry.jitter",
            "'1.0' is not in [0, 1)",
            "--clickhouse.retry.jitter",
            "1.0"),
        bad(
            "clickhouse.request-timeout",
            "'10 ms' is not >= 1 s",
            "--clickhouse.request-timeout",
            "10 ms"),
        bad(
            "clickhouse.breaker.probe-interval",
            "is not 0 (no breaker) or between 100 ms and 10 min",
            "--clickhouse.breaker.probe-interval",
            "50 ms"),
        bad(
            "clickhouse.batch.target-inserts-per-second",
            "is not in (0, 100]",
            "--clickhouse.batch.target-inserts-per-second",
            "0"),
        bad(
            "clickhouse.events.batch.min-rows",
            "'6000' is above clickhouse.events.batch.max-rows (5000)",
            "--clickhouse.events.batch.min-rows",
            "6000"),
        bad(
            "clickhouse.aggregates.batch.min-rows",
            "'0' is not >= 1",
            "--clickhouse.aggregates.batch.min-rows",
            "0"));
  }

  private static Arguments bad(String key, String message, String... args) {
    return Arguments.of(key, message, args);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("badConfigurations")
  void shouldRefuseBadValuesNamingTheKey(String key, String message, String[] args) {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> loadWith(Map.of(), args))
            .actual();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.getMessage()).startsWith("Configuration error at '" + key + "': ");
    assertThat(e.getMessage()).contains(message);
  }

  @Test
  void shouldAcceptAnIntervalOfZeroForStrategiesWithoutATimer() {
    JobConfig config =
        loadWith(
            Map.of(),
            "--clickhouse.events.batch.strategy",
            "size",
            "--clickhouse.events.batch.interval",
            "0 ms");
    assertThat(config.get(ClickHouseOptions.CLICKHOUSE_EVENTS_INTERVAL)).isZero();
  }

  @Test
  void shouldTreatThePasswordAsASecret() throws IOException {
    assertThat(JobConfig.secretKeys()).contains("clickhouse.password");
    ConfigException asArgument =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> loadWith(Map.of(), "--clickhouse.password", SECRET))
            .actual();
    assertThat(asArgument.key()).isEqualTo("clickhouse.password");
    assertThat(asArgument.getMessage())
        .contains("ANALYTICS_CLICKHOUSE_PASSWORD")
        .contains("clickhouse.password-file")
        .doesNotContain(SECRET);

    Path secret = dir.resolve("ch-password");
    Files.writeString(secret, SECRET + "\n", StandardCharsets.UTF_8);
    JobConfig fromFile =
        loadWith(
            Map.of(),
            "--clickhouse.url",
            "http://localhost:8123",
            "--clickhouse.password-file",
            secret.toString());
    assertThat(fromFile.get(ClickHouseOptions.CLICKHOUSE_PASSWORD)).isEqualTo(SECRET);
    assertThat(fromFile.describe())
        .contains("clickhouse.password = ******\n")
        .contains("clickhouse.url = http://localhost:8123\n")
        .doesNotContain(SECRET);
  }

  @Test
  void shouldListEveryClickHouseKeyInTheReferenceTable() {
    String table = ConfigReference.markdownTable();
    assertThat(table)
        .contains("| `clickhouse.url` | `\"\"` |")
        .contains("| `clickhouse.password-file` | (none) |")
        .contains("| `clickhouse.events.batch.strategy` | `hybrid` |")
        .contains("| `clickhouse.aggregates.batch.strategy` | `checkpoint` |");
  }
}
