package dev.analytics.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.detection.DetectionMetric;
import dev.analytics.pipeline.detection.DetectionSettings;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DetectionConfigTest {

  @Test
  void shouldDefaultToTheLikelihoodMode() {
    DetectionSettings settings = DetectionSettings.from(JobConfig.of(Map.of()));
    DetectionSettings.Rules rules = settings.defaults();
    assertThat(settings.enabled()).isTrue();
    assertThat(rules)
        .isEqualTo(
            new DetectionSettings.Rules(
                DetectionMetric.COUNT,
                10,
                10,
                2.0,
                0.5,
                3.0,
                0.25,
                3,
                60,
                1e-6,
                0.3,
                10,
                10,
                100.0,
                1,
                true,
                1,
                7,
                1440,
                "likelihood",
                0.9999999,
                72,
                100,
                0.5));
    assertThat(DetectionSettings.Rules.defaults()).isEqualTo(rules);
    assertThat(settings.forType("anything")).isSameAs(rules);
    assertThat(settings.configuredTypes()).isEqualTo(Set.of());
  }

  @Test
  void shouldApplyMetricsAndOverridesPerType() {
    JobConfig config =
        JobConfig.of(
            Map.of(
                "detection.sigma", "4",
                "detection.metrics", "performance.response_time:P95,api.error:count",
                "detection.overrides",
                    "api.error:spike-factor=3 min-baseline-count=50 seasonal.enabled=false"));
    DetectionSettings settings = DetectionSettings.from(config);

    DetectionSettings.Rules defaults = settings.defaults();
    assertThat(defaults.sigma()).isEqualTo(4.0);
    DetectionSettings.Rules latency = settings.forType("performance.response_time");
    assertThat(latency).isEqualTo(defaults.withMetric(DetectionMetric.P95));
    DetectionSettings.Rules errors = settings.forType("api.error");
    assertThat(errors.metric()).isEqualTo(DetectionMetric.COUNT);
    assertThat(errors.spikeFactor()).isEqualTo(3.0);
    assertThat(errors.minBaselineCount()).isEqualTo(50.0);
    assertThat(errors.seasonal()).isFalse();
    assertThat(errors.sigma()).as("not overridden: the default").isEqualTo(4.0);
    assertThat(settings.configuredTypes())
        .isEqualTo(Set.of("api.error", "performance.response_time"));
    assertThat(settings.forType("cache_hit")).isSameAs(defaults);
  }

  static Stream<Arguments> badConfigurations() {
    return Stream.of(
        Arguments.of(
            Map.of("detection.metric", "median"),
            "detection.metric",
            "'median' is not one of [count, mean, min, max, sum, stddev, p50, p75, p90, p95, p99,"
                + " p999]"),
        Arguments.of(
            Map.of("detection.history", "2"), "detection.history", "'2' is not in [3, 1000]"),
        Arguments.of(
            Map.of("detection.warmup", "11"),
            "detection.warmup",
            "'11' is not in [3, history (10)]"),
        Arguments.of(
            Map.of("detection.spike-factor", "1"),
            "detection.spike-factor",
            "'1.0' is not a finite number > 1"),
        Arguments.of(
            Map.of("detection.drop-factor", "1"),
            "detection.drop-factor",
            "'1.0' is not in [0, 1)"),
        Arguments.of(
            Map.of("detection.sigma", "0"), "detection.sigma", "'0.0' is not a finite number > 0"),
        Arguments.of(
            Map.of("detection.trend.significance", "1"),
            "detection.trend.significance",
            "'1.0' is not in (0, 1)"),
        Arguments.of(Map.of("detection.cooldown", "0"), "detection.cooldown", "'0' is not >= 1"),
        Arguments.of(
            Map.of("detection.ttl-windows", "1"), "detection.ttl-windows", "'1' is not >= 2"),
        Arguments.of(
            Map.of("detection.mode", "sigma"),
            "detection.mode",
            "'sigma' is not one of [likelihood, seed]"),
        Arguments.of(
            Map.of("detection.alert-likelihood", "1"),
            "detection.alert-likelihood",
            "'1.0' is not in [0.5, 1)"),
        Arguments.of(
            Map.of("detection.suppression-windows", "0"),
            "detection.suppression-windows",
            "'0' is not in [1, 100000]"),
        Arguments.of(
            Map.of("detection.warmup-windows", "2"),
            "detection.warmup-windows",
            "'2' is not in [3, 100000]"),
        Arguments.of(
            Map.of("detection.warmup-days", "-1"),
            "detection.warmup-days",
            "'-1.0' is not in [0, 28]"),
        Arguments.of(
            Map.of("detection.metrics", "api.error:p42"),
            "detection.metrics.api.error",
            "'p42' is not one of [count, mean, min, max, sum, stddev, p50, p75, p90, p95, p99,"
                + " p999]"),
        Arguments.of(
            Map.of("detection.overrides", "api.error:sigma"),
            "detection.overrides.api.error",
            "'sigma' is not key=value (e.g. 'spike-factor=3')"),
        Arguments.of(
            Map.of("detection.overrides", "api.error:metric=p95"),
            "detection.overrides.api.error",
            "'metric' is not one of [history, warmup, spike-factor, drop-factor, sigma,"
                + " anomaly.min-change, anomaly.windows, trend.windows, trend.significance, trend.min-change,"
                + " cooldown, shift-windows, min-baseline-count, min-values, seasonal.enabled,"
                + " seasonal.min-days, seasonal.memory-days, ttl-windows, mode, alert-likelihood,"
                + " suppression-windows, warmup-windows, warmup-days]; the metric of a type is"
                + " set in detection.metrics"),
        Arguments.of(
            Map.of("detection.overrides", "api.error:sigma=high"),
            "detection.overrides.api.error",
            "sigma 'high' is not a finite number"),
        Arguments.of(
            Map.of("detection.overrides", "api.error:sigma=2 sigma=3"),
            "detection.overrides.api.error",
            "'sigma' is given twice"),
        Arguments.of(
            Map.of("detection.overrides", "api.error:spike-factor=0.9"),
            "detection.overrides.api.error",
            "'spike-factor=0.9': spike-factor '0.9' is not a finite number > 1"),
        Arguments.of(
            Map.of("detection.overrides", "api.error:history=5"),
            "detection.overrides.api.error",
            "'history=5': warmup '10' is not in [3, history (5)] (with the defaults)"),
        Arguments.of(
            Map.of("detection.overrides", "bad type!:sigma=4"),
            "detection.overrides.bad type!",
            "'bad type!' is not a valid event type ([A-Za-z0-9_.:-]{1,128})"));
  }

  @ParameterizedTest
  @MethodSource("badConfigurations")
  void shouldRefuseABadValueNamingTheKey(Map<String, String> values, String key, String message) {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> JobConfig.of(values))
            .actual();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.getMessage())
        .isEqualTo("Configuration error at '" + key + "': " + message + " (in JobConfig.of)");
  }

  @Test
  void shouldNameTheArgumentAValueCameFrom() {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(
                () ->
                    JobConfig.load(
                        new String[] {
                          "--kafka.bootstrap-servers", "b:9092", "--detection.sigma", "-1"
                        },
                        Map.of()))
            .actual();
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'detection.sigma': '-1.0' is not a finite number > 0 (from"
                + " argument --detection.sigma)");
  }
}
