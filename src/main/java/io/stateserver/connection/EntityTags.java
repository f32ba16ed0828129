package io.stateserver.connection;

import io.stateserver.protocol.StateException;
import java.util.ArrayList;
import java.util.List;

/**
 * The entity tags of the HTTP state API: a key's version as {@code "7"} (PROTOCOL.md section 7). A
 * write's condition is one tag, since it is one compare-and-set version; a {@code GET}'s may be a
 * list, as HTTP caches send them (docs/protocol-decisions.md, "HTTP").
 */
final class EntityTags {
  private EntityTags() {}

  /**
   * A {@code GET}'s {@code If-Match} or {@code If-None-Match}: {@code *}, which an existing key
   * matches, or a list of tags, which the key matches when its version is among them.
   */
  record Condition(boolean any, List<Long> versions) {
    /** The condition of a header, null without one; a header that names no version is a 400. */
    static Condition of(String name, String header) {
      if (header == null) {
        return null;
      }
      if ("*".equals(header.trim())) {
        return new Condition(true, List.of());
      }
      List<Long> versions = EntityTags.versions(header);
      if (versions == null) {
        throw StateException.badRequest(name + " must be * or version ETags such as \"3\"");
      }
      return new Condition(false, List.copyOf(versions));
    }

    boolean matches(boolean exists, long version) {
      return exists && (any || versions.contains(version));
    }
  }

  /** The tag of a version. */
  static String of(long version) {
    return "\"" + version + "\"";
  }

  /**
   * The versions a list of tags names ({@code "3", W/"4"}), or null when an element names none.
   * Empty elements are skipped, as RFC 9110 section 5.6.1 asks, but at least one tag must be there.
   */
  static List<Long> versions(String header) {
    List<Long> versions = new ArrayList<>();
    for (String element : header.split(",", -1)) {
      if (element.isBlank()) {
        continue;
      }
      Long version = version(element);
      if (version == null) {
        return null;
      }
      versions.add(version);
    }
    return versions.isEmpty() ? null : versions;
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
