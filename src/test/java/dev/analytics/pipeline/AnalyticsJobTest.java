package dev.analytics.pipeline;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.analytics.pipeline.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * A bad configuration fails the job's main method with an error naming the key; it must not exit
 * the JVM, which in application mode is the JobManager's (before, this test's JVM died with it).
 */
class AnalyticsJobTest {
  @Test
  void aBadOptionIsAnErrorNamingItsKeyNotAnExit() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> AnalyticsJob.main(new String[] {"--job.parallelism", "zero"}));
    assertTrue(e.getMessage().contains("job.parallelism"), e.getMessage());
  }
}
