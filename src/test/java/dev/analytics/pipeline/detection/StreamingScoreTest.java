package dev.analytics.pipeline.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.analytics.pipeline.detection.DetectionEvaluation.Detection;
import dev.analytics.pipeline.detection.StreamingScore.Label;
import dev.analytics.pipeline.detection.StreamingScore.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streaming score on hand-made series of 10,000 windows with two incidents (at 3,000 and
 * 6,000): scoring windows of 500 windows, probation up to window 1,500.
 */
class StreamingScoreTest {
  private static final int N = 10_000;
  private static final List<Label> LABELS =
      List.of(new Label(3000, 3003, true), new Label(6000, 6100, false));

  private static Result score(Detection... alerts) {
    return StreamingScore.score(N, LABELS, List.of(alerts));
  }

  private static Detection spike(int window) {
    return new Detection(window, "spike");
  }

  @Test
  void shouldGiveWindowsOfTenPercentSharedByTheIncidentsFromEachStart() {
    assertArrayEquals(new int[][] {{3000, 3500}, {6000, 6500}}, StreamingScore.windows(N, LABELS));
    // Cut short at the next incident and at the end of the series.
    assertArrayEquals(
        new int[][] {{3000, 3200}, {3200, 3533}, {9900, 10_000}},
        StreamingScore.windows(
            N,
            List.of(
                new Label(3200, 3201, true),
                new Label(3000, 3001, true),
                new Label(9900, 9901, true))));
    assertEquals(1500, StreamingScore.probationEnd(N));
  }

  @Test
  void shouldScoreZeroForNeverAlertingAndHundredForOneAlertAtEveryWindowStart() {
    Result none = score();
    assertEquals(0.0, none.normalised(), 1e-9);
    assertEquals(-2.0, none.raw(), 1e-9);
    assertEquals(2, none.missed());

    Result perfect = score(spike(3000), spike(6000));
    assertEquals(100.0, perfect.normalised(), 1e-9);
    assertEquals(2 * StreamingScore.sigmoid(-1), perfect.raw(), 1e-9);
    assertEquals(0, perfect.missed());
    assertEquals(0, perfect.falseAlerts());
  }

  @Test
  void shouldGiveLessCreditTheLaterTheFirstAlertComes() {
    double early = score(spike(3001)).raw();
    double later = score(spike(3050)).raw();
    double last = score(spike(3499)).raw();
    assertTrue(early > later, early + " > " + later);
    assertTrue(later > last, later + " > " + last);
    assertTrue(last > -1, "a detection at the window's end still beats missing it: " + last);
    assertEquals(StreamingScore.sigmoid(-450 / 500.0) - 1, later, 1e-9);
  }

  @Test
  void shouldCountASecondAlertInTheSameWindowForNothing() {
    assertEquals(
        score(spike(3002)).raw(), score(spike(3002), spike(3010), spike(3400)).raw(), 1e-12);
    // The first alert is the earliest, whatever the order in which alerts are given.
    assertEquals(score(spike(3002)).raw(), score(spike(3300), spike(3002)).raw(), 1e-12);
    // Alerts within a labelled span past its window are neither credit nor false alerts.
    Result lateInLabel =
        StreamingScore.score(
            N, List.of(new Label(3000, 4000, false)), List.of(spike(3000), spike(3900)));
    assertEquals(0, lateInLabel.falseAlerts());
    assertEquals(100.0, lateInLabel.normalised(), 1e-9);
  }

  @Test
  void shouldChargePointElevenPerFalseAlert() {
    Result perfect = score(spike(3000), spike(6000));
    Result noisy =
        score(spike(3000), spike(6000), spike(2000), new Detection(5000, "drop"), spike(9000));
    assertEquals(3, noisy.falseAlerts());
    assertEquals(perfect.raw() - 3 * 0.11, noisy.raw(), 1e-9);
    // Alone, false alerts score below never alerting.
    assertEquals(
        -0.11 / (2 * StreamingScore.sigmoid(-1) + 2) * 100, score(spike(2000)).normalised(), 1e-9);
    // Alerts right before a window are false: the window starts at the incident.
    assertEquals(1, score(spike(2999)).falseAlerts());
  }

  @Test
  void shouldIgnoreAlertsInTheProbationAndResolutions() {
    Result none = score();
    Result probation = score(spike(0), spike(700), spike(1499));
    assertEquals(none, probation);
    assertEquals(0, probation.falseAlerts());
    assertEquals(1, score(spike(1500)).falseAlerts());
    Result resolved = score(new Detection(3000, "resolved"), new Detection(5000, "resolved"));
    assertEquals(none, resolved);
  }

  @Test
  void shouldChargeAFullDetectionPerMissedWindow() {
    Result one = score(spike(3000));
    assertEquals(StreamingScore.sigmoid(-1) - 1, one.raw(), 1e-9);
    assertEquals(1, one.missed());
    assertEquals(50.0, one.normalised(), 1e-9);
  }

  @Test
  void shouldCountFalseAlertsPerTwoThousandQuietWindowsAndTheMedianSpikeDelay() {
    // Quiet: 8,500 scored windows less the two windows of 500 = 7,500.
    List<Detection> alerts = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      alerts.add(spike(1600 + 50 * i));
    }
    alerts.add(spike(3004));
    alerts.add(spike(6010));
    Result r = StreamingScore.score(N, LABELS, alerts);
    assertEquals(7500, r.quiet());
    assertEquals(15, r.falseAlerts());
    assertEquals(4.0, r.falseAlertsPer2000(), 1e-9);
    // Only the first incident is spike-like.
    assertEquals(List.of(4), r.spikeDelays());
    assertEquals(4.0, r.medianSpikeDelay(), 1e-9);

    boolean[] missing = new boolean[N];
    for (int i = 7000; i < 8000; i++) {
      missing[i] = true;
    }
    assertEquals(6500, StreamingScore.score(N, LABELS, alerts, missing).quiet());
  }

  @Test
  void shouldNormaliseOverSeveralSeries() {
    Result perfect = score(spike(3000), spike(6000));
    Result none = score();
    assertEquals(50.0, perfect.plus(none).normalised(), 1e-9);
    assertEquals(4, perfect.plus(none).windows());
    assertEquals(List.of(0), perfect.plus(none).spikeDelays());
  }
}
