package dev.analytics.pipeline.priority;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class PriorityOptions implements StageOptions {
  public PriorityOptions() {}

  @Override
  public void check(ConfigChecks c) {
    priority(c);
  }

  // ---- priority ----

  public static final ConfigOption<List<String>> PRIORITY_HIGH_EVENT_TYPES =
      key("priority.high.event-types")
          .stringType()
          .asList()
          .defaultValues("*error*", "*fail*", "*critical*", "*exception*", "*crash*")
          .withDescription(
              "Glob patterns (* and ?, case-insensitive) of event types that are high priority.");

  public static final ConfigOption<List<String>> PRIORITY_HIGH_CATEGORIES =
      key("priority.high.categories")
          .stringType()
          .asList()
          .defaultValues("error", "failure", "critical", "security")
          .withDescription("Categories that are high priority.");

  public static final ConfigOption<List<String>> PRIORITY_LOW_EVENT_TYPES =
      key("priority.low.event-types")
          .stringType()
          .asList()
          .defaultValues(
              "*cache_hit*",
              "performance.memory_usage",
              "performance.cpu_usage",
              "*heartbeat*",
              "*health_check*")
          .withDescription("Glob patterns of event types that are low priority.");

  public static final ConfigOption<List<String>> PRIORITY_LOW_CATEGORIES =
      key("priority.low.categories")
          .stringType()
          .asList()
          .defaultValues("cache", "debug")
          .withDescription("Categories that are low priority.");

  public static final ConfigOption<List<String>> PRIORITY_TRUST_EXPLICIT =
      key("priority.trust-explicit")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Glob patterns of the event types whose own priority field is trusted (* for all);"
                  + " the rules decide for every other event, and each priority field they"
                  + " ignore is counted (untrustedPriorityClaims). Empty (the default): no"
                  + " producer can promote its events past sampling into the raw table.");

  public static final ConfigOption<Integer> PRIORITY_HIGH_MAX_PROPERTIES_BYTES =
      key("priority.high.max-properties-bytes")
          .intType()
          .defaultValue(16384)
          .withDescription(
              "Bytes (UTF-8) of a high-priority event's properties kept in its raw row; larger"
                  + " properties are dropped (null) and counted (propertiesDropped).");

  private static void priority(ConfigChecks c) {
    for (ConfigOption<List<String>> option :
        List.of(
            PriorityOptions.PRIORITY_HIGH_EVENT_TYPES,
            PriorityOptions.PRIORITY_HIGH_CATEGORIES,
            PriorityOptions.PRIORITY_LOW_EVENT_TYPES,
            PriorityOptions.PRIORITY_LOW_CATEGORIES,
            PriorityOptions.PRIORITY_TRUST_EXPLICIT)) {
      if (c.get(option).stream().anyMatch(String::isBlank)) {
        throw c.fail(option, "has an empty item; every item must be a non-empty pattern");
      }
    }
    c.between(
        PriorityOptions.PRIORITY_HIGH_MAX_PROPERTIES_BYTES,
        0,
        64 * ConfigChecks.MIB,
        "0",
        "64 MiB");
  }
}
