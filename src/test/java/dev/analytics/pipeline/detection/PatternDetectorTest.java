package dev.analytics.pipeline.detection;

import static dev.analytics.pipeline.testing.TestEvents.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.TestEvents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PatternDetectorTest {
  private static final long W = 60_000;
  private static final String TYPE = "api.request";

  /** Noise around 100 whose median is 100 and MAD 4: the spread is the Poisson floor, 10. */
  private static final double[] NORMAL = {100, 104, 96, 100, 104, 96, 100, 104, 96, 100};

  private final List<AutoCloseable> resources = new ArrayList<>();
  private InterceptingOperatorMetricGroup metrics;

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  // ---- patterns ----

  @Test
  void shouldReportASpikeAgainstTheRobustBaseline() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    feed(harness, count(10, 300));

    // b = median 100; spread = max(1.4826 x MAD 4, 1% of b, sqrt(b) = 10) = 10; z = 20.
    assertThat(harness.extractOutputValues())
        .isEqualTo(
            List.of(
                alert(
                    "spike",
                    "count",
                    10,
                    300,
                    100,
                    1 - 0.5 * Math.pow(3.0 / 20, 2),
                    0,
                    "count of api.request: spike to 300.0, 3.00x the baseline 100.0 (+20.0 robust"
                        + " sigma)")));
  }

  @Test
  void shouldReportADrop() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    feed(harness, count(10, 20));

    Alert drop = single(harness);
    assertThat(drop)
        .isEqualTo(
            alert(
                "drop",
                "count",
                10,
                20,
                100,
                1 - 0.5 * Math.pow(3.0 / 8, 2),
                0,
                "count of api.request: drop to 20.00, 20% of the baseline 100.0 (-8.0 robust sigma)"));
  }

  @Test
  void shouldReportAnAnomalyConfirmedByConsecutiveWindows() throws Exception {
    var harness = open(rules(Map.of()).withMetric(DetectionMetric.P95));
    for (int w = 0; w < 10; w++) {
      feed(harness, p95(w, 2 * NORMAL[w]));
    }
    feed(harness, p95(10, 260));
    feed(harness, p95(11, 260));
    assertThat(harness.extractOutputValues())
        .as("not confirmed yet (anomaly.windows 3)")
        .isEqualTo(List.of());
    feed(harness, p95(12, 260));

    // b = 200, MAD 8 -> spread 11.86 (outliers enter the spread's ring winsorized at b + 3s).
    double spread = 1.4826 * 8;
    double z = 60 / spread;
    Alert anomaly = single(harness);
    assertThat(anomaly.pattern).isEqualTo("anomaly");
    assertThat(anomaly.metric).isEqualTo("p95");
    assertThat(anomaly.windowStart).isEqualTo(T0 + 12 * W);
    assertThat(anomaly.value).isEqualTo(260);
    assertThat(anomaly.baseline).isEqualTo(200);
    assertThat(anomaly.confidence).isCloseTo(1 - 0.5 * Math.pow(3 / z, 2), within(1e-12));
    assertThat(anomaly.message)
        .isEqualTo(
            "p95 of api.request: anomaly: 260.0, +30% from the baseline 200.0 (+5.1 robust sigma)");
  }

  @Test
  void shouldReportATrendWithItsFittedStart() throws Exception {
    var harness = open(rules(Map.of("trend.windows", 20, "trend.min-change", 0.3)));
    double[] values = new double[60];
    for (int w = 0; w < values.length; w++) {
      double level = w < 20 ? 1000 : 1000 + 25 * (w - 19);
      values[w] = level + (w % 3 == 0 ? 0 : w % 3 == 1 ? 8 : -8);
    }
    feedCounts(harness, 0, values);

    Alert trend = single(harness);
    assertThat(trend.pattern).isEqualTo("trend");
    int w = (int) ((trend.windowStart - T0) / W);
    // The line over the last 20 windows must rise 30%: about 20 windows into the ramp.
    assertThat(w >= 30 && w <= 45).as("window " + w).isTrue();
    assertThat(trend.value).isEqualTo(Double.valueOf(values[w]));
    double fittedStart = Math.max(1000, 1000 + 25 * (w - 19 - 19));
    assertThat(trend.baseline).isCloseTo(fittedStart, within(0.1 * fittedStart));
    assertThat(trend.confidence >= 0.5 && trend.confidence <= 1)
        .as("confidence " + trend.confidence)
        .isTrue();
    assertThat(trend.message.startsWith("count of api.request: rising trend, +"))
        .as(trend.message)
        .isTrue();
  }

  // ---- quiet on normal traffic ----

  @Test
  void shouldJudgeNothingDuringTheWarmUp() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, new double[] {100, 104, 96, 100, 104, 96, 100, 104, 96});
    feed(harness, count(9, 1000));
    assertThat(harness.extractOutputValues())
        .as("9 windows of history: no judgement")
        .isEqualTo(List.of());

    feed(harness, count(10, 1000));
    Alert spike = single(harness);
    assertThat(spike.pattern).isEqualTo("spike");
    assertThat(spike.baseline)
        .as("the median ignores the outlier learnt during warm-up")
        .isEqualTo(100);
  }

  @Test
  void shouldCountAMissingWindowAsZeroForTheCount() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    assertThat(harness.numEventTimeTimers()).isEqualTo(1);

    harness.processWatermark(T0 + 11 * W - 2);
    assertThat(harness.extractOutputValues()).isEqualTo(List.of());
    harness.processWatermark(T0 + 11 * W - 1);

    assertThat(harness.extractOutputValues())
        .isEqualTo(
            List.of(
                alert(
                    "drop",
                    "count",
                    10,
                    0,
                    100,
                    1 - 0.5 * Math.pow(3.0 / 10, 2),
                    0,
                    "count of api.request: drop to 0.000, 0% of the baseline 100.0 (-10.0 robust"
                        + " sigma)")));
    assertThat(harness.numEventTimeTimers()).as("the next window's timer").isEqualTo(1);
  }

  @Test
  void shouldNotTakeTheEndOfInputForADrop() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    // A bounded input, a replay or stop --drain ends with the final watermark: no drop.
    harness.processWatermark(Long.MAX_VALUE);
    assertThat(harness.extractOutputValues()).isEqualTo(List.of());
  }

  @Test
  void shouldSkipAMissingWindowOfAStatistic() throws Exception {
    var harness = open(rules(Map.of()).withMetric(DetectionMetric.P95));
    for (int w = 0; w < 10; w++) {
      feed(harness, p95(w, 2 * NORMAL[w]));
    }
    harness.processWatermark(T0 + 13 * W - 1);
    WindowAggregate few = p95(13, 5000);
    few.valueCount = 3;
    feed(harness, few);
    feed(harness, p95(14, 204));

    assertThat(harness.extractOutputValues()).isEqualTo(List.of());
  }

  @Test
  void shouldAlertOncePerIncidentAndResolveAfterTheCooldown() throws Exception {
    var harness = open(rules(Map.of("cooldown", 3)));
    feedCounts(harness, 0, NORMAL);
    feedCounts(harness, 10, new double[] {300, 280, 100, 310, 104, 96});
    assertThat(patterns(harness)).as("one alert for the incident").isEqualTo(List.of("spike"));
    feedCounts(harness, 16, new double[] {100});

    List<Alert> out = harness.extractOutputValues();
    assertThat(patterns(harness)).isEqualTo(List.of("spike", "resolved"));
    assertThat(out.get(1))
        .isEqualTo(
            alert(
                "resolved",
                "count",
                16,
                100,
                100,
                1.0,
                0,
                "count of api.request: back to normal (100.0, baseline 100.0) for 3 windows after"
                    + " the spike of window "
                    + (T0 + 10 * W)));
    feedCounts(harness, 17, new double[] {104, 96, 100, 104, 96});
    assertThat(harness.extractOutputValues().size()).as("quiet after the resolution").isEqualTo(2);
  }

  @Test
  void shouldFollowALevelShiftAndGoQuiet() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    double[] shifted = new double[40];
    for (int i = 0; i < shifted.length; i++) {
      shifted[i] = 300 + (i % 3 == 0 ? 0 : i % 3 == 1 ? 6 : -6);
    }
    feedCounts(harness, 10, shifted);

    List<Alert> out = harness.extractOutputValues();
    assertThat(patterns(harness)).isEqualTo(List.of("spike", "resolved"));
    assertThat(out.get(0).windowStart).isEqualTo(T0 + 10 * W);
    Alert shift = out.get(1);
    assertThat(shift.windowStart)
        .as("after shift-windows (10) abnormal windows")
        .isEqualTo(T0 + 19 * W);
    assertThat(shift.baseline).as("the new level").isEqualTo(300);
    assertThat(shift.message)
        .isEqualTo(
            "count of api.request: level shift, 10 windows at about 300.0 (baseline was 100.0) since"
                + " the spike; re-baselined");
  }

  // ---- versions ----

  @Test
  void shouldReJudgeTheLatestWindowOnAHigherVersion() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    feed(harness, count(10, 300));
    WindowAggregate quieter = count(10, 100);
    quieter.version = 1;
    feed(harness, quieter);
    WindowAggregate louder = count(10, 400);
    louder.version = 2;
    feed(harness, louder);
    WindowAggregate stale = count(10, 900);
    stale.version = 2;
    feed(harness, stale);
    feed(harness, count(9, 900));

    List<Alert> out = harness.extractOutputValues();
    assertThat(out.size()).as(out.toString()).isEqualTo(2);
    assertThat(out.get(0).version).isEqualTo(0);
    assertThat(out.get(0).value).isEqualTo(300);
    assertThat(out.get(1).version).isEqualTo(2);
    assertThat(out.get(1).value).isEqualTo(400);
    assertThat(out.get(1).baseline).as("judged from the state before window 10").isEqualTo(100);
    assertThat(TestEvents.counter(metrics, "detectionIgnoredAggregates")).isEqualTo(2);
    assertThat(TestEvents.counter(metrics, "detectionAlerts")).isEqualTo(2);
  }

  @Test
  void shouldReJudgeAMissingWindowWhenItsAggregateComesLate() throws Exception {
    var harness = open(rules(Map.of()));
    feedCounts(harness, 0, NORMAL);
    harness.processWatermark(T0 + 11 * W - 1);
    WindowAggregate late = count(10, 100);
    harness.processElement(late, T0 + 11 * W - 1);

    assertThat(patterns(harness))
        .as("the late aggregate is normal: no alert")
        .isEqualTo(List.of("drop"));
    feed(harness, count(11, 400));
    List<Alert> out = harness.extractOutputValues();
    assertThat(out.get(1).pattern).isEqualTo("spike");
    assertThat(out.get(1).baseline).as("the zero never entered the history").isEqualTo(100);
  }

  // ---- state ----

  @Test
  void shouldClearStateAndTimersOfASilentKey() throws Exception {
    var harness = open(rules(Map.of("ttl-windows", 5)));
    feedCounts(harness, 0, new double[] {100, 104, 96});
    var p95 = harness; // a second key on the same harness: another granularity
    WindowAggregate other = p95(0, 200);
    other.eventType = "performance.response_time";
    feed(p95, other);
    assertThat(harness.numKeyedStateEntries() > 0).isTrue();
    assertThat(harness.numEventTimeTimers()).isEqualTo(2);

    harness.processWatermark(T0 + 6 * W - 2);
    assertThat(harness.numKeyedStateEntries() > 0).as("4 silent windows: kept").isTrue();
    harness.processWatermark(T0 + 8 * W - 1);

    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
    assertThat(harness.extractOutputValues()).isEqualTo(List.of());
  }

  @Test
  void shouldGiveTheSameAlertsForTheSameInputAsThePureRules() throws Exception {
    EvaluationSeries.Series series =
        EvaluationSeries.generate(EvaluationSeries.Shape.REQUESTS, 7, 3000, true);
    DetectionSettings.Rules rules = DetectionSettings.Rules.defaults();
    List<Alert> first = runSeries(series, rules);
    List<Alert> second = runSeries(series, rules);

    assertThat(first.isEmpty()).isFalse();
    assertThat(second).isEqualTo(first);
    PatternRules pure = new PatternRules(rules);
    DetectorState state = pure.newState(TYPE, Map.of(), "1m", W);
    List<Alert> direct = new ArrayList<>();
    for (int w = 0; w < series.values().length; w++) {
      direct.addAll(pure.observe(state, T0 + w * W, series.values()[w], series.sampleRate(), 0));
    }
    assertThat(first).isEqualTo(direct);
  }

  // ---- likelihood mode (the default) ----

  @Test
  void shouldReportAKeyTooSparseForItsMinValuesOnceAndCountItsWindows() throws Exception {
    var harness =
        open(
            DetectionSettings.Rules.defaults()
                .withMetric(DetectionMetric.P95)
                .with(Map.of("min-values", 10)));
    for (int w = 0; w < 5; w++) {
      WindowAggregate a = p95(w, 200);
      a.valueCount = 3;
      feed(harness, a);
    }
    WindowAggregate full = p95(5, 200);
    feed(harness, full);
    assertThat(TestEvents.counter(metrics, "detectionSparseWindows")).isEqualTo(5);
    assertThat(TestEvents.counter(metrics, "detectionSparseKeys"))
        .as("reported once per key")
        .isEqualTo(1);
    WindowAggregate other = p95(6, 200);
    other.eventType = "performance.other";
    other.valueCount = 1;
    feed(harness, other);
    assertThat(TestEvents.counter(metrics, "detectionSparseKeys")).isEqualTo(2);
  }

  @Test
  void shouldDescribeAtStartUpWhatEachRuleSetCanJudge() {
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    DetectionSettings settings =
        new DetectionSettings(
            true,
            defaults,
            Map.of(
                "latency",
                defaults.withMetric(DetectionMetric.P95).with(Map.of("min-values", 20)),
                "gauge",
                defaults.withMetric(DetectionMetric.MEAN)));
    assertThat(PatternDetector.describe(settings))
        .isEqualTo(
            List.of(
                "Pattern detection of event types without overrides: likelihood mode, metric count,"
                    + " judges every window (a missing one as 0)",
                "Pattern detection of gauge: likelihood mode, metric mean, judges every window with a"
                    + " value",
                "Pattern detection of latency: likelihood mode, metric p95, judges windows of at least"
                    + " 20 values only (sparser keys are logged and counted in detectionSparseKeys)"));
  }

  /** What each rule set judges is a metric too: detectionMinValues per event type and metric. */
  @Test
  void shouldReportWhatEachRuleSetJudgesInAMetric() throws Exception {
    open(
        DetectionSettings.Rules.defaults()
            .withMetric(DetectionMetric.P95)
            .with(Map.of("min-values", 20)));
    org.apache.flink.metrics.Metric gauge =
        metrics.get("event_type=*.metric=p95.detectionMinValues");
    assertThat((gauge instanceof org.apache.flink.metrics.Gauge<?>)).as("gauge: " + gauge).isTrue();
    assertThat(((org.apache.flink.metrics.Gauge<?>) gauge).getValue()).isEqualTo(20);
    open(DetectionSettings.Rules.defaults());
    assertThat(
            ((org.apache.flink.metrics.Gauge<?>)
                    metrics.get("event_type=*.metric=count.detectionMinValues"))
                .getValue())
        .as("the count judges every window")
        .isEqualTo(0);
  }

  @Test
  void shouldJudgeAGaugeWithOneValuePerWindowByDefault() throws Exception {
    var harness = open(DetectionSettings.Rules.defaults().withMetric(DetectionMetric.P95));
    java.util.Random random = new java.util.Random(3);
    for (int w = 0; w < 1000; w++) {
      WindowAggregate a = p95(w, w == 900 ? 2000 : 200 * Math.exp(0.05 * random.nextGaussian()));
      a.valueCount = 1;
      feed(harness, a);
    }
    assertThat(patterns(harness).stream().filter(p -> !p.equals("resolved")).toList())
        .isEqualTo(List.of("spike"));
    assertThat(TestEvents.counter(metrics, "detectionSparseWindows")).isEqualTo(0);
  }

  @Test
  void shouldGiveTheSameAlertsAfterARestore() throws Exception {
    DetectionSettings.Rules rules = DetectionSettings.Rules.defaults();
    java.util.Random random = new java.util.Random(5);
    double[] counts = new double[3000];
    for (int w = 0; w < counts.length; w++) {
      double level = w < 2000 ? 500 : 1500; // a regime change
      counts[w] = Math.rint(level * Math.exp(0.05 * random.nextGaussian()));
    }
    counts[1500] = 5000;
    counts[2600] = 100;

    var straight = open(rules);
    feedCounts(straight, 0, counts);
    List<Alert> expected = straight.extractOutputValues();
    assertThat(expected.size() >= 3).as(expected.toString()).isTrue();

    var first = open(rules);
    feedCounts(first, 0, java.util.Arrays.copyOf(counts, 1800));
    OperatorSubtaskState snapshot = first.snapshot(1L, 1L);
    List<Alert> actual = new ArrayList<>(first.extractOutputValues());
    var restored = restore(rules, snapshot);
    for (int w = 1800; w < counts.length; w++) {
      feed(restored, count(w, counts[w]));
    }
    actual.addAll(restored.extractOutputValues());
    assertThat(actual).isEqualTo(expected);
  }

  /**
   * Every aggregate goes on to the sinks (the SCORED side output), in order, as a copy carrying its
   * window's anomaly score: 0 in the warm-up, in [0, 1] once judged, highest at the spike; NaN for
   * a window too sparse to judge and for a re-emission of an older window beyond the last 16
   * judged, which otherwise gets the score its window had.
   */
  @Test
  void shouldPassEveryAggregateOnWithItsAnomalyScore() throws Exception {
    var harness = open(DetectionSettings.Rules.defaults().withMetric(DetectionMetric.P95));
    java.util.Random random = new java.util.Random(11);
    List<WindowAggregate> fed = new ArrayList<>();
    for (int w = 0; w < 1000; w++) {
      WindowAggregate a = p95(w, w == 900 ? 5000 : 200 * Math.exp(0.05 * random.nextGaussian()));
      a.valueCount = w == 800 ? 0 : 1; // window 800 has no value: not judged
      fed.add(a);
      feed(harness, a);
    }
    WindowAggregate older = p95(100, 200);
    older.version = 1; // a late re-emission of a window long judged
    fed.add(older);
    feed(harness, older);
    WindowAggregate recent = p95(995, 210);
    recent.version = 1; // a late re-emission of one of the last windows judged
    fed.add(recent);
    feed(harness, recent);

    List<WindowAggregate> scored = new ArrayList<>();
    harness.getSideOutput(PatternDetector.SCORED).forEach(r -> scored.add(r.getValue()));
    assertThat(scored.size()).isEqualTo(fed.size());
    for (int i = 0; i < fed.size(); i++) {
      WindowAggregate in = fed.get(i);
      WindowAggregate out = scored.get(i);
      assertThat(in != out).as("a copy").isTrue();
      assertThat(Double.isNaN(in.anomalyScore)).as("the input is left alone").isTrue();
      WindowAggregate same = out.copy();
      same.anomalyScore = Double.NaN;
      assertThat(same).as("window " + i).isEqualTo(in);
    }
    assertThat(scored.get(10).anomalyScore).as("warm-up").isEqualTo(Double.valueOf(0.0));
    assertThat(Double.isNaN(scored.get(800).anomalyScore)).as("no value, not judged").isTrue();
    assertThat(Double.isNaN(scored.get(1000).anomalyScore))
        .as("re-emission of a window not kept (900 back)")
        .isTrue();
    assertThat(scored.get(1001).anomalyScore)
        .as("re-emission of one of the last 16 windows: the score that window had")
        .isEqualTo(Double.valueOf(scored.get(995).anomalyScore));
    assertThat(scored.get(995).anomalyScore >= 0).as("judged").isTrue();
    double highest = 0;
    int at = -1;
    for (int w = 760; w < 1000; w++) {
      double s = scored.get(w).anomalyScore;
      if (w != 800) {
        assertThat(s >= 0 && s <= 1).as("window " + w + ": " + s).isTrue();
        if (s > highest) {
          highest = s;
          at = w;
        }
      }
    }
    assertThat(at).as("the spike is the most anomalous window").isEqualTo(900);
    assertThat(highest > 0.999).as("score of the spike: " + highest).isTrue();
  }

  @Test
  void shouldKeyByGranularityTypeAndCanonicalDimensions() {
    WindowAggregate a = count(0, 1);
    a.dimensions = new HashMap<>(Map.of("region", "eu", "b", "x|y"));
    assertThat(PatternDetector.keyOf(a)).isEqualTo("1m|api.request|1:b=3:x|y;6:region=2:eu;");
    assertThat(PatternDetector.keyOf(count(0, 1))).isEqualTo("1m|api.request|");
  }

  @Test
  void shouldUseFlinkPojosForState() {
    for (Class<?> type : List.of(DetectorState.class, Alert.class)) {
      PojoTypeInfo<?> pojo =
          assertThat(TypeInformation.of(type))
              .as(type + " is no POJO")
              .asInstanceOf(InstanceOfAssertFactories.type(PojoTypeInfo.class))
              .actual();
      for (int i = 0; i < pojo.getArity(); i++) {
        assertThat((pojo.getPojoFieldAt(i).getTypeInformation() instanceof GenericTypeInfo))
            .isFalse();
      }
    }
  }

  // ---- fixtures ----

  /** The seed rules as they were the defaults (detection.mode seed, min-values 10). */
  private static DetectionSettings.Rules rules(Map<String, ?> overrides) {
    Map<String, Object> seed = new HashMap<>(Map.of("mode", "seed", "min-values", 10));
    seed.putAll(overrides);
    return DetectionSettings.Rules.defaults().with(seed);
  }

  private List<Alert> runSeries(EvaluationSeries.Series series, DetectionSettings.Rules rules)
      throws Exception {
    var harness = open(rules);
    for (int w = 0; w < series.values().length; w++) {
      WindowAggregate a = count(w, series.values()[w]);
      a.sampleRate = series.sampleRate();
      if (series.values()[w] > 0) {
        feed(harness, a);
      } else {
        harness.processWatermark(a.windowEnd - 1);
      }
    }
    return harness.extractOutputValues();
  }

  private static WindowAggregate count(int w, double count) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = TYPE;
    a.windowStart = T0 + w * W;
    a.windowEnd = a.windowStart + W;
    a.granularity = "1m";
    a.estimatedCount = count;
    a.keptCount = (long) count;
    a.sampleRate = 1.0;
    return a;
  }

  private static WindowAggregate p95(int w, double p95) {
    WindowAggregate a = count(w, 100);
    a.valueCount = 100;
    a.p95 = p95;
    return a;
  }

  private static Alert alert(
      String pattern,
      String metric,
      int w,
      double value,
      double baseline,
      double confidence,
      int version,
      String message) {
    Alert a = new Alert();
    a.eventType = TYPE;
    a.granularity = "1m";
    a.windowStart = T0 + w * W;
    a.windowEnd = a.windowStart + W;
    a.pattern = pattern;
    a.metric = metric;
    a.value = value;
    a.baseline = baseline;
    a.confidence = confidence;
    a.version = version;
    a.message = message;
    return a;
  }

  private static Alert single(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> harness) {
    List<Alert> out = harness.extractOutputValues();
    assertThat(out.size()).as(out.toString()).isEqualTo(1);
    return out.get(0);
  }

  private static List<String> patterns(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> harness) {
    return harness.extractOutputValues().stream().map(a -> a.pattern).toList();
  }

  private static void feedCounts(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> harness,
      int first,
      double[] counts)
      throws Exception {
    for (int i = 0; i < counts.length; i++) {
      feed(harness, count(first + i, counts[i]));
    }
  }

  /** As the window operator emits it: stamped windowEnd − 1, then the watermark passes it. */
  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> harness,
      WindowAggregate a)
      throws Exception {
    harness.processElement(a, a.windowEnd - 1);
    harness.processWatermark(a.windowEnd - 1);
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> restore(
      DetectionSettings.Rules rules, OperatorSubtaskState snapshot) throws Exception {
    var harness = create(rules);
    harness.setup();
    harness.initializeState(snapshot);
    harness.open();
    return harness;
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> open(
      DetectionSettings.Rules rules) throws Exception {
    var harness = create(rules);
    harness.open();
    return harness;
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert> create(
      DetectionSettings.Rules rules) throws Exception {
    metrics = new TestEvents.GroupedMetrics();
    MockEnvironment env = TestEvents.environment(metrics);
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, Alert>(
            new KeyedProcessOperator<>(
                new PatternDetector(new DetectionSettings(true, rules, Map.of()))),
            PatternDetector::keyOf,
            Types.STRING,
            env);
    resources.add(env);
    resources.add(harness);
    return harness;
  }
}
