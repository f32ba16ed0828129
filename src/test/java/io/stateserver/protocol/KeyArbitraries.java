package io.stateserver.protocol;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Generators of keys and patterns over a tiny alphabet, so that patterns hit keys often. */
public final class KeyArbitraries {
  private KeyArbitraries() {}

  /** Valid keys of 1-5 segments, some starting with '$'. */
  public static Arbitrary<String> keys() {
    return Arbitraries.of("a", "b", "ab", "$s", "$")
        .list()
        .ofMinSize(1)
        .ofMaxSize(5)
        .map(segments -> String.join("/", segments));
  }

  /** Valid patterns over the same alphabet, with '+' anywhere and an optional trailing '#'. */
  public static Arbitrary<String> patterns() {
    Arbitrary<List<String>> body =
        Arbitraries.of("a", "b", "ab", "$s", "$", "+", "+").list().ofMinSize(0).ofMaxSize(5);
    return Combinators.combine(body, Arbitraries.of(true, false))
        .as(
            (segments, multi) ->
                segments.isEmpty() ? "#" : String.join("/", segments) + (multi ? "/#" : ""));
  }
}
