package dev.analytics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

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
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> AnalyticsJob.main(new String[] {"--job.parallelism", "zero"}))
            .actual();
    assertThat(e.getMessage().contains("job.parallelism")).as(e.getMessage()).isTrue();
  }
}
