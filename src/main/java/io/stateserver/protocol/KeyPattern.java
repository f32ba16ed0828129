package io.stateserver.protocol;

import java.util.List;

/**
 * A validated subscription / list pattern (PROTOCOL.md section 1, MQTT topic-filter semantics).
 * STUB: signature fixed, body to be written.
 */
public final class KeyPattern {
  private final String text;
  private final List<String> segments;

  private KeyPattern(String text, List<String> segments) {
    this.text = text;
    this.segments = segments;
  }

  /**
   * Parses and validates a pattern.
   *
   * @throws StateException with {@link ErrorCode#INVALID_PATTERN}
   */
  public static KeyPattern parse(String text) {
    throw new UnsupportedOperationException("stub");
  }

  /** Whether the (valid) key matches this pattern. */
  public boolean matches(String key) {
    throw new UnsupportedOperationException("stub");
  }

  /** The segments, wildcards included ("+" and "#"). */
  public List<String> segments() {
    return segments;
  }

  /** True when the pattern has no wildcard (it names exactly one key). */
  public boolean isExact() {
    throw new UnsupportedOperationException("stub");
  }

  /**
   * The literal segments before the first wildcard, joined with '/' (empty string when the first
   * segment is a wildcard). Used to narrow database scans to a key range.
   */
  public String literalPrefix() {
    throw new UnsupportedOperationException("stub");
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
