package io.stateserver.security;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A deliberately naive MQTT topic-filter matcher, written straight from PROTOCOL.md section 1, and
 * brute-force containment built on it: the oracle the containment tests compare against.
 */
final class ReferenceMatcher {
  static final List<String> LITERALS = List.of("a", "b", "$x");

  private ReferenceMatcher() {}

  static List<String> split(String text) {
    return Arrays.asList(text.split("/", -1));
  }

  static boolean matches(List<String> pattern, List<String> key) {
    String first = pattern.get(0);
    if ((first.equals("+") || first.equals("#")) && key.get(0).startsWith("$")) {
      return false;
    }
    return matchFrom(pattern, 0, key, 0);
  }

  private static boolean matchFrom(List<String> pattern, int i, List<String> key, int j) {
    if (i == pattern.size()) {
      return j == key.size();
    }
    String segment = pattern.get(i);
    if (segment.equals("#")) {
      return true;
    }
    if (j == key.size()) {
      return false;
    }
    return (segment.equals("+") || segment.equals(key.get(j)))
        && matchFrom(pattern, i + 1, key, j + 1);
  }

  /** Every key over {@link #LITERALS} with 1 to maxLength segments. */
  static List<List<String>> allKeys(int maxLength) {
    List<List<String>> keys = new ArrayList<>();
    List<List<String>> previous = List.of(List.of());
    for (int length = 1; length <= maxLength; length++) {
      List<List<String>> current = new ArrayList<>();
      for (List<String> prefix : previous) {
        for (String literal : LITERALS) {
          List<String> key = new ArrayList<>(prefix);
          key.add(literal);
          current.add(List.copyOf(key));
        }
      }
      keys.addAll(current);
      previous = current;
    }
    return keys;
  }

  static boolean containedByBruteForce(
      List<String> outer, List<String> inner, List<List<String>> keys) {
    for (List<String> key : keys) {
      if (matches(inner, key) && !matches(outer, key)) {
        return false;
      }
    }
    return true;
  }
}
