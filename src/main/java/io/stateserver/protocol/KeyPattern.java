package io.stateserver.protocol;

import java.util.Arrays;
import java.util.List;

/**
 * A validated subscription / list pattern (PROTOCOL.md section 1, MQTT topic-filter semantics).
 *
 * <p>A pattern is written like a key, except that a segment may be exactly {@code +} (any one
 * segment) and the last segment may be exactly {@code #} (zero or more trailing segments, so {@code
 * a/#} matches {@code a}, {@code a/b} and {@code a/b/c}). A pattern whose first segment is a
 * wildcard never matches a key that begins with {@code $}: {@code #} does not see {@code $sys/...},
 * {@code $sys/#} does. Instances are immutable and thread-safe.
 */
public final class KeyPattern {
  /** A segment that matches exactly one segment of a key. */
  public static final String SINGLE = "+";

  /** A last segment that matches zero or more trailing segments of a key. */
  public static final String MULTI = "#";

  private final String text;
  // null for an exact pattern, which matches its own text only: a device's subscription to its own
  // key keeps no split copy of it (tuning log 25)
  private final String[] parts;
  private final boolean wildcardFirst;
  private final String literalPrefix;

  private KeyPattern(String text) {
    this.text = text;
    String[] split = text.split("/", -1);
    int firstWildcard = split.length;
    for (int i = 0; i < split.length; i++) {
      if (isWildcard(split[i])) {
        firstWildcard = i;
        break;
      }
    }
    boolean exact = firstWildcard == split.length;
    this.parts = exact ? null : split;
    this.wildcardFirst = firstWildcard == 0;
    this.literalPrefix =
        exact ? text : String.join("/", Arrays.asList(split).subList(0, firstWildcard));
  }

  /**
   * Parses and validates a pattern.
   *
   * @throws StateException with {@link ErrorCode#INVALID_PATTERN}
   */
  public static KeyPattern parse(String text) {
    Keys.check(text, true);
    return new KeyPattern(text);
  }

  /**
   * Whether the (valid) key matches this pattern. It walks the key in place and allocates nothing;
   * for a string that is not a valid key the answer is unspecified.
   */
  public boolean matches(String key) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    if (parts == null) {
      return text.equals(key);
    }
    if (wildcardFirst && key.charAt(0) == '$') {
      return false;
    }
    int length = key.length();
    int pos = 0; // start of the key's next segment; length + 1 once the key is used up
    for (String part : parts) {
      if (part.equals(MULTI)) {
        return true;
      }
      if (pos > length) {
        return false;
      }
      int end = key.indexOf('/', pos);
      if (end < 0) {
        end = length;
      }
      if (!part.equals(SINGLE)
          && (part.length() != end - pos || !key.regionMatches(pos, part, 0, part.length()))) {
        return false;
      }
      pos = end + 1;
    }
    return pos > length;
  }

  /** The segments, wildcards included ("+" and "#"); a new list on each call. */
  public List<String> segments() {
    return List.of(parts != null ? parts : text.split("/", -1));
  }

  /** True when the pattern has no wildcard (it names exactly one key). */
  public boolean isExact() {
    return parts == null;
  }

  /** True when the first segment is a wildcard, so the pattern never matches a {@code $} key. */
  public boolean startsWithWildcard() {
    return wildcardFirst;
  }

  /**
   * The literal segments before the first wildcard, joined with '/' (empty string when the first
   * segment is a wildcard). Used to narrow database scans to a key range: every matching key equals
   * the prefix or starts with the prefix followed by '/'. For an exact pattern it is the whole key.
   */
  public String literalPrefix() {
    return literalPrefix;
  }

  /** Whether the segment is a wildcard, {@code +} or {@code #}. */
  public static boolean isWildcard(String segment) {
    return segment.equals(SINGLE) || segment.equals(MULTI);
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyPattern p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
