package dev.analytics.pipeline.functions;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Matches strings against a set of glob patterns ({@code *} = any run of characters, {@code ?} =
 * exactly one character; everything else literal, dots included), case-insensitively.
 *
 * <p>The patterns are compiled once, into a single anchored regular expression, when the matcher is
 * built; matching an event type costs one regex match and never recompiles.
 */
public final class GlobMatcher implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> globs;

  /** Null when there are no patterns: then nothing matches. {@link Pattern} is Serializable. */
  private final Pattern pattern;

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
    return pattern != null && value != null && pattern.matcher(value).matches();
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
