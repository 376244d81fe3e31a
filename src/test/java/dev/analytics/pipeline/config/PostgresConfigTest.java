package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.sinks.postgres.PostgresOptions;
import dev.analytics.pipeline.sinks.postgres.PostgresOptions.PostgresMode;
import dev.analytics.pipeline.sinks.postgres.PostgresSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The postgres.* options: defaults, parsing, the rules between them, and the password secret. */
class PostgresConfigTest {
  private static final String URL = "jdbc:postgresql://db:5432/analytics";

  private static JobConfig load(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("--kafka.bootstrap-servers", "broker:9092"));
    all.addAll(Arrays.asList(args));
    return JobConfig.load(all.toArray(String[]::new), env);
  }

  @Test
  void shouldBeOffByDefaultWithExactlyOnceAndDailyCounters() {
    JobConfig config = load(Map.of());
    assertThat(config.get(PostgresOptions.POSTGRES_URL)).isEmpty();
    assertThat(PostgresSettings.from(config)).isNull();
    assertThat(config.get(PostgresOptions.POSTGRES_MODE)).isEqualTo(PostgresMode.EXACTLY_ONCE);
    assertThat(config.get(PostgresOptions.POSTGRES_DAILY_COUNTERS)).isTrue();
    assertThat(config.get(PostgresOptions.POSTGRES_DAILY_COUNTER_DIMENSIONS))
        .containsExactly(
            "template_id", "jurisdiction", "delivery_method", "utm_source", "error_type");
    assertThat(config.describe())
        .contains("postgres.mode = exactly-once\n")
        .contains("postgres.url = \"\"\n")
        .contains("postgres.table.daily-counters = analytics_aggregate\n");
  }

  @Test
  void shouldBuildSettingsFromTheOptions() {
    JobConfig config =
        load(
            Map.of("ANALYTICS_POSTGRES_PASSWORD", "pw-123"),
            "--postgres.url",
            URL,
            "--postgres.user",
            "flink",
            "--postgres.mode",
            "at-least-once",
            "--postgres.daily-counters",
            "false",
            "--postgres.daily-counter-dimensions",
            "region;plan",
            "--postgres.batch-size",
            "500",
            "--postgres.table.aggregates",
            "stats.window_aggregate");
    PostgresSettings s = PostgresSettings.from(config);
    assertThat(s.url()).isEqualTo(URL);
    assertThat(s.user()).isEqualTo("flink");
    assertThat(s.password()).isEqualTo("pw-123");
    assertThat(s.mode()).isEqualTo(PostgresMode.AT_LEAST_ONCE);
    assertThat(s.exactlyOnce()).isFalse();
    assertThat(s.dailyCounters()).isFalse();
    assertThat(s.dailyCounterDimensions()).containsExactly("region", "plan");
    assertThat(s.batchSize()).isEqualTo(500);
    assertThat(s.lockTimeoutMillis()).isEqualTo(60_000);
    assertThat(s.aggregatesTable()).isEqualTo("stats.window_aggregate");
    assertThat(s.alertsTable()).isEqualTo("analytics_alert");
    assertThat(s.toString()).doesNotContain("pw-123").contains("******");
    assertThat(config.describe()).doesNotContain("pw-123").contains("postgres.password = ******");
  }

  @Test
  void shouldParseTheModeInAnyCase() {
    assertThat(load(Map.of(), "--postgres.mode", "EXACTLY-ONCE").get(PostgresOptions.POSTGRES_MODE))
        .isEqualTo(PostgresMode.EXACTLY_ONCE);
  }

  @Test
  void shouldRefuseDailyCountersWithoutExactlyOnceNamingTheKey() {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> load(Map.of(), "--postgres.mode", "at-least-once"))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.daily-counters");
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'postgres.daily-counters': is true, which needs"
                + " postgres.mode exactly-once (postgres.mode is at-least-once (from argument"
                + " --postgres.mode)): a replayed increment would be added twice; set"
                + " postgres.daily-counters false or postgres.mode exactly-once");
    // Allowed once the counters are off.
    load(Map.of(), "--postgres.mode", "at-least-once", "--postgres.daily-counters", "false");
  }

  @Test
  void shouldTakeThePasswordOnlyFromTheEnvironmentOrAFile() {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> load(Map.of(), "--postgres.url", URL, "--postgres.password", "x"))
            .actual();
    assertThat(e.key()).isEqualTo("postgres.password");
    assertThat(e.getMessage()).contains("ANALYTICS_POSTGRES_PASSWORD").doesNotContain("'x'");
    assertThat(JobConfig.secretKeys()).contains("postgres.password");
    assertThat(JobConfig.acceptedOptions().stream().map(o -> o.key()))
        .contains("postgres.password-file");
  }

  static Stream<Arguments> badConfigurations() {
    return Stream.of(
        Arguments.of(
            "postgres.url",
            "'mysql://db/x' is not a PostgreSQL JDBC URL",
            new String[] {"--postgres.url", "mysql://db/x", "--postgres.user", "u"}),
        Arguments.of(
            "postgres.url",
            "must not contain credentials",
            new String[] {"--postgres.url", URL + "?password=x", "--postgres.user", "u"}),
        Arguments.of(
            "postgres.user", "is required with postgres.url", new String[] {"--postgres.url", URL}),
        Arguments.of(
            "postgres.mode",
            "'twice' is not one of [exactly-once, at-least-once]",
            new String[] {"--postgres.mode", "twice"}),
        Arguments.of(
            "postgres.batch-size",
            "'0' is not in [1, 100000]",
            new String[] {"--postgres.batch-size", "0"}),
        Arguments.of(
            "postgres.table.aggregates",
            "'Bad-Name' is not a table name",
            new String[] {"--postgres.table.aggregates", "Bad-Name"}),
        Arguments.of(
            "postgres.table.alerts",
            "must differ from postgres.table.aggregates",
            new String[] {"--postgres.table.aggregates", "t", "--postgres.table.alerts", "t"}),
        Arguments.of(
            "postgres.daily-counter-dimensions",
            "has 'Region', which is not a column name",
            new String[] {"--postgres.daily-counter-dimensions", "Region"}),
        Arguments.of(
            "postgres.daily-counter-dimensions",
            "has 'count', a column the table already has",
            new String[] {"--postgres.daily-counter-dimensions", "plan;count"}),
        Arguments.of(
            "postgres.daily-counter-dimensions",
            "has 'plan' twice",
            new String[] {"--postgres.daily-counter-dimensions", "plan;plan"}),
        Arguments.of(
            "postgres.lock-timeout",
            "is not a duration",
            new String[] {"--postgres.lock-timeout", "soon"}));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("badConfigurations")
  void shouldRefuseABadValueNamingTheKey(String key, String message, String[] args) {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> load(Map.of(), args))
            .actual();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.getMessage())
        .startsWith("Configuration error at '" + key + "': ")
        .contains(message);
  }
}
