package dev.analytics.pipeline.sinks;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaOptions;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class OutputOptions implements StageOptions {
  public OutputOptions() {}

  @Override
  public void check(ConfigChecks c) {
    if (!c.get(OUTPUT_AGGREGATES_TOPIC).isEmpty()) {
      c.topic(OUTPUT_AGGREGATES_TOPIC);
    }
    if (!c.get(OUTPUT_ALERTS_TOPIC).isEmpty()) {
      c.topic(OUTPUT_ALERTS_TOPIC);
    }
    distinctTopics(c);
  }

  // ---- outputs ----

  public static final ConfigOption<String> OUTPUT_AGGREGATES_TOPIC =
      key("output.aggregates-topic")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Kafka topic for window aggregates as JSON (exactly-once); empty disables it.");

  public static final ConfigOption<String> OUTPUT_ALERTS_TOPIC =
      key("output.alerts-topic")
          .stringType()
          .defaultValue("")
          .withDescription("Kafka topic for alerts as JSON (exactly-once); empty disables it.");

  public static final ConfigOption<Boolean> OUTPUT_CONSOLE =
      key("output.console")
          .booleanType()
          .defaultValue(false)
          .withDescription("Print a compact line per closed window to standard output.");

  /** The output topics differ from the input topic and from each other. */
  private static void distinctTopics(ConfigChecks c) {
    List<ConfigOption<String>> outputs =
        List.of(
            EventOptions.DEAD_LETTER_TOPIC,
            OutputOptions.OUTPUT_AGGREGATES_TOPIC,
            OutputOptions.OUTPUT_ALERTS_TOPIC);
    String input = c.get(KafkaOptions.KAFKA_TOPIC);
    for (int i = 0; i < outputs.size(); i++) {
      ConfigOption<String> output = outputs.get(i);
      if (c.get(output).equals(input)) {
        throw c.fail(output, "must differ from kafka.topic (the job would read its own output)");
      }
      for (ConfigOption<String> earlier : outputs.subList(0, i)) {
        if (!c.get(output).isEmpty() && c.get(output).equals(c.get(earlier))) {
          throw c.fail(output, "must differ from " + earlier.key());
        }
      }
    }
  }
}
