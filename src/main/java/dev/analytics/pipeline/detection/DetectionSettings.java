package dev.analytics.pipeline.detection;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;

/**
 * The thresholds of pattern detection: a default {@link Rules} and per event type overrides.
 *
 * <p><b>Takes</b> the {@code detection.*} options: the defaults ({@code detection.history}, {@code
 * detection.spike-factor}, ...), the watched metric per type ({@code detection.metric}, {@code
 * detection.metrics}) and {@code detection.overrides}, a map of event type to space-separated
 * {@code key=value} pairs whose keys are the per-type option keys without the {@code detection.}
 * prefix ({@code api.error: "spike-factor=3 min-baseline-count=50"}). An override replaces only the
 * keys it names; the rest come from the defaults.
 *
 * <p><b>Gives</b> the rules of an event type ({@link #forType}).
 *
 * <p><b>Guarantees</b>: every rule set, defaults and overridden, passes the same checks (ranges,
 * warm-up at most the history, drop factor below 1 below the spike factor, ...); a violation is a
 * {@link ConfigException} naming the key: {@code detection.<key>} for a default, {@code
 * detection.metrics.<type>} or {@code detection.overrides.<type>} for an entry of a map.
 */
public final class DetectionSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  /** The per-type option of each rule key (the key is the option's key without "detection."). */
  private static final Map<String, ConfigOption<?>> RULE_OPTIONS = ruleOptions();

  /** Reads an option, e.g. {@code JobConfig::get} or {@code Configuration::get}. */
  @FunctionalInterface
  public interface Options {
    <T> T get(ConfigOption<T> option);
  }

  /**
   * The thresholds for one event type; see the {@code detection.*} options for their meaning.
   * Checked by {@link DetectionSettings#build}, not by the constructor (tests build odd ones).
   */
  public record Rules(
      DetectionMetric metric,
      int history,
      int warmup,
      double spikeFactor,
      double dropFactor,
      double sigma,
      double anomalyMinChange,
      int anomalyWindows,
      int trendWindows,
      double trendSignificance,
      double trendMinChange,
      int cooldown,
      int shiftWindows,
      double minBaselineCount,
      int minValues,
      boolean seasonal,
      int seasonalMinDays,
      int seasonalMemoryDays,
      int ttlWindows,
      String mode,
      double alertLikelihood,
      int suppressionWindows,
      int warmupWindows,
      double warmupDays)
      implements Serializable {

    /** The default mode: the anomaly likelihood of a robust streaming model. */
    public static final String LIKELIHOOD = "likelihood";

    /** The seed rules (robust sigma, factors and the trend regression), for comparison. */
    public static final String SEED = "seed";

    /** Whether the seed rules decide ({@code detection.mode: seed}). */
    /**
     * The rules that shape a key's state (ring sizes, model, forgetting): these cannot change while
     * the job runs, the others (thresholds, the watched metric) can.
     */
    public String stateShape() {
      return "history="
          + history
          + " anomaly.windows="
          + anomalyWindows
          + " trend.windows="
          + trendWindows
          + " shift-windows="
          + shiftWindows
          + " seasonal.enabled="
          + seasonal
          + " seasonal.min-days="
          + seasonalMinDays
          + " seasonal.memory-days="
          + seasonalMemoryDays
          + " ttl-windows="
          + ttlWindows
          + " mode="
          + mode
          + " warmup-windows="
          + warmupWindows
          + " warmup-days="
          + warmupDays;
    }

    public boolean seedMode() {
      return SEED.equals(mode);
    }

    /** The defaults of the options (the likelihood mode; the seed rules' 2x, 50%, 3 sigma). */
    public static Rules defaults() {
      return DetectionSettings.build(ConfigOption::defaultValue, k -> "").defaults();
    }

    /** This rule set watching another metric. */
    public Rules withMetric(DetectionMetric other) {
      return new Rules(
          other,
          history,
          warmup,
          spikeFactor,
          dropFactor,
          sigma,
          anomalyMinChange,
          anomalyWindows,
          trendWindows,
          trendSignificance,
          trendMinChange,
          cooldown,
          shiftWindows,
          minBaselineCount,
          minValues,
          seasonal,
          seasonalMinDays,
          seasonalMemoryDays,
          ttlWindows,
          mode,
          alertLikelihood,
          suppressionWindows,
          warmupWindows,
          warmupDays);
    }

    /** This rule set with the per-type keys given (key without "detection.", typed value). */
    public Rules with(Map<String, ?> values) {
      Map<String, Object> all = new HashMap<>(asMap());
      all.putAll(values);
      return fromMap(metric, all);
    }

    private Map<String, Object> asMap() {
      Map<String, Object> m = new HashMap<>();
      m.put("history", history);
      m.put("warmup", warmup);
      m.put("spike-factor", spikeFactor);
      m.put("drop-factor", dropFactor);
      m.put("sigma", sigma);
      m.put("anomaly.min-change", anomalyMinChange);
      m.put("anomaly.windows", anomalyWindows);
      m.put("trend.windows", trendWindows);
      m.put("trend.significance", trendSignificance);
      m.put("trend.min-change", trendMinChange);
      m.put("cooldown", cooldown);
      m.put("shift-windows", shiftWindows);
      m.put("min-baseline-count", minBaselineCount);
      m.put("min-values", minValues);
      m.put("seasonal.enabled", seasonal);
      m.put("seasonal.min-days", seasonalMinDays);
      m.put("seasonal.memory-days", seasonalMemoryDays);
      m.put("ttl-windows", ttlWindows);
      m.put("mode", mode);
      m.put("alert-likelihood", alertLikelihood);
      m.put("suppression-windows", suppressionWindows);
      m.put("warmup-windows", warmupWindows);
      m.put("warmup-days", warmupDays);
      return m;
    }

    private static Rules fromMap(DetectionMetric metric, Map<String, Object> m) {
      return new Rules(
          metric,
          (Integer) m.get("history"),
          (Integer) m.get("warmup"),
          (Double) m.get("spike-factor"),
          (Double) m.get("drop-factor"),
          (Double) m.get("sigma"),
          (Double) m.get("anomaly.min-change"),
          (Integer) m.get("anomaly.windows"),
          (Integer) m.get("trend.windows"),
          (Double) m.get("trend.significance"),
          (Double) m.get("trend.min-change"),
          (Integer) m.get("cooldown"),
          (Integer) m.get("shift-windows"),
          (Double) m.get("min-baseline-count"),
          (Integer) m.get("min-values"),
          (Boolean) m.get("seasonal.enabled"),
          (Integer) m.get("seasonal.min-days"),
          (Integer) m.get("seasonal.memory-days"),
          (Integer) m.get("ttl-windows"),
          (String) m.get("mode"),
          (Double) m.get("alert-likelihood"),
          (Integer) m.get("suppression-windows"),
          (Integer) m.get("warmup-windows"),
          (Double) m.get("warmup-days"));
    }

    /** The first rule broken, as "key problem", or null. */
    String problem() {
      if (history < 3 || history > 1000) {
        return "history '" + history + "' is not in [3, 1000]";
      }
      if (warmup < 3 || warmup > history) {
        return "warmup '" + warmup + "' is not in [3, history (" + history + ")]";
      }
      if (!(spikeFactor > 1 && Double.isFinite(spikeFactor))) {
        return "spike-factor '" + spikeFactor + "' is not a finite number > 1";
      }
      if (!(dropFactor >= 0 && dropFactor < 1)) {
        return "drop-factor '" + dropFactor + "' is not in [0, 1)";
      }
      if (!(sigma > 0 && Double.isFinite(sigma))) {
        return "sigma '" + sigma + "' is not a finite number > 0";
      }
      if (!(anomalyMinChange >= 0 && Double.isFinite(anomalyMinChange))) {
        return "anomaly.min-change '" + anomalyMinChange + "' is not a finite number >= 0";
      }
      if (anomalyWindows < 1 || anomalyWindows > 100) {
        return "anomaly.windows '" + anomalyWindows + "' is not in [1, 100]";
      }
      if (trendWindows < 5 || trendWindows > 1000) {
        return "trend.windows '" + trendWindows + "' is not in [5, 1000]";
      }
      if (!(trendSignificance > 0 && trendSignificance < 1)) {
        return "trend.significance '" + trendSignificance + "' is not in (0, 1)";
      }
      if (!(trendMinChange > 0 && Double.isFinite(trendMinChange))) {
        return "trend.min-change '" + trendMinChange + "' is not a finite number > 0";
      }
      if (cooldown < 1) {
        return "cooldown '" + cooldown + "' is not >= 1";
      }
      if (shiftWindows < 2) {
        return "shift-windows '" + shiftWindows + "' is not >= 2";
      }
      if (!(minBaselineCount >= 0 && Double.isFinite(minBaselineCount))) {
        return "min-baseline-count '" + minBaselineCount + "' is not a finite number >= 0";
      }
      if (minValues < 1) {
        return "min-values '" + minValues + "' is not >= 1";
      }
      if (seasonalMinDays < 1 || seasonalMinDays > 365) {
        return "seasonal.min-days '" + seasonalMinDays + "' is not in [1, 365]";
      }
      if (seasonalMemoryDays < 1 || seasonalMemoryDays > 365) {
        return "seasonal.memory-days '" + seasonalMemoryDays + "' is not in [1, 365]";
      }
      if (ttlWindows < 2) {
        return "ttl-windows '" + ttlWindows + "' is not >= 2";
      }
      if (!LIKELIHOOD.equals(mode) && !SEED.equals(mode)) {
        return "mode '" + mode + "' is not one of [" + LIKELIHOOD + ", " + SEED + "]";
      }
      if (!(alertLikelihood >= 0.5 && alertLikelihood < 1)) {
        return "alert-likelihood '" + alertLikelihood + "' is not in [0.5, 1)";
      }
      if (suppressionWindows < 1 || suppressionWindows > 100_000) {
        return "suppression-windows '" + suppressionWindows + "' is not in [1, 100000]";
      }
      if (warmupWindows < 3 || warmupWindows > 100_000) {
        return "warmup-windows '" + warmupWindows + "' is not in [3, 100000]";
      }
      if (!(warmupDays >= 0 && warmupDays <= 28)) {
        return "warmup-days '" + warmupDays + "' is not in [0, 28]";
      }
      return null;
    }

    /** The first key whose rule {@link #problem()} names. */
    private static String keyOf(String problem) {
      return problem.substring(0, problem.indexOf(' '));
    }
  }

  private final boolean enabled;
  private final Rules defaults;
  private final Map<String, Rules> byType;

  public DetectionSettings(boolean enabled, Rules defaults, Map<String, Rules> byType) {
    this.enabled = enabled;
    this.defaults = defaults;
    this.byType = new HashMap<>(byType);
  }

  /** The settings of a validated configuration. */
  public static DetectionSettings from(JobConfig config) {
    return build(config::get, key -> "");
  }

  /**
   * Builds and checks the settings.
   *
   * @param options reads the {@code detection.*} options
   * @param origin where an option's value came from, appended to messages (e.g. {@code " (from
   *     argument --detection.sigma)"}); empty when unknown
   * @throws ConfigException naming the key and what is allowed
   */
  public static DetectionSettings build(Options options, Function<String, String> origin) {
    String metricKey = DetectionOptions.DETECTION_METRIC.key();
    String metricText = options.get(DetectionOptions.DETECTION_METRIC);
    DetectionMetric metric = DetectionMetric.parse(metricText);
    if (metric == null) {
      throw new ConfigException(
          metricKey,
          "'"
              + metricText
              + "' is not one of "
              + DetectionMetric.labels()
              + origin.apply(metricKey));
    }
    Map<String, Object> values = new HashMap<>();
    for (Map.Entry<String, ConfigOption<?>> rule : RULE_OPTIONS.entrySet()) {
      values.put(rule.getKey(), options.get(rule.getValue()));
    }
    Rules defaults = Rules.fromMap(metric, values);
    String problem = defaults.problem();
    if (problem != null) {
      String key = "detection." + Rules.keyOf(problem);
      throw new ConfigException(
          key, problem.substring(problem.indexOf(' ') + 1) + origin.apply(key));
    }

    String metricsKey = DetectionOptions.DETECTION_METRICS.key();
    Map<String, DetectionMetric> metrics = new TreeMap<>();
    for (Map.Entry<String, String> e :
        new TreeMap<>(options.get(DetectionOptions.DETECTION_METRICS)).entrySet()) {
      String key = metricsKey + "." + e.getKey();
      checkType(key, e.getKey(), origin.apply(metricsKey));
      DetectionMetric m = DetectionMetric.parse(e.getValue());
      if (m == null) {
        throw new ConfigException(
            key,
            "'"
                + e.getValue()
                + "' is not one of "
                + DetectionMetric.labels()
                + origin.apply(metricsKey));
      }
      metrics.put(e.getKey(), m);
    }

    String overridesKey = DetectionOptions.DETECTION_OVERRIDES.key();
    Map<String, Rules> byType = new TreeMap<>();
    for (Map.Entry<String, String> e :
        new TreeMap<>(options.get(DetectionOptions.DETECTION_OVERRIDES)).entrySet()) {
      String key = overridesKey + "." + e.getKey();
      String where = origin.apply(overridesKey);
      checkType(key, e.getKey(), where);
      Map<String, Object> given = parsePairs(key, e.getValue(), where);
      Rules rules =
          defaults.with(given).withMetric(metrics.getOrDefault(e.getKey(), defaults.metric()));
      String broken = rules.problem();
      if (broken != null) {
        throw new ConfigException(
            key,
            "'"
                + e.getValue()
                + "': "
                + broken
                + (given.containsKey(Rules.keyOf(broken)) ? "" : " (with the defaults)")
                + where);
      }
      byType.put(e.getKey(), rules);
    }
    for (Map.Entry<String, DetectionMetric> m : metrics.entrySet()) {
      byType.computeIfAbsent(m.getKey(), t -> defaults.withMetric(m.getValue()));
    }
    return new DetectionSettings(options.get(DetectionOptions.DETECTION_ENABLED), defaults, byType);
  }

  /** Whether detection runs at all ({@code detection.enabled}). */
  /**
   * Why {@code after} cannot replace these settings while the job runs (detection switched on or
   * off, or rules that shape a key's state changed for some event type), or null when it can.
   */
  public String runTimeChangeProblem(DetectionSettings after) {
    if (enabled != after.enabled) {
      return "detection.enabled changes the job graph";
    }
    java.util.Set<String> types = new java.util.TreeSet<>(configuredTypes());
    types.addAll(after.configuredTypes());
    String before = defaults.stateShape();
    if (!before.equals(after.defaults.stateShape())) {
      return "it changes rules that shape the detector's state ("
          + before
          + " -> "
          + after.defaults.stateShape()
          + ")";
    }
    for (String type : types) {
      String was = forType(type).stateShape();
      String now = after.forType(type).stateShape();
      if (!was.equals(now)) {
        return "it changes rules that shape the detector's state of "
            + type
            + " ("
            + was
            + " -> "
            + now
            + ")";
      }
    }
    return null;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The rules of event types without an override. */
  public Rules defaults() {
    return defaults;
  }

  /** The rules of {@code eventType}: its overrides and metric over the defaults. */
  public Rules forType(String eventType) {
    return byType.getOrDefault(eventType, defaults);
  }

  /** The event types with their own metric or overrides. */
  public Set<String> configuredTypes() {
    return Collections.unmodifiableSet(byType.keySet());
  }

  private static void checkType(String key, String type, String origin) {
    if (!EVENT_TYPE.matcher(type).matches()) {
      throw new ConfigException(
          key, "'" + type + "' is not a valid event type ([A-Za-z0-9_.:-]{1,128})" + origin);
    }
  }

  /** "k=v k=v" to typed values by rule key. */
  private static Map<String, Object> parsePairs(String key, String text, String origin) {
    Map<String, Object> values = new LinkedHashMap<>();
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.isEmpty()) {
      throw new ConfigException(
          key, "is empty; give space-separated key=value pairs, e.g. 'spike-factor=3'" + origin);
    }
    for (String pair : trimmed.split("\\s+")) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new ConfigException(
            key, "'" + pair + "' is not key=value (e.g. 'spike-factor=3')" + origin);
      }
      String name = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      ConfigOption<?> option = RULE_OPTIONS.get(name);
      if (option == null) {
        String hint =
            name.equals("metric") ? "; the metric of a type is set in detection.metrics" : "";
        throw new ConfigException(
            key, "'" + name + "' is not one of " + RULE_OPTIONS.keySet() + hint + origin);
      }
      if (values.containsKey(name)) {
        throw new ConfigException(key, "'" + name + "' is given twice" + origin);
      }
      values.put(name, parseValue(key, name, value, option.defaultValue(), origin));
    }
    return values;
  }

  private static Object parseValue(
      String key, String name, String value, Object example, String origin) {
    try {
      if (example instanceof Integer) {
        return Integer.parseInt(value);
      }
      if (example instanceof Double) {
        double d = Double.parseDouble(value);
        if (!Double.isFinite(d)) {
          throw new NumberFormatException();
        }
        return d;
      }
      if (example instanceof String) {
        return value;
      }
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(value);
      }
      throw new NumberFormatException();
    } catch (NumberFormatException e) {
      String expected =
          example instanceof Integer
              ? "an integer"
              : example instanceof Double ? "a finite number" : "true or false";
      throw new ConfigException(key, name + " '" + value + "' is not " + expected + origin);
    }
  }

  private static Map<String, ConfigOption<?>> ruleOptions() {
    Map<String, ConfigOption<?>> options = new LinkedHashMap<>();
    for (ConfigOption<?> o :
        new ConfigOption<?>[] {
          DetectionOptions.DETECTION_HISTORY,
          DetectionOptions.DETECTION_WARMUP,
          DetectionOptions.DETECTION_SPIKE_FACTOR,
          DetectionOptions.DETECTION_DROP_FACTOR,
          DetectionOptions.DETECTION_SIGMA,
          DetectionOptions.DETECTION_ANOMALY_MIN_CHANGE,
          DetectionOptions.DETECTION_ANOMALY_WINDOWS,
          DetectionOptions.DETECTION_TREND_WINDOWS,
          DetectionOptions.DETECTION_TREND_SIGNIFICANCE,
          DetectionOptions.DETECTION_TREND_MIN_CHANGE,
          DetectionOptions.DETECTION_COOLDOWN,
          DetectionOptions.DETECTION_SHIFT_WINDOWS,
          DetectionOptions.DETECTION_MIN_BASELINE_COUNT,
          DetectionOptions.DETECTION_MIN_VALUES,
          DetectionOptions.DETECTION_SEASONAL_ENABLED,
          DetectionOptions.DETECTION_SEASONAL_MIN_DAYS,
          DetectionOptions.DETECTION_SEASONAL_MEMORY_DAYS,
          DetectionOptions.DETECTION_TTL_WINDOWS,
          DetectionOptions.DETECTION_MODE,
          DetectionOptions.DETECTION_ALERT_LIKELIHOOD,
          DetectionOptions.DETECTION_SUPPRESSION_WINDOWS,
          DetectionOptions.DETECTION_WARMUP_WINDOWS,
          DetectionOptions.DETECTION_WARMUP_DAYS
        }) {
      options.put(o.key().substring("detection.".length()), o);
    }
    return Collections.unmodifiableMap(options);
  }
}
