package dev.analytics.pipeline.control;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import org.apache.flink.configuration.ConfigOption;

/** The options of the run-time control of the job. */
public final class ControlOptions implements StageOptions {
  public ControlOptions() {}

  public static final ConfigOption<String> CONTROL_TOPIC =
      key("control.topic")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Kafka topic (compacted, one partition) of the settings changed while the job runs:"
                  + " the record key is a configuration key (map entries as map.key.entry, e.g."
                  + " sampling.rates.cache_hit), the value {\"value\": \"...\", \"effective_from\":"
                  + " \"ISO instant\"} (effective_from optional; a null value undoes the key's"
                  + " change). jobs/control.sh writes and reads it. Empty: no run-time control (the"
                  + " job graph has no control operators).");

  public static final ConfigOption<String> CONTROL_APPLIED_TOPIC =
      key("control.applied-topic")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Kafka topic of every applied change with the event time it applies from (the"
                  + " audit log; jobs/control.sh show and history read it). Empty: the control"
                  + " topic's name + '-applied'.");

  public static final ConfigOption<String> CONTROL_REFUSED_TOPIC =
      key("control.refused-topic")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Kafka topic of the refused changes, each with the key and the reason (the control"
                  + " dead letters). Empty: the control topic's name + '-refused'.");

  @Override
  public void check(ConfigChecks c) {
    if (c.get(CONTROL_TOPIC).isBlank()) {
      return;
    }
    c.topic(CONTROL_TOPIC);
    if (!c.get(CONTROL_APPLIED_TOPIC).isBlank()) {
      c.topic(CONTROL_APPLIED_TOPIC);
    }
    if (!c.get(CONTROL_REFUSED_TOPIC).isBlank()) {
      c.topic(CONTROL_REFUSED_TOPIC);
    }
  }
}
