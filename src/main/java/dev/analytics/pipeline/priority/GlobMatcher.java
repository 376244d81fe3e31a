package dev.analytics.pipeline.priority;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Matches strings against a set of glob patterns ({@code *} = any run of characters, {@code ?} =
 * exactly one character; everything else literal, dots included), case-insensitively.
 *
 * <p>The patterns are compiled once, into a single anchored regular expression, when the matcher is
 * built. Event types are few and repeat on every event, so answers are remembered, up to {@value
 * #MAX_REMEMBERED} values (then forgotten all at once and learnt again): a lookup instead of a
 * regex match on the hot path, with memory bounded whatever the input. Safe for concurrent use.
 */
public final class GlobMatcher implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> globs;

  /** Null when there are no patterns: then nothing matches. {@link Pattern} is Serializable. */
  private final Pattern pattern;

  static final int MAX_REMEMBERED = 4096;

  private transient volatile ConcurrentHashMap<String, Boolean> remembered;

  public GlobMatcher(List<String> globs) {
    this.globs = List.copyOf(globs);
    if (this.globs.isEmpty()) {
      this.pattern = null;
    } else {
      StringBuilder regex = new StringBuilder();
      for (String glob : this.globs) {
        if (regex.length() > 0) {
          regex.append('|');
        }
        regex.append("(?:").append(toRegex(glob)).append(')');
      }
      this.pattern =
          Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }
  }

  /** True if {@code value} matches at least one pattern as a whole; false for null. */
  public boolean matches(String value) {
    if (pattern == null || value == null) {
      return false;
    }
    ConcurrentHashMap<String, Boolean> known = remembered;
    if (known == null) {
      known = new ConcurrentHashMap<>();
      remembered = known;
    }
    Boolean answer = known.get(value);
    if (answer == null) {
      answer = pattern.matcher(value).matches();
      if (known.size() >= MAX_REMEMBERED) {
        known.clear();
      }
      known.put(value, answer);
    }
    return answer;
  }

  public List<String> globs() {
    return globs;
  }

  /** The regular expression of one glob: literal runs quoted, wildcards translated. */
  static String toRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          regex.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      regex.append(Pattern.quote(literal.toString()));
    }
    return regex.toString();
  }

  @Override
  public String toString() {
    return "GlobMatcher" + globs.toString().toLowerCase(Locale.ROOT);
  }
}
