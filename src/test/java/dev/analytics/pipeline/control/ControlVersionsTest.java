package dev.analytics.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.Versioned;
import dev.analytics.pipeline.detection.DetectionOptions;
import dev.analytics.pipeline.sampling.SamplingOptions;
import dev.analytics.pipeline.sampling.SamplingRates;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration by event time that control changes make, checked with the start-up rules. */
class ControlVersionsTest {
  private static final JobConfig BASE =
      JobConfig.of(Map.of("sampling.rates", "cache_hit:0.5,page_view:1.0"));

  private static ControlChange change(long seq, String key, String value, long from) {
    return ControlChange.of(seq, key, value, from);
  }

  @Test
  void aMapEntryChangesFromItsEffectiveTimeAndTheStartUpValueHoldsBefore() {
    Versioned<JobConfig> v =
        ControlVersions.of(BASE, List.of(change(1, "sampling.rates.cache_hit", "0.02", 60_000)));
    assertThat(SamplingRates.from(v.at(59_999)).rateFor("cache_hit")).isEqualTo(0.5);
    assertThat(SamplingRates.from(v.at(60_000)).rateFor("cache_hit")).isEqualTo(0.02);
    assertThat(SamplingRates.from(v.at(60_000)).rateFor("page_view")).isEqualTo(1.0);
  }

  @Test
  void changesApplyInEffectiveOrderWhateverTheOrderOfArrival() {
    List<ControlChange> changes =
        List.of(
            change(1, "sampling.rates.cache_hit", "0.1", 120_000),
            change(2, "sampling.rates.cache_hit", "0.2", 60_000),
            change(3, "detection.spike-factor", "9", 60_000));
    Versioned<JobConfig> v = ControlVersions.of(BASE, changes);
    assertThat(v.size()).isEqualTo(3);
    assertThat(SamplingRates.from(v.at(60_000)).rateFor("cache_hit")).isEqualTo(0.2);
    assertThat(SamplingRates.from(v.at(120_000)).rateFor("cache_hit")).isEqualTo(0.1);
    assertThat(v.at(130_000).get(DetectionOptions.DETECTION_SPIKE_FACTOR)).isEqualTo(9.0);
    assertThat(v.at(0).get(DetectionOptions.DETECTION_SPIKE_FACTOR))
        .isEqualTo(BASE.get(DetectionOptions.DETECTION_SPIKE_FACTOR));
  }

  @Test
  void undoingAChangeRestoresTheStartUpValueAndAWholeMapReplacesItsEntries() {
    Versioned<JobConfig> v =
        ControlVersions.of(
            BASE,
            List.of(
                change(1, "sampling.rates.cache_hit", "0.02", 10),
                change(2, "sampling.rates.cache_hit", null, 20),
                change(3, "sampling.rates.page_view", "0.3", 30),
                change(4, "sampling.rates", "search:0.4", 40)));
    assertThat(SamplingRates.from(v.at(15)).rateFor("cache_hit")).isEqualTo(0.02);
    assertThat(SamplingRates.from(v.at(25)).rateFor("cache_hit")).isEqualTo(0.5);
    assertThat(SamplingRates.from(v.at(35)).rateFor("page_view")).isEqualTo(0.3);
    assertThat(v.at(45).get(SamplingOptions.SAMPLING_RATES)).isEqualTo(Map.of("search", "0.4"));
  }

  @Test
  void aBadValueIsRefusedWithItsKeyAndTheStartUpRule() {
    assertThatThrownBy(
            () ->
                ControlVersions.of(BASE, List.of(change(1, "sampling.rates.cache_hit", "2.5", 10))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sampling.rates")
        .hasMessageContaining("from the control topic");
    assertThatThrownBy(
            () -> ControlVersions.of(BASE, List.of(change(1, "detection.sigma", "many", 10))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'detection.sigma'")
        .hasMessageContaining("'many'");
    assertThatThrownBy(
            () -> ControlVersions.of(BASE, List.of(change(1, "detection.spike-factr", "3", 10))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key")
        .hasMessageContaining("did you mean 'detection.spike-factor'");
  }

  @Test
  void settingsThatShapeTheGraphOrTheStateAreNotChangeable() {
    assertThat(RunTimeKeys.refusal("window.size"))
        .contains("window.size cannot change while the job runs")
        .contains("restart from a savepoint");
    assertThat(RunTimeKeys.refusal("clickhouse.url")).contains("a source, a sink or a topic");
    assertThat(RunTimeKeys.refusal("sampling.rates.cache_hit")).isNull();
    assertThat(RunTimeKeys.refusal("detection.spike-factor")).isNull();
    JobConfig changed =
        BASE.with(Map.of("detection.overrides.api.error", "history=50"), "from the control topic");
    assertThat(RunTimeKeys.problem(BASE, changed))
        .contains("shape the detector's state of api.error");
    JobConfig threshold =
        BASE.with(
            Map.of("detection.overrides.api.error", "spike-factor=7"), "from the control topic");
    assertThat(RunTimeKeys.problem(BASE, threshold)).isNull();
    JobConfig uncapped = JobConfig.of(Map.of("aggregation.max-event-types", "0"));
    JobConfig caps = uncapped.with(Map.of("aggregation.max-event-types", "10"), "x");
    assertThat(RunTimeKeys.problem(uncapped, caps))
        .contains("cardinality caps were off at start-up");
    assertThat(
            RunTimeKeys.problem(BASE, BASE.with(Map.of("aggregation.max-event-types", "10"), "x")))
        .isNull();
  }

  @Test
  void secretsAreNotTakenFromTheControlTopic() {
    assertThatThrownBy(
            () -> BASE.with(Map.of("clickhouse.password", "x"), "from the control topic"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("is a secret");
  }
}
