package io.stateserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyPatternTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"a", "a/b", "+", "#", "a/+", "+/b", "a/#", "+/+/#", "$sys/#", "$sys/+/x", "日/+"})
  void parsesValidPatterns(String text) {
    KeyPattern pattern = KeyPattern.parse(text);
    assertThat(pattern.text()).isEqualTo(text);
    assertThat(String.join("/", pattern.segments())).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/",
        "/a",
        "a/",
        "a//b",
        "a/b#",
        "a/#/b",
        "#/a",
        "a+",
        "+a/b",
        "a/++",
        "##",
        "a\nb",
        "x\u2028",
        "lone\uD83D"
      })
  void refusesInvalidPatternsWithInvalidPattern(String text) {
    assertThatThrownBy(() -> KeyPattern.parse(text))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PATTERN));
  }

  @Test
  void refusesNullAndOverlongPatterns() {
    assertThatThrownBy(() -> KeyPattern.parse(null))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PATTERN));
    assertThat(KeyPattern.parse("a".repeat(254) + "/#").text()).hasSize(256);
    assertThatThrownBy(() -> KeyPattern.parse("a".repeat(255) + "/#"))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PATTERN));
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
    "a, a, true",
    "a, b, false",
    "a, a/b, false",
    "a/b, a, false",
    "a/+, a/b, true",
    "a/+, a, false",
    "a/+, a/b/c, false",
    "+, a, true",
    "+, a/b, false",
    "+/b, a/b, true",
    "+/b, ab, false",
    "a/#, a, true",
    "a/#, a/b, true",
    "a/#, a/b/c, true",
    "a/#, ab, false",
    "a/#, b/a, false",
    "#, a, true",
    "#, a/b/c, true",
    "+/+/#, a/b, true",
    "+/+/#, a, false",
    "a/+/c, a/b/c, true",
    "a/+/c, a/b/d, false",
    "abc, abd, false",
    "ab, abc, false",
    "abc, ab, false",
    // '$' keys are seen only by patterns that start with a literal segment
    "#, $sys/clients/a, false",
    "+/clients/a, $sys/clients/a, false",
    "+, $, false",
    "$sys/#, $sys/clients/a, true",
    "$sys/+/a, $sys/clients/a, true",
    "$sys, $sys, true",
    "a/#, a/$x, true",
    "a/+, a/$x, true"
  })
  void matchesLikeMqttTopicFilters(String pattern, String key, boolean expected) {
    assertThat(KeyPattern.parse(pattern).matches(key)).isEqualTo(expected);
  }

  @Test
  void exactPatternsHaveNoWildcard() {
    assertThat(KeyPattern.parse("a/b").isExact()).isTrue();
    assertThat(KeyPattern.parse("a/+").isExact()).isFalse();
    assertThat(KeyPattern.parse("a/#").isExact()).isFalse();
    assertThat(KeyPattern.parse("#").isExact()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "a/b, a/b",
    "a/b/#, a/b",
    "a/+/c, a",
    "a/+/#, a",
    "'+/b', ''",
    "'#', ''",
    "$sys/clients/+, $sys/clients"
  })
  void literalPrefixStopsAtFirstWildcard(String pattern, String prefix) {
    assertThat(KeyPattern.parse(pattern).literalPrefix()).isEqualTo(prefix);
  }

  @Test
  void equalByText() {
    assertThat(KeyPattern.parse("a/+")).isEqualTo(KeyPattern.parse("a/+"));
    assertThat(KeyPattern.parse("a/+")).hasSameHashCodeAs(KeyPattern.parse("a/+"));
    assertThat(KeyPattern.parse("a/+")).isNotEqualTo(KeyPattern.parse("a/#"));
  }

  @Property(tries = 5000)
  void matchesAgreesWithReferenceMatcher(
      @ForAll("patterns") String pattern, @ForAll("keys") String key) {
    assertThat(KeyPattern.parse(pattern).matches(key)).isEqualTo(referenceMatches(pattern, key));
  }

  @Property(tries = 2000)
  void everyMatchingKeyLiesInTheLiteralPrefixRange(
      @ForAll("patterns") String text, @ForAll("keys") String key) {
    KeyPattern pattern = KeyPattern.parse(text);
    String prefix = pattern.literalPrefix();
    if (pattern.matches(key) && !prefix.isEmpty()) {
      assertThat(key.equals(prefix) || key.startsWith(prefix + "/")).isTrue();
    }
  }

  @Property(tries = 1000)
  void everyValidKeyIsAnExactPatternMatchingItself(@ForAll("keys") String key) {
    KeyPattern pattern = KeyPattern.parse(key);
    assertThat(pattern.isExact()).isTrue();
    assertThat(pattern.matches(key)).isTrue();
    assertThat(pattern.literalPrefix()).isEqualTo(key);
  }

  /** MQTT matching written as plain recursion over split segments. */
  static boolean referenceMatches(String pattern, String key) {
    List<String> p = Arrays.asList(pattern.split("/", -1));
    List<String> k = Arrays.asList(key.split("/", -1));
    if (key.startsWith("$") && (p.get(0).equals("+") || p.get(0).equals("#"))) {
      return false;
    }
    return match(p, 0, k, 0);
  }

  private static boolean match(List<String> p, int i, List<String> k, int j) {
    if (i == p.size()) {
      return j == k.size();
    }
    if (p.get(i).equals("#")) {
      return true;
    }
    if (j == k.size()) {
      return false;
    }
    return (p.get(i).equals("+") || p.get(i).equals(k.get(j))) && match(p, i + 1, k, j + 1);
  }

  @Provide
  Arbitrary<String> keys() {
    return KeyArbitraries.keys();
  }

  @Provide
  Arbitrary<String> patterns() {
    return KeyArbitraries.patterns();
  }
}
