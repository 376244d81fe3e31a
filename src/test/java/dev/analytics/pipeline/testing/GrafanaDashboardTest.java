package dev.analytics.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The substitutions the dashboard-query tests rely on, on the shipped dashboard and small ones. */
class GrafanaDashboardTest {
  private static final Instant FROM = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant TO = Instant.parse("2026-03-01T16:00:00Z");

  @Test
  void findsEveryTargetOfTheShippedDashboardByDataSource() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.load(GrafanaDashboard.SHIPPED);
    assertThat(dashboard.prometheusExpressions()).hasSize(8).allMatch(e -> e.contains("flink_"));
    assertThat(dashboard.clickHouseQueries()).hasSize(3).allMatch(q -> q.contains("FINAL"));
    assertThat(dashboard.defaultRange(TO)).containsExactly(TO.minus(Duration.ofHours(6)), TO);
  }

  @Test
  void expandsTheClickHouseMacrosAsThePluginDoes() {
    assertThat(
            GrafanaDashboard.clickHouse(
                "SELECT 1 FROM t WHERE $__timeFilter(window_start) AND $__timeFilter( b )",
                FROM,
                TO,
                Duration.ofMinutes(1)))
        .isEqualTo(
            "SELECT 1 FROM t WHERE window_start >= toDateTime(1772359200) AND window_start <="
                + " toDateTime(1772380800) AND b >= toDateTime(1772359200) AND b <="
                + " toDateTime(1772380800)");
    assertThat(
            GrafanaDashboard.clickHouse(
                "SELECT $__timeInterval(t), $__fromTime, $__interval_s WHERE $__dateFilter(d)",
                FROM,
                TO,
                Duration.ofMinutes(1)))
        .isEqualTo(
            "SELECT toStartOfInterval(toDateTime(t), INTERVAL 60 second), toDateTime(1772359200),"
                + " 60 WHERE d >= toDate('2026-03-01') AND d <= toDate('2026-03-01')");
  }

  @Test
  void substitutesThePrometheusIntervalsAsGrafanaDoes() {
    assertThat(
            GrafanaDashboard.promQl(
                "rate(x[$__rate_interval]) + rate(y[$__interval]) + z[$__range]",
                Duration.ofSeconds(2),
                Duration.ofSeconds(15),
                FROM,
                TO))
        .isEqualTo("rate(x[60s]) + rate(y[2s]) + z[21600s]");
    assertThat(
            GrafanaDashboard.promQl(
                "rate(x[$__rate_interval])",
                Duration.ofSeconds(60),
                Duration.ofSeconds(2),
                FROM,
                TO))
        .isEqualTo("rate(x[62s])");
  }

  @Test
  void refusesAVariableItCannotSubstitute(@TempDir Path dir) throws Exception {
    assertThatThrownBy(
            () ->
                GrafanaDashboard.promQl(
                    "sum(x{job=\"$job\"})", Duration.ofSeconds(2), Duration.ofSeconds(2), FROM, TO))
        .hasMessageContaining("$job");
    assertThatThrownBy(
            () ->
                GrafanaDashboard.clickHouse(
                    "SELECT $__conditionalAll(1, $x)", FROM, TO, Duration.ofMinutes(1)))
        .hasMessageContaining("$__conditionalAll");
    Path file = dir.resolve("d.json");
    Files.writeString(
        file,
        "{\"panels\":[{\"title\":\"p\",\"datasource\":{\"type\":\"prometheus\"},"
            + "\"targets\":[{\"refId\":\"A\"}]}]}");
    assertThatThrownBy(() -> GrafanaDashboard.load(file).prometheusExpressions())
        .hasMessageContaining("panel 'p': a target without expr");
  }
}
