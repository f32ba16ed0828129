package io.stateserver.security;

import java.util.List;

/**
 * Containment of MQTT-style patterns (PROTOCOL.md section 1), given as segment lists: {@code inner}
 * is contained in {@code outer} when every key that matches {@code inner} also matches {@code
 * outer}. A key is a pattern without wildcards, so this also answers "does the pattern match the
 * key".
 *
 * <p>Literal segments are compared as opaque strings, so a literal that could never occur in a key
 * (one holding '/', say) simply matches nothing.
 */
final class PatternContainment {
  static final String ONE = "+";
  static final String ANY = "#";

  private PatternContainment() {}

  static boolean contains(List<String> outer, List<String> inner) {
    if (outer.isEmpty() || inner.isEmpty()) {
      return false;
    }
    // The '$' rule: a pattern starting with a wildcard never matches a '$' key, so an inner
    // pattern that names '$' keys literally is only covered by an outer one that names them too.
    String innerFirst = inner.get(0);
    if (!isWildcard(innerFirst) && innerFirst.startsWith("$") && isWildcard(outer.get(0))) {
      return false;
    }
    return covers(outer, inner);
  }

  private static boolean covers(List<String> outer, List<String> inner) {
    int i = 0;
    int j = 0;
    while (true) {
      if (i == inner.size()) {
        // inner matches nothing further: outer must accept the empty rest
        return j == outer.size() || (j == outer.size() - 1 && outer.get(j).equals(ANY));
      }
      if (j == outer.size()) {
        // inner allows (or requires) more segments than outer can take
        return false;
      }
      String in = inner.get(i);
      String out = outer.get(j);
      if (out.equals(ANY)) {
        return true;
      }
      if (in.equals(ANY)) {
        return anyRestCovered(outer, j, i == 0 ? 1 : 0);
      }
      if (in.equals(ONE) ? !out.equals(ONE) : !(out.equals(ONE) || out.equals(in))) {
        return false;
      }
      i++;
      j++;
    }
  }

  /**
   * Whether {@code outer} from {@code j} matches every rest of at least {@code minLength} segments:
   * it must be at most {@code minLength} '+' followed by '#'. (An inner '#' in first position
   * stands for one or more segments, since a key is never empty; elsewhere for zero or more.)
   */
  private static boolean anyRestCovered(List<String> outer, int j, int minLength) {
    int ones = 0;
    while (j + ones < outer.size() && outer.get(j + ones).equals(ONE)) {
      ones++;
    }
    return ones <= minLength
        && j + ones == outer.size() - 1
        && outer.get(outer.size() - 1).equals(ANY);
  }

  static boolean isWildcard(String segment) {
    return segment.equals(ONE) || segment.equals(ANY);
  }
}
