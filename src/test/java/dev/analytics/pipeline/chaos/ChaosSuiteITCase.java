package dev.analytics.pipeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CI variant of the chaos suite: one round of every fault against real Kafka, ClickHouse,
 * PostgreSQL and the standalone cluster while the known stream is produced and two run-time changes
 * of the priority rules go through the control topic, then every sink equal to the expectation
 * (computed with those changes). See {@link ChaosRun}; the soak variant is {@code
 * jobs/chaos-soak.sh}.
 */
class ChaosSuiteITCase {
  /** Wall-clock rate of the producer; with the faults of one round, about 1,000,000 events. */
  static final double EVENTS_PER_SECOND = 4_500;

  @Test
  void everySinkIsExactAfterARoundOfEveryFault() throws Exception {
    ChaosRun.Settings settings =
        new ChaosRun.Settings(
            8L,
            EVENTS_PER_SECOND,
            15,
            0.01,
            1_000_000,
            Duration.ZERO,
            12,
            ChaosRun.SavepointTiming.ANY,
            Path.of("target/chaos-it").toAbsolutePath());
    try (ChaosRun run = new ChaosRun(settings)) {
      ChaosRun.Summary summary = run.run();
      assertThat(summary.mismatches())
          .as("mismatches (see the summary above)")
          .isEqualTo(List.of());
      assertThat(summary.taskFailures() >= 10).as("at least 10 task failures injected").isTrue();
      assertThat(summary.comparison().alerts())
          .as("alerts compared across ClickHouse, PostgreSQL and Kafka")
          .isPositive();
      assertThat(summary.events() >= 1_000_000)
          .as("at least 1,000,000 events: " + summary.events())
          .isTrue();

      // The comparison itself can fail: one daily counter and one window's max changed by hand
      // are exactly what it reports.
      run.postgres()
          .execute(
              "UPDATE analytics_aggregate SET count = count + 1 WHERE ctid ="
                  + " (SELECT min(ctid) FROM analytics_aggregate)",
              "UPDATE analytics_window_aggregate SET max = max * 2 WHERE ctid ="
                  + " (SELECT min(ctid) FROM analytics_window_aggregate WHERE max > 0)");
      List<String> found = run.compareAgain().mismatches();
      // The run-time changes had an effect the comparison sees: without them in the
      // expectation, the high-priority events of user.login in their interval are unexpected.
      List<String> withoutChanges = run.compareIgnoringControl().mismatches();
      System.out.println("-- compared without the control changes: " + withoutChanges);
      assertThat(withoutChanges)
          .as("the comparison of an expectation that ignores the control changes")
          .anyMatch(m -> m.contains("high_priority_events") && m.contains("unexpected"));
      assertThat(found.size()).as("the tampered rows: " + found).isEqualTo(2);
      assertThat(found.get(0).contains("min/max") && found.get(1).contains("daily counter"))
          .as(found.toString())
          .isTrue();
    }
  }
}
