package dev.analytics.pipeline.privacy;

import static dev.analytics.pipeline.testing.TestEvents.T0;
import static dev.analytics.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.model.PrivacyEstimate;
import dev.analytics.pipeline.model.WindowAggregate;
import dev.analytics.pipeline.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PrivacyCorrectorTest {
  private static final long W = 60_000;
  private static final Duration LATENESS = Duration.ofSeconds(30);

  /**
   * vote: e^ε = 3, k = 3, so p = 0.6, q = 0.2, p − q = 0.4: estimate = (c − 0.2·N) / 0.4 and
   * variance = N + max(0, estimate) / 2. consent: e^ε = 4, k = 2, p = 0.8, q = 0.2.
   */
  private static final PrivacyGroups GROUPS =
      new PrivacyGroups(
          List.of(
              new PrivacyGroups.Group("vote", Math.log(3), List.of("vote.a", "vote.b", "vote.c")),
              new PrivacyGroups.Group(
                  "consent", Math.log(4), List.of("consent.yes", "consent.no"))));

  private static final double EPS3 = Math.log(3);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private InterceptingOperatorMetricGroup metrics;

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  @Test
  void shouldEmitExactEstimatesWhenTheWatermarkPassesTheWindow() throws Exception {
    var harness = open(LATENESS);
    harness.processWatermark(T0 - 1);
    feed(harness, agg("vote.a", 0, Map.of("region", "eu"), 40, 0));
    feed(harness, agg("vote.b", 0, Map.of(), 30, 0));
    feed(harness, agg("vote.a", 0, Map.of("region", "us"), 20, 0));
    feed(harness, agg("vote.c", 0, Map.of(), 10, 0));
    harness.processWatermark(T0 + W - 2);

    assertThat(harness.extractOutputValues())
        .as("nothing before the window closes")
        .isEqualTo(List.of());

    harness.processWatermark(T0 + W - 1);

    // N = 100: (60 − 20)/0.4, (30 − 20)/0.4, (10 − 20)/0.4; sd² = 100 + max(0, est)/2.
    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 100, 60, 100, Math.sqrt(150), 0),
                estimate("vote", "vote.b", 0, EPS3, 3, 100, 30, 25, Math.sqrt(112.5), 0),
                estimate("vote", "vote.c", 0, EPS3, 3, 100, 10, -25, 10, 0)));
    for (StreamRecord<? extends PrivacyEstimate> r : records(harness)) {
      assertThat(r.getTimestamp()).as("stamped windowEnd − 1").isEqualTo(T0 + W - 1);
    }
    assertThat(counter(metrics, "privacyEstimates")).isEqualTo(3);
  }

  @Test
  void shouldSumObservedCountsOverDimensionBucketsWithSamplingWeights() throws Exception {
    var harness = open(LATENESS);
    feed(harness, agg("consent.yes", 0, Map.of("region", "eu", "os", "ios"), 12.5, 0));
    feed(harness, agg("consent.yes", 0, Map.of("region", "eu", "os", "android"), 7.5, 0));
    feed(harness, agg("consent.yes", 0, Map.of("region", "us"), 30, 0));
    feed(harness, agg("consent.no", 0, Map.of("region", "eu"), 25, 0));
    feed(harness, agg("consent.no", 0, Map.of("region", "us"), 15, 0));
    feed(harness, agg("consent.no", 0, Map.of(), 10, 0));
    harness.processWatermark(T0 + W - 1);

    // k = 2, p = 0.8, q = 0.2, N = 100: (50 − 20)/0.6 = 50 twice; variance = N·0.16/0.36.
    double sd = Math.sqrt(100 * 0.16 / 0.36);
    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("consent", "consent.yes", 0, Math.log(4), 2, 100, 50, 50, sd, 0),
                estimate("consent", "consent.no", 0, Math.log(4), 2, 100, 50, 50, sd, 0)));
  }

  @Test
  void shouldGiveTypesWithoutObservationsTheirNegativeEstimate() throws Exception {
    var harness = open(LATENESS);
    feed(harness, agg("vote.a", 0, Map.of(), 60, 0));
    feed(harness, agg("vote.b", 0, Map.of(), 40, 0));
    harness.processWatermark(T0 + W - 1);

    // vote.c: (0 − 100·0.2) / 0.4 = −50, sd² = N = 100.
    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 100, 60, 100, Math.sqrt(150), 0),
                estimate("vote", "vote.b", 0, EPS3, 3, 100, 40, 50, Math.sqrt(125), 0),
                estimate("vote", "vote.c", 0, EPS3, 3, 100, 0, -50, 10, 0)));
  }

  @Test
  void shouldReplaceABucketOnReEmissionAndBumpTheVersion() throws Exception {
    var harness = open(LATENESS);
    feed(harness, agg("vote.a", 0, Map.of("region", "eu"), 40, 0));
    feed(harness, agg("vote.a", 0, Map.of("region", "us"), 20, 0));
    feed(harness, agg("vote.b", 0, Map.of(), 30, 0));
    feed(harness, agg("vote.c", 0, Map.of(), 10, 0));
    harness.processWatermark(T0 + W - 1);
    harness.getOutput().clear();

    // A late event re-fires vote.b's window with its full new count: 50 replaces 30.
    harness.processWatermark(T0 + W + 5_000);
    feed(harness, agg("vote.b", 0, Map.of(), 50, 1));

    // N = 120, q·N = 24: (60 − 24)/0.4, (50 − 24)/0.4, (10 − 24)/0.4; sd² = 120 + max(0, est)/2.
    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 120, 60, 90, Math.sqrt(165), 1),
                estimate("vote", "vote.b", 0, EPS3, 3, 120, 50, 65, Math.sqrt(152.5), 1),
                estimate("vote", "vote.c", 0, EPS3, 3, 120, 10, -35, Math.sqrt(120), 1)));
    harness.getOutput().clear();

    // Another bucket re-fires: version 2; a stale or duplicate version of a bucket is ignored.
    feed(harness, agg("vote.a", 0, Map.of("region", "us"), 24, 1));
    feed(harness, agg("vote.b", 0, Map.of(), 30, 0));
    feed(harness, agg("vote.b", 0, Map.of(), 50, 1));

    // N = 124, q·N = 24.8: (64 − 24.8)/0.4, (50 − 24.8)/0.4, (10 − 24.8)/0.4.
    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 124, 64, 98, Math.sqrt(124 + 49), 2),
                estimate("vote", "vote.b", 0, EPS3, 3, 124, 50, 63, Math.sqrt(124 + 31.5), 2),
                estimate("vote", "vote.c", 0, EPS3, 3, 124, 10, -37, Math.sqrt(124), 2)));
    assertThat(counter(metrics, "privacyEstimates")).isEqualTo(9);
    assertThat(counter(metrics, "privacyIgnoredAggregates")).isEqualTo(2);
  }

  @Test
  void shouldUseTheLatestCountWhenAReEmissionArrivesBeforeTheWindowCloses() throws Exception {
    // With several upstream subtasks the watermark here can lag one that already re-fired.
    var harness = open(LATENESS);
    feed(harness, agg("consent.yes", 0, Map.of(), 10, 0));
    feed(harness, agg("consent.no", 0, Map.of(), 30, 0));
    feed(harness, agg("consent.yes", 0, Map.of(), 70, 1));
    harness.processWatermark(T0 + W - 1);

    // N = 100: (70 − 20)/0.6 = 83.33.., (30 − 20)/0.6 = 16.66..; version 0.
    double sd = Math.sqrt(100 * 0.16 / 0.36);
    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("consent", "consent.yes", 0, Math.log(4), 2, 100, 70, 50 / 0.6, sd, 0),
                estimate("consent", "consent.no", 0, Math.log(4), 2, 100, 30, 10 / 0.6, sd, 0)));
  }

  @Test
  void shouldKeepGroupsAndWindowsApart() throws Exception {
    var harness = open(LATENESS);
    feed(harness, agg("vote.a", 0, Map.of(), 60, 0));
    feed(harness, agg("consent.yes", 0, Map.of(), 50, 0));
    feed(harness, agg("vote.a", 1, Map.of(), 20, 0));
    feed(harness, agg("vote.c", 1, Map.of(), 80, 0));
    feed(harness, agg("consent.no", 0, Map.of(), 50, 0));
    harness.processWatermark(T0 + W - 1);

    List<PrivacyEstimate> first = rounded(harness.extractOutputValues());
    assertThat(first.size()).isEqualTo(5);
    assertThat(first.stream().filter(e -> e.group.equals("vote")).toList())
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 60, 60, 120, Math.sqrt(60 + 60), 0),
                estimate("vote", "vote.b", 0, EPS3, 3, 60, 0, -30, Math.sqrt(60), 0),
                estimate("vote", "vote.c", 0, EPS3, 3, 60, 0, -30, Math.sqrt(60), 0)));
    harness.getOutput().clear();

    harness.processWatermark(T0 + 2 * W - 1);

    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 1, EPS3, 3, 100, 20, 0, 10, 0),
                estimate("vote", "vote.b", 1, EPS3, 3, 100, 0, -50, 10, 0),
                estimate("vote", "vote.c", 1, EPS3, 3, 100, 80, 150, Math.sqrt(175), 0)));
  }

  @Test
  void shouldClearStateAndTimersOnceTheLatenessHasPassed() throws Exception {
    var harness = open(LATENESS);
    feed(harness, agg("vote.a", 0, Map.of("region", "eu"), 40, 0));
    feed(harness, agg("vote.b", 0, Map.of(), 30, 0));
    feed(harness, agg("consent.no", 0, Map.of(), 5, 0));
    assertThat(harness.numEventTimeTimers()).as("close and purge, per group").isEqualTo(4);

    harness.processWatermark(T0 + W - 1);
    assertThat(harness.numEventTimeTimers()).as("purge timers").isEqualTo(2);
    harness.processWatermark(T0 + W - 1 + LATENESS.toMillis() - 1);
    feed(harness, agg("vote.b", 0, Map.of(), 31, 1));
    assertThat(last(harness).version).as("still within the lateness").isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isEqualTo(2);

    harness.processWatermark(T0 + W - 1 + LATENESS.toMillis());

    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);

    // The window operator emits nothing later; if something came, it is ignored, not re-opened.
    int emitted = harness.extractOutputValues().size();
    feed(harness, agg("vote.b", 0, Map.of(), 32, 2));
    harness.processWatermark(T0 + 3 * W);
    assertThat(harness.extractOutputValues().size()).isEqualTo(emitted);
    assertThat(counter(metrics, "privacyIgnoredAggregates")).isEqualTo(1);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
  }

  @Test
  void shouldCloseAndClearAtOnceWithoutLateness() throws Exception {
    var harness = open(Duration.ZERO);
    feed(harness, agg("vote.a", 0, Map.of(), 40, 0));
    feed(harness, agg("vote.a", 1, Map.of(), 40, 0));
    assertThat(harness.numEventTimeTimers()).as("one timer per window: close = purge").isEqualTo(2);

    harness.processWatermark(T0 + W - 1);

    assertThat(harness.extractOutputValues().size()).isEqualTo(3);
    assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    harness.processWatermark(T0 + 2 * W - 1);
    assertThat(harness.extractOutputValues().size()).isEqualTo(6);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
  }

  @Test
  void shouldHandleAPurgeAndACloseFiringTogether() throws Exception {
    // Lateness = window size: window 0 is purged at the very instant window 1 closes.
    var harness = open(Duration.ofMillis(W));
    feed(harness, agg("vote.a", 0, Map.of(), 40, 0));
    harness.processWatermark(T0 + W - 1);
    feed(harness, agg("vote.b", 1, Map.of(), 10, 0));
    assertThat(harness.numEventTimeTimers())
        .as("purge 0 = close 1 (one timer), purge 1")
        .isEqualTo(2);

    harness.processWatermark(T0 + 2 * W - 1);

    List<PrivacyEstimate> out = harness.extractOutputValues();
    assertThat(out.size()).isEqualTo(6);
    assertThat(out.stream().map(e -> window(e)).toList()).isEqualTo(List.of(0, 0, 0, 1, 1, 1));
    assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    harness.processWatermark(T0 + 3 * W - 1);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
  }

  @Test
  void shouldEmitAtOnceAWindowFirstSeenAfterItClosed() throws Exception {
    var harness = open(LATENESS);
    harness.processWatermark(T0 + W + 1_000);
    // Every event of this group's window was late: the window operator's first firing is late.
    feed(harness, agg("vote.c", 0, Map.of(), 10, 0));

    assertThat(rounded(harness.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 10, 0, -5, Math.sqrt(10), 0),
                estimate("vote", "vote.b", 0, EPS3, 3, 10, 0, -5, Math.sqrt(10), 0),
                estimate("vote", "vote.c", 0, EPS3, 3, 10, 10, 20, Math.sqrt(20), 0)));
    assertThat(harness.numEventTimeTimers()).as("only the purge").isEqualTo(1);
    feed(harness, agg("vote.c", 0, Map.of(), 20, 1));
    assertThat(last(harness).version).isEqualTo(1);
    harness.processWatermark(T0 + W - 1 + LATENESS.toMillis());
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
  }

  @Test
  void shouldGiveTheSameResultAfterARestore() throws Exception {
    var harness = open(LATENESS);
    feed(harness, agg("vote.a", 0, Map.of("region", "eu"), 40, 0));
    feed(harness, agg("vote.b", 0, Map.of(), 30, 0));
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);

    var restored = restore(snapshot, LATENESS);
    feed(restored, agg("vote.a", 0, Map.of("region", "us"), 20, 0));
    feed(restored, agg("vote.c", 0, Map.of(), 10, 0));
    restored.processWatermark(T0 + W - 1);

    assertThat(rounded(restored.extractOutputValues()))
        .isEqualTo(
            List.of(
                estimate("vote", "vote.a", 0, EPS3, 3, 100, 60, 100, Math.sqrt(150), 0),
                estimate("vote", "vote.b", 0, EPS3, 3, 100, 30, 25, Math.sqrt(112.5), 0),
                estimate("vote", "vote.c", 0, EPS3, 3, 100, 10, -25, 10, 0)));
  }

  @Test
  void shouldRefuseMisroutedInput() throws Exception {
    var keyedAsVote = create(LATENESS, a -> "vote");
    keyedAsVote.open();
    Exception wrongGroup =
        assertThatExceptionOfType(Exception.class)
            .isThrownBy(() -> feed(keyedAsVote, agg("consent.yes", 0, Map.of(), 1, 0)))
            .actual();
    assertThat(rootCause(wrongGroup).getMessage())
        .isEqualTo("event type 'consent.yes' is not a member of privacy group vote");
    var keyedByType = create(LATENESS, a -> a.eventType);
    keyedByType.open();
    Exception noGroup =
        assertThatExceptionOfType(Exception.class)
            .isThrownBy(() -> feed(keyedByType, agg("vote.a", 0, Map.of(), 1, 0)))
            .actual();
    assertThat(rootCause(noGroup).getMessage())
        .isEqualTo("PrivacyCorrector is keyed by privacy group name; 'vote.a' is no group");

    var coarse = open(LATENESS);
    feed(coarse, agg("vote.a", 0, Map.of(), 1, 0));
    WindowAggregate hourly = agg("vote.b", 0, Map.of(), 1, 0);
    hourly.windowEnd = T0 + 3_600_000;
    hourly.granularity = "1h";
    Exception mixed =
        assertThatExceptionOfType(Exception.class).isThrownBy(() -> feed(coarse, hourly)).actual();
    assertThat(rootCause(mixed)).isInstanceOf(IllegalStateException.class);
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void shouldUseFlinkPojosForOutputAndState() throws Exception {
    for (Class<?> type :
        List.of(
            PrivacyEstimate.class,
            PrivacyCorrector.BucketCount.class,
            PrivacyCorrector.WindowStatus.class)) {
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
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    TypeSerializer<PrivacyEstimate> serializer =
        TypeInformation.of(PrivacyEstimate.class).createSerializer(config);
    PrivacyEstimate value = estimate("vote", "vote.a", 0, EPS3, 3, 100, 60, 100, 12.25, 2);
    DataOutputSerializer out = new DataOutputSerializer(128);
    serializer.serialize(value, out);
    assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isEqualTo(value);
  }

  // ---- fixtures ------------------------------------------------------------------------------

  /** The fine aggregate of {@code type} over window {@code w} (from T0) with these dimensions. */
  private static WindowAggregate agg(
      String type, int w, Map<String, String> dimensions, double count, int version) {
    WindowAggregate a = new WindowAggregate();
    a.eventType = type;
    a.dimensions = new HashMap<>(dimensions);
    a.windowStart = T0 + w * W;
    a.windowEnd = a.windowStart + W;
    a.granularity = "1m";
    a.version = version;
    a.estimatedCount = count;
    a.keptCount = (long) count;
    a.sampleRate = 1.0;
    return a;
  }

  private static PrivacyEstimate estimate(
      String group,
      String type,
      int w,
      double epsilon,
      int k,
      double total,
      double observed,
      double estimate,
      double stddev,
      int version) {
    PrivacyEstimate e = new PrivacyEstimate();
    e.group = group;
    e.eventType = type;
    e.windowStart = T0 + w * W;
    e.windowEnd = e.windowStart + W;
    e.granularity = "1m";
    e.epsilon = epsilon;
    e.k = k;
    e.groupObserved = total;
    e.observed = observed;
    e.estimate = round(estimate);
    e.stddev = round(stddev);
    e.version = version;
    return e;
  }

  /**
   * The estimates with estimate and stddev rounded to 1e-9: ε = ln 3 makes p = 0.6 and q = 0.2 only
   * up to the last bits, and the expected values are computed by hand.
   */
  private static List<PrivacyEstimate> rounded(List<PrivacyEstimate> estimates) {
    for (PrivacyEstimate e : estimates) {
      e.estimate = round(e.estimate);
      e.stddev = round(e.stddev);
    }
    return estimates;
  }

  private static double round(double value) {
    return Math.round(value * 1e9) / 1e9;
  }

  private static int window(PrivacyEstimate e) {
    return (int) ((e.windowStart - T0) / W);
  }

  private static PrivacyEstimate last(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> harness) {
    List<PrivacyEstimate> out = harness.extractOutputValues();
    return out.get(out.size() - 1);
  }

  @SuppressWarnings("unchecked")
  private static List<StreamRecord<? extends PrivacyEstimate>> records(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> harness) {
    List<StreamRecord<? extends PrivacyEstimate>> records = new ArrayList<>();
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        records.add((StreamRecord<? extends PrivacyEstimate>) r);
      }
    }
    return records;
  }

  /** As the window operator emits it: stamped windowEnd − 1. */
  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> harness,
      WindowAggregate aggregate)
      throws Exception {
    harness.processElement(aggregate, aggregate.windowEnd - 1);
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> open(
      Duration lateness) throws Exception {
    var harness = create(lateness);
    harness.open();
    return harness;
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> restore(
      OperatorSubtaskState state, Duration lateness) throws Exception {
    var harness = create(lateness);
    harness.setup();
    harness.initializeState(state);
    harness.open();
    return harness;
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> create(
      Duration lateness) throws Exception {
    return create(
        lateness,
        a -> GROUPS.groupOf(a.eventType) == null ? "none" : GROUPS.groupOf(a.eventType).name());
  }

  private KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate> create(
      Duration lateness, KeySelector<WindowAggregate, String> key) throws Exception {
    metrics = new InterceptingOperatorMetricGroup();
    MockEnvironment env = TestEvents.environment(metrics);
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<String, WindowAggregate, PrivacyEstimate>(
            new KeyedProcessOperator<>(new PrivacyCorrector(GROUPS, lateness)),
            key,
            Types.STRING,
            env);
    resources.add(env);
    resources.add(harness);
    return harness;
  }
}
