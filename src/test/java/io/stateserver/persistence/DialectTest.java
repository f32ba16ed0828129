package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class DialectTest {

  @Test
  void postgresOrdersKeysByCodePointAndH2ByUtf16CodeUnit() {
    String emoji = "k\uD83D\uDE00"; // U+1F600
    String fullwidth = "k\uFF01"; // U+FF01
    assertThat(Dialect.POSTGRES.compareKeys(fullwidth, emoji)).isNegative();
    assertThat(Dialect.H2.compareKeys(fullwidth, emoji)).isPositive();
    assertThat(Dialect.POSTGRES.compareKeys("a", "a/b")).isNegative();
    assertThat(Dialect.POSTGRES.compareKeys("a/b", "a")).isPositive();
    assertThat(Dialect.POSTGRES.compareKeys(emoji, emoji)).isZero();
  }

  /** PostgreSQL's COLLATE "C" on a UTF-8 database compares the bytes. */
  @Property(tries = 3000)
  void postgresOrderIsTheOrderOfTheUtf8Bytes(@ForAll("keys") String a, @ForAll("keys") String b) {
    int bytes =
        Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    assertThat(Integer.signum(Dialect.POSTGRES.compareKeys(a, b))).isEqualTo(Integer.signum(bytes));
  }

  @Provide
  Arbitrary<String> keys() {
    // ASCII, the BMP above the surrogates, and supplementary characters, in short strings so that
    // common prefixes are frequent
    Arbitrary<String> chars =
        Arbitraries.oneOf(
            Arbitraries.strings().withCharRange('a', 'c').ofLength(1),
            Arbitraries.strings().withCharRange('\uE000', '\uFFFD').ofLength(1),
            Arbitraries.integers()
                .between(0x10000, 0x10FFFF)
                .map(cp -> new String(Character.toChars(cp))));
    return chars.list().ofMaxSize(4).map(parts -> String.join("", parts));
  }
}
