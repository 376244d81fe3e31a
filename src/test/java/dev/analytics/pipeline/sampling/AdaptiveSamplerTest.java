package dev.analytics.pipeline.sampling;

import static dev.analytics.pipeline.testing.TestEvents.T0;
import static dev.analytics.pipeline.testing.TestEvents.copy;
import static dev.analytics.pipeline.testing.TestEvents.counter;
import static dev.analytics.pipeline.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperatorBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdaptiveSamplerTest {
  private static final Duration SIZE = Duration.ofSeconds(10);
  private static final long W = SIZE.toMillis();

  /** 10 events/s = 100 kept events per 10 s window and type. */
  private static final double PER_SECOND = 10.0;

  private static final double TARGET_PER_WINDOW = PER_SECOND * W / 1000.0;

  /** page_view: fixed rate 1 (default); checkout: fixed 0.2; message_processed: fixed 0.1. */
  private static final SamplingRates RATES =
      new SamplingRates(Map.of("checkout", 0.2, "message_processed", 0.1), 1.0);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private InterceptingOperatorMetricGroup metrics;

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  @Test
  void rateOfWindowFollowsCountOfPreviousWindow() throws Exception {
    List<AnalyticsEvent> events = new ArrayList<>();
    int[] pageViews = {400, 800, 200, 50, 30};
    int[] checkouts = {100, 1000, 100, 0, 0};
    for (int w = 0; w < pageViews.length; w++) {
      events.addAll(spread("pv", "page_view", w, pageViews[w]));
      events.addAll(spread("co", "checkout", w, checkouts[w]));
    }
    var harness = open();
    harness.processWatermark(T0 - 1);
    for (int w = 0; w < pageViews.length; w++) {
      for (AnalyticsEvent e : inWindow(events, w)) {
        harness.processElement(copy(e), e.timestamp);
      }
      harness.processWatermark(T0 + (w + 1) * W - 1);
    }

    List<AnalyticsEvent> out = harness.extractOutputValues();

    assertThat(ratesByWindow(out, "page_view"))
        .isEqualTo(Map.of(0, 1.0, 1, 0.25, 2, 0.125, 3, 0.5, 4, 1.0));
    // The fixed rate 0.2 caps the adaptive rate (100 / 100 = 1 in window 1).
    assertThat(ratesByWindow(out, "checkout")).isEqualTo(Map.of(0, 0.2, 1, 0.2, 2, 0.1));
    assertThat(out.stream().allMatch(e -> e.weight == 1.0 / e.sampleRate)).isTrue();
    assertThat(decisions(out)).isEqualTo(expectedDecisions(events));
    assertThat(counter(metrics, "lateEvents")).isEqualTo(0);
    assertThat(counter(metrics, "sampledKept")).isEqualTo(out.size());
    assertThat(counter(metrics, "sampledOut")).isEqualTo(events.size() - out.size());
  }

  @Test
  void earlyEventsAreBufferedAndReleasedOnWatermarkIntoTheirOwnWindow() throws Exception {
    List<AnalyticsEvent> window0 = spread("a", "page_view", 0, 400);
    List<AnalyticsEvent> window1 = spread("b", "page_view", 1, 800);
    var harness = open();
    harness.processWatermark(T0 - 1);
    for (AnalyticsEvent e : window0) {
      harness.processElement(copy(e), e.timestamp);
    }
    harness.processWatermark(T0 + 5_000);
    for (AnalyticsEvent e : window1) {
      harness.processElement(copy(e), e.timestamp);
    }

    assertThat(harness.extractOutputValues().size())
        .as("window 1 waits for window 0")
        .isEqualTo(400);
    assertThat(harness.numEventTimeTimers()).as("close of window 0 and of window 1").isEqualTo(2);

    harness.processWatermark(T0 + W - 1);

    List<Object> output = new ArrayList<>(harness.getOutput());
    List<AnalyticsEvent> released = new ArrayList<>();
    int watermarkClosingWindow0 = output.indexOf(new Watermark(T0 + W - 1));
    for (int i = output.indexOf(new Watermark(T0 + 5_000)) + 1; i < output.size(); i++) {
      if (output.get(i) instanceof StreamRecord<?> r) {
        AnalyticsEvent e = (AnalyticsEvent) r.getValue();
        assertThat(i < watermarkClosingWindow0)
            .as("released before the watermark goes on")
            .isTrue();
        assertThat(r.getTimestamp()).as("released with its own timestamp").isEqualTo(e.timestamp);
        released.add(e);
      }
    }
    assertThat(decisions(released))
        .isEqualTo(expectedDecisions(concat(window0, window1)).tailMap("b"));
    assertThat(released.stream().allMatch(e -> e.sampleRate == 0.25 && e.weight == 4.0)).isTrue();
    assertThat(released.size() > 150 && released.size() < 250)
        .as("kept " + released.size())
        .isTrue();

    // Downstream: Flink's own tumbling event-time window operator, fed the sampler's output
    // (records and watermarks in emission order), puts every event in its own window, none late.
    harness.processWatermark(Long.MAX_VALUE);
    Map<Long, String> windows = new TreeMap<>();
    List<Object> late = new ArrayList<>();
    for (String row : downstreamWindows(harness.getOutput(), late)) {
      windows.put(Long.parseLong(row.split("@")[1].split(":")[0]), row);
    }
    assertThat(late).isEqualTo(List.of());
    assertThat(windows)
        .isEqualTo(
            Map.of(
                T0,
                "page_view@" + T0 + ":" + 400 + ":" + 400.0,
                T0 + W,
                "page_view@" + (T0 + W) + ":" + released.size() + ":" + 4.0 * released.size()));
  }

  @Test
  void sameDecisionsForDifferentArrivalInterleavings() throws Exception {
    List<AnalyticsEvent> events = trafficOverSixWindows();
    List<List<AnalyticsEvent>> arrivals = new ArrayList<>();
    List<long[]> lateCounts = new ArrayList<>();

    for (List<Object> arrival :
        List.of(inOrder(events), jittered(events, new Random(1)), twoPartitions(events))) {
      var harness = open();
      for (Object item : arrival) {
        if (item instanceof AnalyticsEvent e) {
          harness.processElement(copy(e), e.timestamp);
        } else {
          harness.processWatermark((Long) item);
        }
      }
      harness.processWatermark(Long.MAX_VALUE);
      arrivals.add(harness.extractOutputValues());
      lateCounts.add(new long[] {counter(metrics, "lateEvents")});
      assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
      assertThat(harness.numEventTimeTimers()).isEqualTo(0);
    }

    TreeMap<String, String> expected = expectedDecisions(events);
    for (int i = 0; i < arrivals.size(); i++) {
      assertThat(lateCounts.get(i)[0]).as("arrival " + i + " has no late event").isEqualTo(0);
      assertThat(decisions(arrivals.get(i))).as("arrival " + i).isEqualTo(expected);
    }
    // The interleavings really differ: the events leave in other orders.
    assertThat(ids(arrivals.get(1))).isNotEqualTo(ids(arrivals.get(0)));
    assertThat(ids(arrivals.get(2))).isNotEqualTo(ids(arrivals.get(0)));
  }

  @Test
  void stateAndTimersStayBoundedAndAreCleanedWhenWindowsClose() throws Exception {
    var harness = open();
    harness.processWatermark(T0 - 1);
    long sizeAtWindow5 = 0;
    for (int w = 0; w < 30; w++) {
      for (AnalyticsEvent e :
          concat(spread("p" + w, "page_view", w, 50), spread("c" + w, "checkout", w, 20))) {
        harness.processElement(copy(e), e.timestamp);
      }
      harness.processWatermark(T0 + (w + 1) * W - 1);
      // Per type: counts + rates (pending is empty in order); one timer each.
      assertThat(harness.numKeyedStateEntries() <= 6)
          .as("entries " + harness.numKeyedStateEntries())
          .isTrue();
      assertThat(harness.numEventTimeTimers() <= 2)
          .as("timers " + harness.numEventTimeTimers())
          .isTrue();
      if (w == 5) {
        sizeAtWindow5 = snapshotSize(harness, w);
      }
    }
    assertThat(snapshotSize(harness, 30))
        .as("state does not grow with windows")
        .isEqualTo(sizeAtWindow5);

    // No more events: two windows of watermark progress clear everything, without MAX_VALUE.
    harness.processWatermark(T0 + 32 * W - 1);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
  }

  @Test
  void lateEventsUseTheRateOfTheirWindowWhileKnownAndAreNotCounted() throws Exception {
    var harness = open();
    harness.processWatermark(T0 - 1);
    feed(harness, spread("a", "page_view", 0, 400));
    harness.processWatermark(T0 + W - 1);
    feed(harness, spread("b", "page_view", 1, 800));
    harness.processWatermark(T0 + W + 5_000);
    AnalyticsEvent lateOfWindow0 = event(idBelow("late-a-", 1.0), "page_view", T0 + 5_000);
    feed(harness, List.of(lateOfWindow0));
    harness.processWatermark(T0 + 2 * W + 500);
    AnalyticsEvent lateWhileRateKnown = event(idBelow("late-b-", 0.25), "page_view", T0 + W + 1);
    feed(harness, List.of(lateWhileRateKnown));
    feed(harness, spread("c", "page_view", 2, 400));
    harness.processWatermark(T0 + 3 * W - 1);
    AnalyticsEvent lateAfterRateDropped = event(idBelow("late-c-", 0.25), "page_view", T0 + W + 2);
    AnalyticsEvent lateOfWindow2 = event(idBelow("late-d-", 0.125), "page_view", T0 + 2 * W + 3);
    feed(harness, List.of(lateAfterRateDropped, lateOfWindow2));
    feed(harness, spread("d", "page_view", 3, 200));
    harness.processWatermark(Long.MAX_VALUE);

    Map<String, AnalyticsEvent> out = new HashMap<>();
    harness.extractOutputValues().forEach(e -> out.put(e.eventId, e));
    assertThat(out.get(lateOfWindow0.eventId).sampleRate)
        .as("window 0 had the fixed rate")
        .isEqualTo(1.0);
    assertThat(out.get(lateWhileRateKnown.eventId).sampleRate).isEqualTo(0.25);
    assertThat(out.get(lateWhileRateKnown.eventId).weight).isEqualTo(4.0);
    assertThat(out.get(lateAfterRateDropped.eventId).sampleRate)
        .as("fixed rate fallback")
        .isEqualTo(1.0);
    assertThat(out.get(lateOfWindow2.eventId).sampleRate).isEqualTo(0.125);
    // Window 3: 100 / 400 on-time events of window 2; the late one is not counted.
    assertThat(ratesByWindow(onTime(out), "page_view"))
        .isEqualTo(Map.of(0, 1.0, 1, 0.25, 2, 0.125, 3, 0.25));
    assertThat(counter(metrics, "lateEvents")).isEqualTo(4);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(0);
    assertThat(harness.numEventTimeTimers()).isEqualTo(0);
  }

  @Test
  void highPriorityEventsLeaveAtOnceUnsampledAndAreCounted() throws Exception {
    var harness = open();
    harness.processWatermark(T0 - 1);
    feed(harness, spread("a", "page_view", 0, 380));
    feed(harness, high(spread("ha", "page_view", 0, 20)));
    harness.processWatermark(T0 + 5_000);
    feed(harness, spread("b", "page_view", 1, 780));
    List<AnalyticsEvent> highOfWindow1 = high(spread("hb", "page_view", 1, 20));
    feed(harness, highOfWindow1);

    List<AnalyticsEvent> beforeClose = harness.extractOutputValues();
    assertThat(beforeClose.size())
        .as("high priority does not wait for window 0")
        .isEqualTo(400 + 20);
    assertThat(ids(beforeClose.subList(400, 420)))
        .as("window 1 high ones out at once")
        .isEqualTo(ids(highOfWindow1));

    harness.processWatermark(T0 + W - 1);
    List<AnalyticsEvent> out = harness.extractOutputValues();
    List<AnalyticsEvent> high = out.stream().filter(e -> e.priority == Priority.HIGH).toList();
    assertThat(high.size()).isEqualTo(40);
    assertThat(high.stream().allMatch(e -> e.sampleRate == 1.0 && e.weight == 1.0)).isTrue();
    // 100 / (380 + 20): the high-priority events of window 0 were counted.
    List<AnalyticsEvent> normalOfWindow1 =
        out.stream().filter(e -> e.priority != Priority.HIGH && windowOf(e) == 1).toList();
    assertThat(normalOfWindow1.stream().allMatch(e -> e.sampleRate == 0.25)).isTrue();
    assertThat(decisions(normalOfWindow1))
        .isEqualTo(expectedDecisions(spread("b", "page_view", 1, 780), 0.25));
  }

  @Test
  void restoredOperatorKeepsClosedWindowsClosedAndDecidesTheSame() throws Exception {
    var first = open();
    first.processWatermark(T0 - 1);
    feed(first, spread("a", "page_view", 0, 400));
    first.processWatermark(T0 + W - 1);
    List<AnalyticsEvent> window1 = spread("b", "page_view", 1, 400);
    feed(first, window1.subList(0, 200));
    OperatorSubtaskState snapshot = first.snapshot(1L, 1L);
    List<AnalyticsEvent> out = new ArrayList<>(first.extractOutputValues());

    var restored = restore(snapshot);
    // Before any watermark after the restore: a late event of the closed window 0.
    AnalyticsEvent late = event(idBelow("late-", 1.0), "page_view", T0 + 1_000);
    feed(restored, List.of(late));
    feed(restored, window1.subList(200, 400));
    restored.processWatermark(T0 + 2 * W - 1);
    feed(restored, spread("c", "page_view", 2, 100));
    restored.processWatermark(Long.MAX_VALUE);
    out.addAll(restored.extractOutputValues());

    assertThat(counter(metrics, "lateEvents")).as("still late after the restore").isEqualTo(1);
    assertThat(ratesByWindow(onTime(out, late), "page_view"))
        .isEqualTo(Map.of(0, 1.0, 1, 0.25, 2, 0.25));
    TreeMap<String, String> expected =
        expectedDecisions(
            concat(spread("a", "page_view", 0, 400), window1, spread("c", "page_view", 2, 100)));
    expected.put(late.eventId, late.eventId + "/1.0/1.0");
    assertThat(decisions(out)).isEqualTo(expected);
    assertThat(restored.numKeyedStateEntries()).isEqualTo(0);
    assertThat(restored.numEventTimeTimers()).isEqualTo(0);
  }

  // ---- reference model -------------------------------------------------------------------

  /**
   * The decisions by definition, computed from the whole input: for every event its id ->
   * "id/rate/weight" if kept. Assumes no event is late.
   */
  private static TreeMap<String, String> expectedDecisions(List<AnalyticsEvent> events) {
    Map<String, Long> counts = new HashMap<>();
    for (AnalyticsEvent e : events) {
      counts.merge(e.eventType + "@" + windowOf(e), 1L, Long::sum);
    }
    TreeMap<String, String> expected = new TreeMap<>();
    for (AnalyticsEvent e : events) {
      double rate;
      if (e.priority == Priority.HIGH) {
        rate = 1.0;
      } else {
        double fixed = RATES.rateFor(e.eventType);
        Long previous = counts.get(e.eventType + "@" + (windowOf(e) - 1));
        rate =
            previous == null ? fixed : Math.min(fixed, Math.min(1, TARGET_PER_WINDOW / previous));
      }
      if (SamplingDecision.hashFraction(e.eventId) < rate) {
        expected.put(e.eventId, e.eventId + "/" + rate + "/" + (1.0 / rate));
      }
    }
    return expected;
  }

  private static TreeMap<String, String> expectedDecisions(
      List<AnalyticsEvent> events, double rate) {
    TreeMap<String, String> expected = new TreeMap<>();
    for (AnalyticsEvent e : events) {
      if (SamplingDecision.hashFraction(e.eventId) < rate) {
        expected.put(e.eventId, e.eventId + "/" + rate + "/" + (1.0 / rate));
      }
    }
    return expected;
  }

  private static TreeMap<String, String> decisions(List<AnalyticsEvent> out) {
    TreeMap<String, String> decisions = new TreeMap<>();
    for (AnalyticsEvent e : out) {
      String previous = decisions.put(e.eventId, e.eventId + "/" + e.sampleRate + "/" + e.weight);
      assertThat(previous).as("emitted twice: " + e.eventId).isEqualTo(null);
    }
    return decisions;
  }

  /** Window index (from T0) -> the one rate of the kept events of {@code type} in it. */
  private static Map<Integer, Double> ratesByWindow(List<AnalyticsEvent> out, String type) {
    Map<Integer, Double> rates = new HashMap<>();
    for (AnalyticsEvent e : out) {
      if (e.eventType.equals(type) && e.priority != Priority.HIGH) {
        Double other = rates.put(windowOf(e), e.sampleRate);
        assertThat(other == null || other == e.sampleRate).as("one rate per window: " + e).isTrue();
      }
    }
    return rates;
  }

  // ---- fixtures -------------------------------------------------------------------------

  private KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent> open()
      throws Exception {
    var harness = create();
    harness.open();
    return harness;
  }

  private KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent> restore(
      OperatorSubtaskState state) throws Exception {
    var harness = create();
    harness.setup();
    harness.initializeState(state);
    harness.open();
    return harness;
  }

  private KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent> create()
      throws Exception {
    metrics = new InterceptingOperatorMetricGroup();
    MockEnvironment env = TestEvents.environment(metrics);
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent>(
            new KeyedProcessOperator<>(new AdaptiveSampler(RATES, PER_SECOND, SIZE)),
            e -> e.eventType,
            Types.STRING,
            env);
    resources.add(env);
    resources.add(harness);
    return harness;
  }

  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent> harness,
      List<AnalyticsEvent> events)
      throws Exception {
    for (AnalyticsEvent e : events) {
      harness.processElement(copy(e), e.timestamp);
    }
  }

  private static long snapshotSize(
      KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, AnalyticsEvent> harness,
      long checkpointId)
      throws Exception {
    return harness.snapshot(checkpointId, checkpointId).getStateSize();
  }

  /** {@code n} events of {@code type} spread evenly over window {@code w}, ids prefix-w-i. */
  private static List<AnalyticsEvent> spread(String prefix, String type, int w, int n) {
    List<AnalyticsEvent> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(event(prefix + "-" + w + "-" + i, type, T0 + w * W + i * W / n));
    }
    return events;
  }

  private static List<AnalyticsEvent> high(List<AnalyticsEvent> events) {
    events.forEach(e -> e.priority = Priority.HIGH);
    return events;
  }

  @SafeVarargs
  private static List<AnalyticsEvent> concat(List<AnalyticsEvent>... lists) {
    List<AnalyticsEvent> all = new ArrayList<>();
    for (List<AnalyticsEvent> l : lists) {
      all.addAll(l);
    }
    return all;
  }

  private static List<AnalyticsEvent> inWindow(List<AnalyticsEvent> events, int w) {
    return events.stream().filter(e -> windowOf(e) == w).toList();
  }

  /** The kept events that were on time (all but those given). */
  private static List<AnalyticsEvent> onTime(List<AnalyticsEvent> out, AnalyticsEvent... late) {
    List<String> lateIds = List.of(late).stream().map(e -> e.eventId).toList();
    return out.stream().filter(e -> !lateIds.contains(e.eventId)).toList();
  }

  private static List<AnalyticsEvent> onTime(Map<String, AnalyticsEvent> out) {
    return out.values().stream().filter(e -> !e.eventId.startsWith("late-")).toList();
  }

  private static int windowOf(AnalyticsEvent e) {
    return (int) ((TimeWindow.getWindowStartWithOffset(e.timestamp, 0, W) - T0) / W);
  }

  private static List<String> ids(List<AnalyticsEvent> events) {
    return events.stream().map(e -> e.eventId).toList();
  }

  /** The first id prefix+i the hash keeps at {@code rate}: a late event whose rate shows. */
  private static String idBelow(String prefix, double rate) {
    for (int i = 0; ; i++) {
      if (SamplingDecision.hashFraction(prefix + i) < rate && rate < 1.0
          || rate == 1.0 && SamplingDecision.hashFraction(prefix + i) >= 0.5) {
        return prefix + i;
      }
    }
  }

  // ---- arrivals -----------------------------------------------------------------------------

  private static final long OUT_OF_ORDERNESS = 3_000;

  /** Three types, six windows, volumes rising and falling, every 17th event high priority. */
  private static List<AnalyticsEvent> trafficOverSixWindows() {
    Random random = new Random(20261122L);
    int[][] volumes = {
      {300, 900, 150, 600, 40, 250}, // page_view, fixed 1
      {200, 700, 700, 50, 0, 300}, // checkout, fixed 0.2
      {100, 1500, 20, 800, 800, 0} // message_processed, fixed 0.1
    };
    String[] types = {"page_view", "checkout", "message_processed"};
    List<AnalyticsEvent> events = new ArrayList<>();
    int id = 0;
    for (int t = 0; t < types.length; t++) {
      for (int w = 0; w < 6; w++) {
        for (int i = 0; i < volumes[t][w]; i++) {
          AnalyticsEvent e = event("evt-" + id, types[t], T0 + w * W + random.nextInt((int) W));
          if (id % 17 == 0) {
            e.priority = Priority.HIGH;
          }
          events.add(e);
          id++;
        }
      }
    }
    return events;
  }

  /** Sorted by time; after each event the watermark of a bounded-out-of-orderness source. */
  private static List<Object> inOrder(List<AnalyticsEvent> events) {
    List<AnalyticsEvent> sorted = new ArrayList<>(events);
    sorted.sort(Comparator.comparingLong((AnalyticsEvent e) -> e.timestamp));
    return withWatermarks(sorted);
  }

  /** Out of order by up to 2.5 s, less than the out-of-orderness bound: nothing is late. */
  private static List<Object> jittered(List<AnalyticsEvent> events, Random random) {
    Map<AnalyticsEvent, Long> jitter = new HashMap<>();
    events.forEach(e -> jitter.put(e, e.timestamp + random.nextInt(2_500)));
    List<AnalyticsEvent> shuffled = new ArrayList<>(events);
    shuffled.sort(Comparator.comparingLong(jitter::get));
    return withWatermarks(shuffled);
  }

  private static List<Object> withWatermarks(List<AnalyticsEvent> arrival) {
    List<Object> items = new ArrayList<>();
    long max = Long.MIN_VALUE;
    long watermark = Long.MIN_VALUE;
    for (AnalyticsEvent e : arrival) {
      items.add(e);
      max = Math.max(max, e.timestamp);
      if (max - OUT_OF_ORDERNESS - 1 > watermark) {
        watermark = max - OUT_OF_ORDERNESS - 1;
        items.add(watermark);
      }
    }
    return items;
  }

  /**
   * Two sorted source partitions (even and odd ids) read at different paces: partition 0 runs
   * ahead, the watermark is the minimum of the two, as Flink combines them.
   */
  private static List<Object> twoPartitions(List<AnalyticsEvent> events) {
    List<AnalyticsEvent> sorted = new ArrayList<>(events);
    sorted.sort(Comparator.comparingLong((AnalyticsEvent e) -> e.timestamp));
    List<List<AnalyticsEvent>> partitions = List.of(new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < sorted.size(); i++) {
      partitions.get(i % 2).add(sorted.get(i));
    }
    Random random = new Random(3);
    int[] next = new int[2];
    long[] max = {Long.MIN_VALUE, Long.MIN_VALUE};
    long watermark = Long.MIN_VALUE;
    List<Object> items = new ArrayList<>();
    while (next[0] < partitions.get(0).size() || next[1] < partitions.get(1).size()) {
      int p = random.nextDouble() < 0.75 ? 0 : 1;
      if (next[p] >= partitions.get(p).size()) {
        p = 1 - p;
      }
      AnalyticsEvent e = partitions.get(p).get(next[p]++);
      items.add(e);
      max[p] = e.timestamp;
      long low =
          Math.min(
              next[0] >= partitions.get(0).size() ? Long.MAX_VALUE : max[0],
              next[1] >= partitions.get(1).size() ? Long.MAX_VALUE : max[1]);
      if (low != Long.MIN_VALUE
          && low != Long.MAX_VALUE
          && low - OUT_OF_ORDERNESS - 1 > watermark) {
        watermark = low - OUT_OF_ORDERNESS - 1;
        items.add(watermark);
      }
    }
    return items;
  }

  // ---- downstream window ---------------------------------------------------------------------

  private static final OutputTag<AnalyticsEvent> LATE =
      new OutputTag<>("late", TypeInformation.of(AnalyticsEvent.class));

  /**
   * Replays the sampler's output (records and watermarks, in order) into Flink's tumbling
   * event-time window operator; returns "type@windowStart:count:sumOfWeights" per window.
   */
  @SuppressWarnings("unchecked")
  private static List<String> downstreamWindows(Iterable<Object> samplerOutput, List<Object> late)
      throws Exception {
    WindowOperatorBuilder<AnalyticsEvent, String, TimeWindow> builder =
        new WindowOperatorBuilder<>(
            TumblingEventTimeWindows.of(SIZE),
            EventTimeTrigger.create(),
            new ExecutionConfig(),
            TypeInformation.of(AnalyticsEvent.class),
            e -> e.eventType,
            Types.STRING);
    builder.sideOutputLateData(LATE);
    try (var window =
        new KeyedOneInputStreamOperatorTestHarness<String, AnalyticsEvent, String>(
            builder.process(new CountPerWindow()), e -> e.eventType, Types.STRING)) {
      window.open();
      for (Object item : samplerOutput) {
        if (item instanceof StreamRecord<?> r) {
          window.processElement((StreamRecord<AnalyticsEvent>) r);
        } else if (item instanceof Watermark w) {
          window.processWatermark(w);
        }
      }
      if (window.getSideOutput(LATE) != null) {
        late.addAll(window.getSideOutput(LATE));
      }
      return window.extractOutputValues();
    }
  }

  private static final class CountPerWindow
      extends ProcessWindowFunction<AnalyticsEvent, String, String, TimeWindow> {
    @Override
    public void process(
        String type, Context ctx, Iterable<AnalyticsEvent> events, Collector<String> out) {
      long count = 0;
      double weights = 0;
      TreeSet<Integer> windows = new TreeSet<>();
      for (AnalyticsEvent e : events) {
        count++;
        weights += e.weight;
        windows.add(windowOf(e));
      }
      assertThat(windows.size()).as("events of one window only").isEqualTo(1);
      out.collect(type + "@" + ctx.window().getStart() + ":" + count + ":" + weights);
    }
  }
}
