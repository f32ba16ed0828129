package io.stateserver.connection;

/**
 * The entity tags of the HTTP state API: a key's version as {@code "7"} (PROTOCOL.md section 7).
 * One tag per header: lists of tags are not taken (docs/protocol-decisions.md, "HTTP").
 */
final class EntityTags {
  private EntityTags() {}

  /** The tag of a version. */
  static String of(long version) {
    return "\"" + version + "\"";
  }

  /**
   * The version a tag names, or null when it names none: {@code "7"}, its weak form {@code W/"7"},
   * or, leniently, {@code 7}. A version is a decimal integer from 1 without sign or leading zero,
   * so that each version has exactly one tag ({@code "+7"} and {@code "07"} are not tags of 7).
   */
  static Long version(String header) {
    String v = header.trim();
    if (v.startsWith("W/")) {
      v = v.substring(2);
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.isEmpty() || v.length() > 19 || v.charAt(0) < '1' || v.charAt(0) > '9') {
      return null;
    }
    for (int i = 1; i < v.length(); i++) {
      if (v.charAt(i) < '0' || v.charAt(i) > '9') {
        return null;
      }
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      return null; // beyond a long
    }
  }
}
