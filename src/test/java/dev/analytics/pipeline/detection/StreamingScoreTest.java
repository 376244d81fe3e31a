package dev.analytics.pipeline.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
    assertThat(StreamingScore.windows(N, LABELS))
        .isDeepEqualTo(new int[][] {{3000, 3500}, {6000, 6500}});
    // Cut short at the next incident and at the end of the series.
    assertThat(
            StreamingScore.windows(
                N,
                List.of(
                    new Label(3200, 3201, true),
                    new Label(3000, 3001, true),
                    new Label(9900, 9901, true))))
        .isDeepEqualTo(new int[][] {{3000, 3200}, {3200, 3533}, {9900, 10_000}});
    assertThat(StreamingScore.probationEnd(N)).isEqualTo(1500);
  }

  @Test
  void shouldScoreZeroForNeverAlertingAndHundredForOneAlertAtEveryWindowStart() {
    Result none = score();
    assertThat(none.normalised()).isCloseTo(0.0, within(1e-9));
    assertThat(none.raw()).isCloseTo(-2.0, within(1e-9));
    assertThat(none.missed()).isEqualTo(2);

    Result perfect = score(spike(3000), spike(6000));
    assertThat(perfect.normalised()).isCloseTo(100.0, within(1e-9));
    assertThat(perfect.raw()).isCloseTo(2 * StreamingScore.sigmoid(-1), within(1e-9));
    assertThat(perfect.missed()).isEqualTo(0);
    assertThat(perfect.falseAlerts()).isEqualTo(0);
  }

  @Test
  void shouldGiveLessCreditTheLaterTheFirstAlertComes() {
    double early = score(spike(3001)).raw();
    double later = score(spike(3050)).raw();
    double last = score(spike(3499)).raw();
    assertThat(early > later).as(early + " > " + later).isTrue();
    assertThat(later > last).as(later + " > " + last).isTrue();
    assertThat(last > -1)
        .as("a detection at the window's end still beats missing it: " + last)
        .isTrue();
    assertThat(later).isCloseTo(StreamingScore.sigmoid(-450 / 500.0) - 1, within(1e-9));
  }

  @Test
  void shouldCountASecondAlertInTheSameWindowForNothing() {
    assertThat(score(spike(3002), spike(3010), spike(3400)).raw())
        .isCloseTo(score(spike(3002)).raw(), within(1e-12));
    // The first alert is the earliest, whatever the order in which alerts are given.
    assertThat(score(spike(3300), spike(3002)).raw())
        .isCloseTo(score(spike(3002)).raw(), within(1e-12));
    // Alerts within a labelled span past its window are neither credit nor false alerts.
    Result lateInLabel =
        StreamingScore.score(
            N, List.of(new Label(3000, 4000, false)), List.of(spike(3000), spike(3900)));
    assertThat(lateInLabel.falseAlerts()).isEqualTo(0);
    assertThat(lateInLabel.normalised()).isCloseTo(100.0, within(1e-9));
  }

  @Test
  void shouldChargePointElevenPerFalseAlert() {
    Result perfect = score(spike(3000), spike(6000));
    Result noisy =
        score(spike(3000), spike(6000), spike(2000), new Detection(5000, "drop"), spike(9000));
    assertThat(noisy.falseAlerts()).isEqualTo(3);
    assertThat(noisy.raw()).isCloseTo(perfect.raw() - 3 * 0.11, within(1e-9));
    // Alone, false alerts score below never alerting.
    assertThat(score(spike(2000)).normalised())
        .isCloseTo(-0.11 / (2 * StreamingScore.sigmoid(-1) + 2) * 100, within(1e-9));
    // Alerts right before a window are false: the window starts at the incident.
    assertThat(score(spike(2999)).falseAlerts()).isEqualTo(1);
  }

  @Test
  void shouldIgnoreAlertsInTheProbationAndResolutions() {
    Result none = score();
    Result probation = score(spike(0), spike(700), spike(1499));
    assertThat(probation).isEqualTo(none);
    assertThat(probation.falseAlerts()).isEqualTo(0);
    assertThat(score(spike(1500)).falseAlerts()).isEqualTo(1);
    Result resolved = score(new Detection(3000, "resolved"), new Detection(5000, "resolved"));
    assertThat(resolved).isEqualTo(none);
  }

  @Test
  void shouldChargeAFullDetectionPerMissedWindow() {
    Result one = score(spike(3000));
    assertThat(one.raw()).isCloseTo(StreamingScore.sigmoid(-1) - 1, within(1e-9));
    assertThat(one.missed()).isEqualTo(1);
    assertThat(one.normalised()).isCloseTo(50.0, within(1e-9));
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
    assertThat(r.quiet()).isEqualTo(7500);
    assertThat(r.falseAlerts()).isEqualTo(15);
    assertThat(r.falseAlertsPer2000()).isCloseTo(4.0, within(1e-9));
    // Only the first incident is spike-like.
    assertThat(r.spikeDelays()).isEqualTo(List.of(4));
    assertThat(r.medianSpikeDelay()).isCloseTo(4.0, within(1e-9));

    boolean[] missing = new boolean[N];
    for (int i = 7000; i < 8000; i++) {
      missing[i] = true;
    }
    assertThat(StreamingScore.score(N, LABELS, alerts, missing).quiet()).isEqualTo(6500);
  }

  @Test
  void shouldNormaliseOverSeveralSeries() {
    Result perfect = score(spike(3000), spike(6000));
    Result none = score();
    assertThat(perfect.plus(none).normalised()).isCloseTo(50.0, within(1e-9));
    assertThat(perfect.plus(none).windows()).isEqualTo(4);
    assertThat(perfect.plus(none).spikeDelays()).isEqualTo(List.of(0));
  }
}
