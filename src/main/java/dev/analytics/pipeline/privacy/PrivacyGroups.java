package dev.analytics.pipeline.privacy;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The groups of event types whose clients report through k-ary randomized response (option {@code
 * privacy.groups}), with the mechanism of each.
 *
 * <p><b>Takes</b> a list of items {@code name:epsilon:type1,type2,...,typek}: the group name (1 to
 * 64 characters of {@code [A-Za-z0-9_.-]}, no colon), ε (a decimal number, finite and > 0) and k >=
 * 2 distinct event types (each 1 to 128 characters of {@code [A-Za-z0-9_.:-]}, as in the event
 * schema; they may contain colons, everything after the second colon is the type list). Blanks
 * around the parts are ignored.
 *
 * <p><b>Guarantees</b>: names are unique and no event type is in two groups; any violation is a
 * {@link ConfigException} at key {@code privacy.groups} naming the item (by position and text) and
 * what is wrong. The member order of a group is the configured order (outputs follow it). Immutable
 * and Serializable (operators take it as a constructor argument).
 */
public final class PrivacyGroups implements Serializable {
  private static final long serialVersionUID = 1L;

  /** No group: privacy correction off. */
  public static final PrivacyGroups NONE = new PrivacyGroups(List.of());

  static final String FORMAT = "name:epsilon:type1,type2,...,typek";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  /**
   * One group: its name, ε, and its k member types; {@link #p()} and {@link #q()} are those of
   * {@link KaryRandomizedResponse}.
   *
   * @param name the group's unique name
   * @param epsilon the privacy parameter ε of the clients' reports
   * @param types the k >= 2 distinct member event types, in configured order
   */
  public record Group(String name, double epsilon, List<String> types) implements Serializable {
    public Group {
      Objects.requireNonNull(name, "name");
      types = List.copyOf(types);
      if (new LinkedHashSet<>(types).size() != types.size()) {
        throw new IllegalArgumentException("duplicate member type in " + types);
      }
      new KaryRandomizedResponse(epsilon, types.size());
    }

    /** The number of member types. */
    public int k() {
      return types.size();
    }

    public double p() {
      return KaryRandomizedResponse.p(epsilon, k());
    }

    public double q() {
      return KaryRandomizedResponse.q(epsilon, k());
    }

    /** The mechanism of this group: estimator and standard deviation. */
    public KaryRandomizedResponse mechanism() {
      return new KaryRandomizedResponse(epsilon, k());
    }

    /** Whether {@code eventType} is a member. */
    public boolean contains(String eventType) {
      return eventType != null && types.contains(eventType);
    }
  }

  private final List<Group> groups;
  private final Map<String, Group> byType;
  private final Map<String, Group> byName;

  /**
   * @param groups groups with distinct names and no type in two groups
   * @throws IllegalArgumentException otherwise
   */
  public PrivacyGroups(List<Group> groups) {
    this.groups = List.copyOf(groups);
    Map<String, Group> types = new HashMap<>();
    Map<String, Group> names = new HashMap<>();
    for (Group group : this.groups) {
      if (names.put(group.name(), group) != null) {
        throw new IllegalArgumentException("duplicate group name " + group.name());
      }
      for (String type : group.types()) {
        if (types.put(type, group) != null) {
          throw new IllegalArgumentException("event type " + type + " is in two groups");
        }
      }
    }
    this.byType = Map.copyOf(types);
    this.byName = Map.copyOf(names);
  }

  /** The groups of the option {@code privacy.groups} (empty: none). */
  public static PrivacyGroups from(JobConfig config) {
    return parse(config.get(PrivacyOptions.PRIVACY_GROUPS), "");
  }

  /**
   * Parses and validates the items of {@code privacy.groups}.
   *
   * @param items the option's items
   * @param origin appended to every message, e.g. {@code " (from argument --privacy.groups)"}; may
   *     be empty
   * @throws ConfigException at key {@code privacy.groups}, naming the item and what is wrong
   */
  public static PrivacyGroups parse(List<String> items, String origin) {
    List<Group> groups = new ArrayList<>();
    Map<String, Integer> itemOfName = new HashMap<>();
    Map<String, Integer> itemOfType = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i) == null ? "" : items.get(i);
      int position = i + 1;
      String[] parts = item.split(":", 3);
      if (item.isBlank()) {
        throw invalid(position, item, "is empty", origin);
      }
      if (parts.length < 3) {
        throw invalid(position, item, "does not have the three parts " + FORMAT, origin);
      }
      String name = parts[0].trim();
      if (!NAME.matcher(name).matches()) {
        throw invalid(
            position,
            item,
            "group name '" + name + "' is not 1 to 64 characters of [A-Za-z0-9_.-]",
            origin);
      }
      Integer sameName = itemOfName.putIfAbsent(name, position);
      if (sameName != null) {
        throw invalid(
            position,
            item,
            "group name '" + name + "' is already used by item " + sameName + "; names are unique",
            origin);
      }
      String epsilonText = parts[1].trim();
      if (!DECIMAL.matcher(epsilonText).matches()) {
        throw invalid(
            position, item, "epsilon '" + epsilonText + "' is not a decimal number", origin);
      }
      double epsilon = Double.parseDouble(epsilonText);
      if (!(epsilon > 0.0) || Double.isInfinite(epsilon)) {
        throw invalid(
            position, item, "epsilon '" + epsilonText + "' is not finite and > 0", origin);
      }
      List<String> types = new ArrayList<>();
      Set<String> seen = new LinkedHashSet<>();
      for (String raw : parts[2].split(",", -1)) {
        String type = raw.trim();
        if (type.isEmpty()) {
          throw invalid(position, item, "has an empty event type in its list", origin);
        }
        if (!EVENT_TYPE.matcher(type).matches()) {
          throw invalid(
              position,
              item,
              "event type '" + type + "' is not 1 to 128 characters of [A-Za-z0-9_.:-]",
              origin);
        }
        if (!seen.add(type)) {
          throw invalid(position, item, "lists event type '" + type + "' twice", origin);
        }
        Integer other = itemOfType.putIfAbsent(type, position);
        if (other != null) {
          throw invalid(
              position,
              item,
              "event type '"
                  + type
                  + "' is already in group '"
                  + groups.get(other - 1).name()
                  + "' (item "
                  + other
                  + "); a type belongs to one group at most",
              origin);
        }
        types.add(type);
      }
      if (types.size() < 2) {
        throw invalid(
            position,
            item,
            "has k = " + types.size() + " event type; k-ary randomized response needs k >= 2 types",
            origin);
      }
      groups.add(new Group(name, epsilon, types));
    }
    return new PrivacyGroups(groups);
  }

  /** The groups in configured order. */
  public List<Group> groups() {
    return groups;
  }

  /** The group {@code eventType} belongs to, or null if none. */
  public Group groupOf(String eventType) {
    return eventType == null ? null : byType.get(eventType);
  }

  /** The group named {@code name}, or null if none. */
  public Group group(String name) {
    return name == null ? null : byName.get(name);
  }

  /** Whether no group is configured. */
  public boolean isEmpty() {
    return groups.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrivacyGroups other && groups.equals(other.groups);
  }

  @Override
  public int hashCode() {
    return groups.hashCode();
  }

  @Override
  public String toString() {
    return "PrivacyGroups" + groups;
  }

  private static ConfigException invalid(int position, String item, String problem, String origin) {
    return new ConfigException(
        PrivacyOptions.PRIVACY_GROUPS.key(),
        "item " + position + " '" + item + "' " + problem + " (expected " + FORMAT + ")" + origin);
  }
}
