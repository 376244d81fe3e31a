package dev.analytics.pipeline.control;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.Versioned;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration by event time: the start-up configuration, then after each applied change (in
 * the order of their effective times, ties by order of application) that configuration with every
 * change up to it. Each version is checked with the start-up rules.
 */
public final class ControlVersions {
  private ControlVersions() {}

  /** How messages name where run-time changes come from. */
  static final String ORIGIN = "from the control topic";

  /**
   * @throws ConfigException naming the key, for a version that breaks a start-up rule
   */
  public static Versioned<JobConfig> of(JobConfig base, Collection<ControlChange> changes) {
    List<ControlChange> ordered = new ArrayList<>(changes);
    ordered.sort(
        Comparator.<ControlChange>comparingLong(c -> c.effectiveFrom)
            .thenComparingLong(c -> c.seq));
    Map<String, String> overrides = new TreeMap<>();
    List<Long> from = new ArrayList<>();
    List<JobConfig> configs = new ArrayList<>();
    from.add(Long.MIN_VALUE);
    configs.add(base);
    for (ControlChange c : ordered) {
      if (c.key.equals(JobConfig.optionKeyOf(c.key))) {
        // A whole map replaces the changes of its entries.
        overrides.keySet().removeIf(k -> k.startsWith(c.key + "."));
      }
      if (c.value == null) {
        overrides.remove(c.key);
      } else {
        overrides.put(c.key, c.value);
      }
      JobConfig config = base.with(overrides, ORIGIN);
      if (from.get(from.size() - 1) == c.effectiveFrom) {
        configs.set(configs.size() - 1, config);
      } else {
        from.add(c.effectiveFrom);
        configs.add(config);
      }
    }
    long[] times = new long[from.size()];
    for (int i = 0; i < times.length; i++) {
      times[i] = from.get(i);
    }
    return Versioned.of(times, configs);
  }
}
