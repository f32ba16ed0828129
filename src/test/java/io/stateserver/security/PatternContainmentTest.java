package io.stateserver.security;

import static io.stateserver.security.ReferenceMatcher.split;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PatternContainmentTest {

  private static boolean contains(String outer, String inner) {
    return PatternContainment.contains(split(outer), split(inner));
  }

  @ParameterizedTest(name = "{1} inside {0}: {2}")
  @CsvSource({
    "#, a/b, true",
    "#, $sys/x, false",
    "$sys/#, $sys/clients/p1, true",
    "#, #, true",
    "+/#, #, true",
    "#, +/#, true",
    "+, #, false",
    "a/#, a, true",
    "a/#, a/+/c, true",
    "a/#, a/#, true",
    "a/+, a/#, false",
    "a/+/#, a/#, false",
    "a/+, a/b, true",
    "a/b, a/+, false",
    "devices/p1/#, devices/+/#, false",
    "devices/p1/#, devices/p1/x/#, true",
    "devices/p1/#, devices/p10, false",
    "config/#, config, true",
    "+/+, $x/a, false",
    "$x/+, $x/a, true",
  })
  void decidesContainment(String outer, String inner, boolean expected) {
    assertThat(contains(outer, inner)).isEqualTo(expected);
  }

  @Test
  void agreesWithBruteForceOnEveryPatternPairUpToThreeSegments() {
    List<List<String>> patterns = allPatterns(3);
    List<List<String>> keys = ReferenceMatcher.allKeys(4);

    int checked = 0;
    for (List<String> outer : patterns) {
      for (List<String> inner : patterns) {
        assertThat(PatternContainment.contains(outer, inner))
            .as("%s inside %s", String.join("/", inner), String.join("/", outer))
            .isEqualTo(ReferenceMatcher.containedByBruteForce(outer, inner, keys));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(105 * 105);
  }

  /** Patterns over the literals and '+', with '#' allowed last. */
  private static List<List<String>> allPatterns(int maxLength) {
    List<String> segments = new ArrayList<>(ReferenceMatcher.LITERALS);
    segments.add("+");
    List<List<String>> prefixes = new ArrayList<>();
    prefixes.add(List.of());
    List<List<String>> patterns = new ArrayList<>();
    for (int length = 1; length <= maxLength; length++) {
      List<List<String>> next = new ArrayList<>();
      for (List<String> prefix : prefixes) {
        for (String segment : segments) {
          List<String> pattern = new ArrayList<>(prefix);
          pattern.add(segment);
          next.add(List.copyOf(pattern));
        }
        List<String> withAny = new ArrayList<>(prefix);
        withAny.add("#");
        patterns.add(List.copyOf(withAny));
      }
      patterns.addAll(next);
      prefixes = next;
    }
    return patterns;
  }
}
