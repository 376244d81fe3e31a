package dev.analytics.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The queries of a Grafana dashboard JSON ({@code docker/grafana/dashboards/*.json}) and Grafana's
 * substitutions of its variables, made as the Grafana server and the data source plugins make them,
 * so that tests can run every query against a real Prometheus or ClickHouse.
 *
 * <p>Prometheus ({@link #promQl}): {@code $__interval} is the step, {@code $__rate_interval} max(4
 * x scrape interval, step + scrape interval) (Grafana's definition), {@code $__range} the length of
 * the range. ClickHouse ({@link #clickHouse}, the grafana-clickhouse-datasource plugin's macros):
 * {@code $__timeFilter(c)} is {@code c >= toDateTime(from) AND c <= toDateTime(to)} in Unix
 * seconds, {@code $__timeFilter_ms(c)} the same in milliseconds with {@code
 * fromUnixTimestamp64Milli}, {@code $__dateFilter(c)} {@code c >= toDate('from') AND c <=
 * toDate('to')}, {@code $__fromTime} / {@code $__toTime} {@code toDateTime(seconds)}, {@code
 * $__timeInterval(c)} {@code toStartOfInterval(toDateTime(c), INTERVAL s second)} and {@code
 * $__interval_s} the interval in seconds. Any other {@code $} variable is refused: a dashboard that
 * starts using one needs its substitution here first, never a query sent with it unexpanded.
 */
public final class GrafanaDashboard {
  public static final Path SHIPPED = Path.of("docker/grafana/dashboards/analytics-pipeline.json");

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern RELATIVE = Pattern.compile("now(?:-(\\d+)([smhdw]))?");

  private final JsonNode dashboard;

  private GrafanaDashboard(JsonNode dashboard) {
    this.dashboard = dashboard;
  }

  public static GrafanaDashboard load(Path file) throws IOException {
    return new GrafanaDashboard(new ObjectMapper().readTree(file.toFile()));
  }

  /** The {@code expr} of every panel target of the Prometheus data source, in panel order. */
  public List<String> prometheusExpressions() {
    return fields("prometheus", "expr");
  }

  /** The {@code rawSql} of every panel target of the ClickHouse data source, in panel order. */
  public List<String> clickHouseQueries() {
    return fields("grafana-clickhouse-datasource", "rawSql");
  }

  /** The dashboard's default time range ({@code time.from}, {@code time.to}) at {@code now}. */
  public Instant[] defaultRange(Instant now) {
    Instant to = time(dashboard.get("time").get("to").asText(), now);
    return new Instant[] {time(dashboard.get("time").get("from").asText(), now), to};
  }

  /** A PromQL expression with Grafana's variables substituted (see the class comment). */
  public static String promQl(
      String expr, Duration step, Duration scrapeInterval, Instant from, Instant to) {
    long rate =
        Math.max(4 * scrapeInterval.toSeconds(), step.toSeconds() + scrapeInterval.toSeconds());
    String range = Duration.between(from, to).toSeconds() + "s";
    String out =
        expr.replace("${__rate_interval}", rate + "s")
            .replace("$__rate_interval", rate + "s")
            .replace("${__interval_ms}", String.valueOf(step.toMillis()))
            .replace("$__interval_ms", String.valueOf(step.toMillis()))
            .replace("${__interval}", step.toSeconds() + "s")
            .replace("$__interval", step.toSeconds() + "s")
            .replace("${__range}", range)
            .replace("$__range", range);
    return refuseUnknown(out);
  }

  /** A ClickHouse query with the plugin's macros expanded (see the class comment). */
  public static String clickHouse(String sql, Instant from, Instant to, Duration interval) {
    long f = from.getEpochSecond();
    long t = to.getEpochSecond();
    long seconds = Math.max(1, interval.toSeconds());
    String out =
        macro(
            sql,
            "$__timeFilter_ms",
            c ->
                c
                    + " >= fromUnixTimestamp64Milli("
                    + from.toEpochMilli()
                    + ") AND "
                    + c
                    + " <= fromUnixTimestamp64Milli("
                    + to.toEpochMilli()
                    + ")");
    out =
        macro(
            out,
            "$__timeFilter",
            c -> c + " >= toDateTime(" + f + ") AND " + c + " <= toDateTime(" + t + ")");
    out =
        macro(
            out,
            "$__dateFilter",
            c ->
                c
                    + " >= toDate('"
                    + from.toString().substring(0, 10)
                    + "') AND "
                    + c
                    + " <= toDate('"
                    + to.toString().substring(0, 10)
                    + "')");
    out =
        macro(
            out,
            "$__timeInterval",
            c -> "toStartOfInterval(toDateTime(" + c + "), INTERVAL " + seconds + " second)");
    out =
        out.replace("$__fromTime", "toDateTime(" + f + ")")
            .replace("$__toTime", "toDateTime(" + t + ")")
            .replace("$__interval_s", String.valueOf(seconds));
    return refuseUnknown(out);
  }

  /** Grafana's "now" and "now-N{s,m,h,d,w}" at {@code now}. */
  static Instant time(String grafana, Instant now) {
    Matcher m = RELATIVE.matcher(grafana);
    if (!m.matches()) {
      throw new IllegalArgumentException("unsupported Grafana time: " + grafana);
    }
    if (m.group(1) == null) {
      return now;
    }
    Duration unit =
        switch (m.group(2)) {
          case "s" -> Duration.ofSeconds(1);
          case "m" -> Duration.ofMinutes(1);
          case "h" -> Duration.ofHours(1);
          case "d" -> Duration.ofDays(1);
          default -> Duration.ofDays(7);
        };
    return now.minus(unit.multipliedBy(Long.parseLong(m.group(1))));
  }

  private List<String> fields(String dataSourceType, String field) {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        JsonNode ds = target.has("datasource") ? target.get("datasource") : panel.get("datasource");
        if (ds != null && dataSourceType.equals(ds.path("type").asText())) {
          if (!target.hasNonNull(field)) {
            throw new IllegalArgumentException(
                "panel '" + panel.path("title").asText() + "': a target without " + field);
          }
          out.add(target.get(field).asText());
        }
      }
    }
    return out;
  }

  private interface Column {
    String apply(String column);
  }

  /** Replaces every {@code name(column)} by {@code f(column)}. */
  private static String macro(String sql, String name, Column f) {
    Matcher m = Pattern.compile(Pattern.quote(name) + "\\(\\s*([^)]*?)\\s*\\)").matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(f.apply(m.group(1))));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String refuseUnknown(String query) {
    Matcher m = VARIABLE.matcher(query);
    if (m.find()) {
      throw new IllegalArgumentException(
          "no substitution for the Grafana variable " + m.group() + " in: " + query);
    }
    return query;
  }
}
