package dev.analytics.pipeline.priority;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.model.Priority;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether an event's own priority field is trusted ({@code priority.trust-explicit}), and the rules
 * that give every other event its priority, in this order:
 *
 * <ol>
 *   <li>high if the event type matches a high glob pattern or the category is a high category;
 *   <li>else low if the event type matches a low pattern or the category is a low category;
 *   <li>else normal.
 * </ol>
 *
 * <p>Patterns are globs ({@code *}, {@code ?}) and, like categories, compared case-insensitively.
 * Everything is compiled once in the constructor; instances are immutable and Serializable.
 */
public final class PriorityRules implements Serializable {
  private static final long serialVersionUID = 1L;

  private final GlobMatcher highEventTypes;
  private final Set<String> highCategories;
  private final GlobMatcher lowEventTypes;
  private final Set<String> lowCategories;
  private final GlobMatcher trustedEventTypes;

  public PriorityRules(
      List<String> highEventTypes,
      List<String> highCategories,
      List<String> lowEventTypes,
      List<String> lowCategories,
      List<String> trustedEventTypes) {
    this.trustedEventTypes = new GlobMatcher(trustedEventTypes);
    this.highEventTypes = new GlobMatcher(highEventTypes);
    this.highCategories = normalize(highCategories);
    this.lowEventTypes = new GlobMatcher(lowEventTypes);
    this.lowCategories = normalize(lowCategories);
  }

  /** The rules of the {@code priority.*} keys. */
  public static PriorityRules from(JobConfig config) {
    return new PriorityRules(
        config.get(PriorityOptions.PRIORITY_HIGH_EVENT_TYPES),
        config.get(PriorityOptions.PRIORITY_HIGH_CATEGORIES),
        config.get(PriorityOptions.PRIORITY_LOW_EVENT_TYPES),
        config.get(PriorityOptions.PRIORITY_LOW_CATEGORIES),
        config.get(PriorityOptions.PRIORITY_TRUST_EXPLICIT));
  }

  /** Whether the priority an event of this type carries itself is taken as it is. */
  public boolean trustsExplicit(String eventType) {
    return trustedEventTypes.matches(eventType);
  }

  /** The priority the rules give; {@code category} may be null. Ignores explicit priorities. */
  public Priority classify(String eventType, String category) {
    String cat = category == null ? null : category.toLowerCase(Locale.ROOT);
    if (highEventTypes.matches(eventType) || (cat != null && highCategories.contains(cat))) {
      return Priority.HIGH;
    }
    if (lowEventTypes.matches(eventType) || (cat != null && lowCategories.contains(cat))) {
      return Priority.LOW;
    }
    return Priority.NORMAL;
  }

  private static Set<String> normalize(List<String> categories) {
    return categories.stream()
        .map(c -> c.trim().toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public String toString() {
    return "PriorityRules{high="
        + highEventTypes.globs()
        + " / "
        + highCategories
        + ", low="
        + lowEventTypes.globs()
        + " / "
        + lowCategories
        + ", trusted="
        + trustedEventTypes.globs()
        + "}";
  }
}
