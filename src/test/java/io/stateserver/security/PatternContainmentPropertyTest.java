package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PatternContainmentPropertyTest {
  private static final List<List<String>> KEYS = ReferenceMatcher.allKeys(6);

  @Property(tries = 1500)
  void agreesWithBruteForce(
      @ForAll("patterns") List<String> outer, @ForAll("patterns") List<String> inner) {
    assertThat(PatternContainment.contains(outer, inner))
        .isEqualTo(ReferenceMatcher.containedByBruteForce(outer, inner, KEYS));
  }

  @Property(tries = 500)
  void everyPatternContainsItself(@ForAll("patterns") List<String> pattern) {
    assertThat(PatternContainment.contains(pattern, pattern)).isTrue();
  }

  @Property(tries = 500)
  void aKeyIsContainedExactlyWhenItMatches(
      @ForAll("patterns") List<String> pattern, @ForAll("keys") List<String> key) {
    assertThat(PatternContainment.contains(pattern, key))
        .isEqualTo(ReferenceMatcher.matches(pattern, key));
  }

  @Provide
  Arbitrary<List<String>> keys() {
    return Arbitraries.of(ReferenceMatcher.LITERALS).list().ofMinSize(1).ofMaxSize(6);
  }

  @Provide
  Arbitrary<List<String>> patterns() {
    Arbitrary<List<String>> body =
        Arbitraries.of("a", "b", "$x", "+").list().ofMinSize(0).ofMaxSize(5);
    return Combinators.combine(body, Arbitraries.of(true, false))
        .as(
            (segments, endsWithAny) -> {
              List<String> pattern = new ArrayList<>(segments);
              if (endsWithAny || pattern.isEmpty()) {
                pattern.add("#");
              }
              return List.copyOf(pattern);
            });
  }
}
