package io.stateserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeysTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "a/b/c",
        "devices/dev-1/temperature",
        "$sys/clients/x",
        "$",
        "with space/and.dots/..",
        "ünïcödé/日本語",
        "emoji/\uD83D\uDE00",
        "a\u200Bb"
      })
  void acceptsWellFormedKeys(String key) {
    assertThat(Keys.validate(key)).isSameAs(key);
    assertThat(Keys.isValid(key)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/a",
        "a/",
        "/",
        "a//b",
        "a/+",
        "a/#",
        "a+b",
        "#",
        "a\u0000b",
        "a\nb",
        "tab\there",
        "del\u007f",
        "c1\u0085",
        "line\u2028sep",
        "para\u2029sep",
        "lone\uD83D",
        "\uDE00lone",
        "swapped\uDE00\uD83D"
      })
  void refusesMalformedKeysWithInvalidKey(String key) {
    assertThatThrownBy(() -> Keys.validate(key))
        .isInstanceOfSatisfying(
            StateException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_KEY);
              assertThat(e.getMessage()).isNotBlank();
            });
    assertThat(Keys.isValid(key)).isFalse();
  }

  @Test
  void refusesNullWithInvalidKey() {
    assertThatThrownBy(() -> Keys.validate(null))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_KEY));
  }

  @Test
  void measuresLengthInUtf8BytesNotChars() {
    assertThat(Keys.validate("a".repeat(256))).hasSize(256);
    assertThat(Keys.isValid("a".repeat(257))).isFalse();
    // 'é' is two bytes: 128 of them are 256 bytes, one more 'a' is too many.
    assertThat(Keys.isValid("é".repeat(128))).isTrue();
    assertThat(Keys.isValid("é".repeat(128) + "a")).isFalse();
    // '日' is three bytes: 85 fit (255 bytes), 86 do not (258 bytes) though only 86 chars.
    assertThat(Keys.isValid("日".repeat(85))).isTrue();
    assertThat(Keys.isValid("日".repeat(86))).isFalse();
    // a surrogate pair is four bytes
    assertThat(Keys.isValid("\uD83D\uDE00".repeat(64))).isTrue();
    assertThat(Keys.isValid("\uD83D\uDE00".repeat(64) + "a")).isFalse();
  }

  @Test
  void messageSaysWhatIsWrong() {
    assertThatThrownBy(() -> Keys.validate("a//b")).hasMessageContaining("empty segment");
    assertThatThrownBy(() -> Keys.validate("a/")).hasMessageContaining("end with '/'");
    assertThatThrownBy(() -> Keys.validate("a/#")).hasMessageContaining("wildcard");
    assertThatThrownBy(() -> Keys.validate("x".repeat(300))).hasMessageContaining("256");
  }

  @Test
  void systemKeysStartWithDollar() {
    assertThat(Keys.isSystem("$sys/clients/a")).isTrue();
    assertThat(Keys.isSystem("sys/$")).isFalse();
  }

  @Property(tries = 3000)
  void agreesWithStraightforwardDefinition(@ForAll("keyLikeStrings") String candidate) {
    assertThat(Keys.isValid(candidate)).isEqualTo(referenceIsValid(candidate));
  }

  @Property(tries = 1000)
  void neverThrowsAnythingButInvalidKey(@ForAll String anything) {
    try {
      Keys.validate(anything);
    } catch (StateException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_KEY);
    }
  }

  /** The rules written the slow, obvious way. */
  static boolean referenceIsValid(String key) {
    if (key == null || !StandardCharsets.UTF_8.newEncoder().canEncode(key)) {
      return false;
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < 1 || bytes > 256) {
      return false;
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        return false;
      }
    }
    return key.chars()
        .noneMatch(
            c -> Character.isISOControl(c) || c == '+' || c == '#' || c == 0x2028 || c == 0x2029);
  }

  @Provide
  Arbitrary<String> keyLikeStrings() {
    Arbitrary<Character> tricky =
        Arbitraries.of(
            '/', '+', '#', '$', '\n', '\u0000', '\u007f', '\u0085', '\u2028', '\u2029', '\uD83D',
            '\uDE00', 'é', '日');
    Arbitrary<Character> plain = Arbitraries.chars().alpha();
    Arbitrary<Character> any = Arbitraries.frequencyOf(Tuple.of(6, plain), Tuple.of(3, tricky));
    Arbitrary<String> shortOnes = any.list().ofMaxSize(12).map(KeysTest::join);
    // mostly valid long keys, to probe the byte limit with multi-byte characters
    Arbitrary<Character> mostlyPlain =
        Arbitraries.frequencyOf(
            Tuple.of(30, plain),
            Tuple.of(2, Arbitraries.of('é', '日')),
            Tuple.of(1, Arbitraries.of('/')));
    Arbitrary<String> longOnes =
        mostlyPlain.list().ofMinSize(60).ofMaxSize(270).map(KeysTest::join);
    return Arbitraries.frequencyOf(Tuple.of(5, shortOnes), Tuple.of(1, longOnes));
  }

  private static String join(List<Character> chars) {
    StringBuilder sb = new StringBuilder(chars.size());
    chars.forEach(sb::append);
    return sb.toString();
  }
}
