package dev.analytics.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.AnalyticsJob;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import java.util.Map;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** {@code job.max-parallelism}: the key groups of the state, fixed for the life of a savepoint. */
class MaxParallelismTest {
  @Test
  void defaultsTo128LikeFlinksOwnDefaultForSmallJobs() {
    // Flink derives 128 for parallelism up to 85: savepoints taken before the option existed match.
    JobConfig config = JobConfig.of(Map.of());
    assertThat(config.flinkConfiguration().get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
  }

  @Test
  void everyKeyedOperatorOfTheJobGetsIt() {
    JobConfig config =
        JobConfig.of(
            Map.of(
                "kafka.bootstrap-servers", "localhost:9092",
                "job.max-parallelism", "256",
                "aggregation.dimensions", "api.error:region"));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
    AnalyticsJob.defineWorkflow(env, config);
    int keyed = 0;
    for (StreamNode node : env.getStreamGraph().getStreamNodes()) {
      if (node.getStatePartitioners().length > 0) {
        keyed++;
        int max = node.getMaxParallelism() > 0 ? node.getMaxParallelism() : env.getMaxParallelism();
        assertThat(max).as(node.getOperatorName()).isEqualTo(256);
      }
    }
    assertThat(keyed)
        .as("cardinality cap, window, 2 rollups, privacy corrector, pattern detector")
        .isEqualTo(6);
  }

  @Test
  void refusesValuesOutsideItsRangeAndAParallelismAboveIt() {
    ConfigException zero =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> JobConfig.of(Map.of("job.max-parallelism", "0")))
            .actual();
    assertThat(zero.key()).isEqualTo("job.max-parallelism");
    ConfigException above =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(
                () -> JobConfig.of(Map.of("job.max-parallelism", "4", "job.parallelism", "8")))
            .actual();
    assertThat(above.key()).isEqualTo("job.parallelism");
  }
}
