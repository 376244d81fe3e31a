package dev.analytics.pipeline.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The CI variant of the chaos suite (issue #8): one round of every fault against real Kafka,
 * ClickHouse, PostgreSQL and the standalone cluster while the known stream is produced, then every
 * sink equal to the expectation. See {@link ChaosRun}; the soak variant is {@code
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
            Path.of("target/chaos-it").toAbsolutePath());
    try (ChaosRun run = new ChaosRun(settings)) {
      ChaosRun.Summary summary = run.run();
      assertEquals(java.util.List.of(), summary.mismatches(), "mismatches (see the summary above)");
      assertTrue(summary.taskFailures() >= 10, "at least 10 task failures injected");
      assertTrue(summary.events() >= 1_000_000, "at least 1,000,000 events: " + summary.events());
    }
  }
}
