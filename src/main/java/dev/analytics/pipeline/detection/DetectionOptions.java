package dev.analytics.pipeline.detection;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class DetectionOptions implements StageOptions {
  public DetectionOptions() {}

  @Override
  public void check(ConfigChecks c) {
    detection(c);
  }

  // ---- detection ----

  public static final ConfigOption<Boolean> DETECTION_ENABLED =
      key("detection.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Pattern detection (spike, drop, anomaly, trend) over the fine window aggregates.");

  public static final ConfigOption<String> DETECTION_METRIC =
      key("detection.metric")
          .stringType()
          .defaultValue("count")
          .withDescription(
              "Watched metric of event types not in detection.metrics: count (the estimated"
                  + " number of events) or a value statistic: mean, min, max, sum, stddev, p50,"
                  + " p75, p90, p95, p99, p999.");

  public static final ConfigOption<Map<String, String>> DETECTION_METRICS =
      key("detection.metrics")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Watched metric per event type (same values as detection.metric), e.g."
                  + " performance.response_time: p95.");

  public static final ConfigOption<Integer> DETECTION_HISTORY =
      key("detection.history")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Windows of history of the baseline (median) and of its spread (MAD), 3..1000.");

  public static final ConfigOption<Integer> DETECTION_WARMUP =
      key("detection.warmup")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Windows of history needed before the first judgement, 3..detection.history.");

  public static final ConfigOption<Double> DETECTION_SPIKE_FACTOR =
      key("detection.spike-factor")
          .doubleType()
          .defaultValue(2.0)
          .withDescription("Spike: the metric at least this many times the baseline, > 1.");

  public static final ConfigOption<Double> DETECTION_DROP_FACTOR =
      key("detection.drop-factor")
          .doubleType()
          .defaultValue(0.5)
          .withDescription("Drop: the metric at most this fraction of the baseline, in [0, 1).");

  public static final ConfigOption<Double> DETECTION_SIGMA =
      key("detection.sigma")
          .doubleType()
          .defaultValue(3.0)
          .withDescription(
              "Robust standard deviations (1.4826 x MAD) from the baseline that every spike,"
                  + " drop and anomaly must also exceed, > 0.");

  public static final ConfigOption<Double> DETECTION_ANOMALY_MIN_CHANGE =
      key("detection.anomaly.min-change")
          .doubleType()
          .defaultValue(0.25)
          .withDescription(
              "Anomaly: beyond detection.sigma and at least this relative change from the"
                  + " baseline (0.25 = 25%), >= 0.");

  public static final ConfigOption<Integer> DETECTION_ANOMALY_WINDOWS =
      key("detection.anomaly.windows")
          .intType()
          .defaultValue(3)
          .withDescription(
              "Anomaly: consecutive outlying windows that confirm it (a single window beyond 3"
                  + " sigma is expected every few hundred windows of pure noise), 1..100.");

  public static final ConfigOption<Integer> DETECTION_TREND_WINDOWS =
      key("detection.trend.windows")
          .intType()
          .defaultValue(60)
          .withDescription("Trend: windows of the regression, 5..1000.");

  public static final ConfigOption<Double> DETECTION_TREND_SIGNIFICANCE =
      key("detection.trend.significance")
          .doubleType()
          .defaultValue(1e-6)
          .withDescription("Trend: the regression slope's p-value must be below this, in (0, 1).");

  public static final ConfigOption<Double> DETECTION_TREND_MIN_CHANGE =
      key("detection.trend.min-change")
          .doubleType()
          .defaultValue(0.3)
          .withDescription(
              "Trend: relative change of the fitted line over detection.trend.windows, > 0.");

  public static final ConfigOption<Integer> DETECTION_COOLDOWN =
      key("detection.cooldown")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Consecutive normal windows that resolve an incident (then a resolved alert); no"
                  + " new alert before, so one alert per incident, >= 1.");

  public static final ConfigOption<Integer> DETECTION_SHIFT_WINDOWS =
      key("detection.shift-windows")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Consecutive abnormal windows on the same side of the baseline that make a level"
                  + " shift: the incident is resolved and the baseline restarts from them, >= 2.");

  public static final ConfigOption<Double> DETECTION_MIN_BASELINE_COUNT =
      key("detection.min-baseline-count")
          .doubleType()
          .defaultValue(100.0)
          .withDescription(
              "Count metric: no judgement while the baseline is below this many kept (sampled)"
                  + " events per window: below about 100, doubling or halving is within a few"
                  + " standard deviations of Poisson noise, >= 0.");

  public static final ConfigOption<Integer> DETECTION_MIN_VALUES =
      key("detection.min-values")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Statistic metrics: a window with fewer kept values is not judged (the key is"
                  + " reported once in the log and counted in the detectionSparseWindows and"
                  + " detectionSparseKeys metrics), >= 1. The default 1 judges a gauge with one"
                  + " value per window.");

  public static final ConfigOption<Boolean> DETECTION_SEASONAL_ENABLED =
      key("detection.seasonal.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Adjust the history by a daily profile (24 hour-of-day levels) once every hour has"
                  + " been seen on detection.seasonal.min-days days; windows up to 1 h only.");

  public static final ConfigOption<Integer> DETECTION_SEASONAL_MIN_DAYS =
      key("detection.seasonal.min-days")
          .intType()
          .defaultValue(1)
          .withDescription("Days of observations every hour of the profile needs, 1..365.");

  public static final ConfigOption<Integer> DETECTION_SEASONAL_MEMORY_DAYS =
      key("detection.seasonal.memory-days")
          .intType()
          .defaultValue(7)
          .withDescription("Memory of the profile's moving averages (EWMA), in days, 1..365.");

  public static final ConfigOption<Integer> DETECTION_TTL_WINDOWS =
      key("detection.ttl-windows")
          .intType()
          .defaultValue(1440)
          .withDescription(
              "A key without aggregates for this many windows loses its state and timers, >= 2.");

  public static final ConfigOption<String> DETECTION_MODE =
      key("detection.mode")
          .stringType()
          .defaultValue("likelihood")
          .withDescription(
              "likelihood: every window gets an anomaly score (the anomaly likelihood of a robust"
                  + " streaming model of the key, with daily and weekly profiles where the history"
                  + " shows them) and an alert opens at detection.alert-likelihood; seed: the seed"
                  + " rules (robust sigma over detection.history, spike and drop factors, the trend"
                  + " regression), for comparison.");

  public static final ConfigOption<Double> DETECTION_ALERT_LIKELIHOOD =
      key("detection.alert-likelihood")
          .doubleType()
          .defaultValue(0.9999999)
          .withDescription(
              "Likelihood mode: the anomaly likelihood at which an alert opens (and the window"
                  + " itself outlying, tail probability <= 1%), in [0.5, 1); the default, 1 -"
                  + " 1e-7, was chosen on the evaluation corpus.");

  public static final ConfigOption<Integer> DETECTION_SUPPRESSION_WINDOWS =
      key("detection.suppression-windows")
          .intType()
          .defaultValue(72)
          .withDescription(
              "Likelihood mode: windows after an alert in which no new alert opens (a burst or a"
                  + " regime change is one alert), 1..100000.");

  public static final ConfigOption<Integer> DETECTION_WARMUP_WINDOWS =
      key("detection.warmup-windows")
          .intType()
          .defaultValue(100)
          .withDescription(
              "Likelihood mode: windows learnt before the first alert (and detection.warmup-days),"
                  + " 3..100000.");

  public static final ConfigOption<Double> DETECTION_WARMUP_DAYS =
      key("detection.warmup-days")
          .doubleType()
          .defaultValue(0.5)
          .withDescription(
              "Likelihood mode: the warm-up also lasts this fraction of a day of windows, 0..28.");

  public static final ConfigOption<Map<String, String>> DETECTION_OVERRIDES =
      key("detection.overrides")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Per event type, thresholds that replace the defaults above: space-separated"
                  + " key=value pairs whose keys are the detection.* keys without the prefix"
                  + " (history, warmup, spike-factor, drop-factor, sigma, anomaly.min-change,"
                  + " anomaly.windows,"
                  + " trend.windows, trend.significance, trend.min-change, cooldown,"
                  + " shift-windows, min-baseline-count, min-values, seasonal.enabled,"
                  + " seasonal.min-days, seasonal.memory-days, ttl-windows, mode,"
                  + " alert-likelihood, suppression-windows, warmup-windows, warmup-days), e.g."
                  + " api.error:"
                  + " 'spike-factor=3 min-baseline-count=50'.");

  private static void detection(ConfigChecks c) {
    DetectionSettings.build(c::get, c::origin);
  }
}
