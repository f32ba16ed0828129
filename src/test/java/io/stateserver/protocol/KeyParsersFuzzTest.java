package io.stateserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile input for the key and pattern parsers: on any string, {@link Keys#validate} and {@link
 * KeyPattern#parse} accept exactly what a definition written straight from PROTOCOL.md section 1
 * accepts, refuse everything else with {@code invalid_key} / {@code invalid_pattern} (nothing else
 * escapes), and what they accept round-trips through UTF-8 and through its segments.
 */
class KeyParsersFuzzTest {

  // ---- keys ----

  @Property(tries = 5000)
  void keyParserAgreesWithTheDefinitionAndThrowsOnlyInvalidKey(@ForAll("hostile") String text) {
    boolean expected = referenceKey(text);
    try {
      assertThat(Keys.validate(text)).isSameAs(text);
      assertThat(expected).as("accepted %s", printable(text)).isTrue();
    } catch (StateException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_KEY);
      assertThat(e.getMessage()).hasSizeLessThan(200);
      assertThat(expected).as("refused %s: %s", printable(text), e.getMessage()).isFalse();
    }
    assertThat(Keys.isValid(text)).isEqualTo(expected);
  }

  @Property(tries = 2000)
  void keyParserOnBytesFromTheWireThrowsOnlyInvalidKey(@ForAll("wireBytes") byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(Keys.isValid(text)).isEqualTo(referenceKey(text));
  }

  @Property(tries = 3000)
  void validKeysRoundTripThroughUtf8AndSegments(@ForAll("hostile") String text) {
    if (!Keys.isValid(text)) {
      return;
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    String back = new String(utf8, StandardCharsets.UTF_8);
    assertThat(back).isEqualTo(text);
    assertThat(Keys.validate(back)).isEqualTo(text);
    assertThat(String.join("/", text.split("/", -1))).isEqualTo(text);
    KeyPattern exact = KeyPattern.parse(text);
    assertThat(exact.isExact()).isTrue();
    assertThat(exact.literalPrefix()).isEqualTo(text);
    assertThat(exact.matches(text)).isTrue();
  }

  // ---- patterns ----

  @Property(tries = 5000)
  void patternParserAgreesWithTheDefinitionAndThrowsOnlyInvalidPattern(
      @ForAll("hostile") String text) {
    boolean expected = referencePattern(text);
    try {
      KeyPattern p = KeyPattern.parse(text);
      assertThat(expected).as("accepted %s", printable(text)).isTrue();
      assertThat(p.text()).isEqualTo(text);
      assertThat(String.join("/", p.segments())).isEqualTo(text);
      assertThat(KeyPattern.parse(p.toString())).isEqualTo(p);
      assertThat(p.isExact()).isEqualTo(Keys.isValid(text));
    } catch (StateException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PATTERN);
      assertThat(e.getMessage()).hasSizeLessThan(200);
      assertThat(expected).as("refused %s: %s", printable(text), e.getMessage()).isFalse();
    }
  }

  @Property(tries = 3000)
  void matchingAnyStringNeverThrowsAndAgreesWithTheDefinitionOnKeys(
      @ForAll("validPatterns") String pattern, @ForAll("hostile") String key) {
    KeyPattern p = KeyPattern.parse(pattern);
    boolean matched = p.matches(key);
    if (Keys.isValid(key)) {
      assertThat(matched).isEqualTo(referenceMatch(pattern, key));
    }
  }

  // ---- the definitions ----

  /** PROTOCOL.md section 1, read literally, plus the line separators the server also refuses. */
  static boolean referenceKey(String text) {
    return referenceShape(text, false);
  }

  static boolean referencePattern(String text) {
    return referenceShape(text, true);
  }

  private static boolean referenceShape(String text, boolean pattern) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    byte[] utf8;
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
      utf8 = Arrays.copyOf(b.array(), b.limit());
    } catch (CharacterCodingException e) {
      return false; // an unpaired surrogate has no UTF-8 form
    }
    if (utf8.length > 256) {
      return false;
    }
    boolean[] ok = {true};
    text.codePoints()
        .forEach(
            cp -> {
              if (Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029) {
                ok[0] = false;
              }
            });
    if (!ok[0]) {
      return false;
    }
    List<String> segments = Arrays.asList(text.split("/", -1));
    for (int i = 0; i < segments.size(); i++) {
      String s = segments.get(i);
      if (s.isEmpty()) {
        return false;
      }
      boolean wildcard = s.equals("+") || (s.equals("#") && i == segments.size() - 1);
      if (s.contains("+") || s.contains("#")) {
        if (!pattern || !wildcard) {
          return false;
        }
      }
    }
    return true;
  }

  static boolean referenceMatch(String pattern, String key) {
    List<String> p = Arrays.asList(pattern.split("/", -1));
    List<String> k = Arrays.asList(key.split("/", -1));
    if ((p.get(0).equals("+") || p.get(0).equals("#")) && key.startsWith("$")) {
      return false;
    }
    int i = 0;
    for (; i < p.size(); i++) {
      if (p.get(i).equals("#")) {
        return true;
      }
      if (i >= k.size() || !(p.get(i).equals("+") || p.get(i).equals(k.get(i)))) {
        return false;
      }
    }
    return i == k.size();
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder("\"");
    s.chars().forEach(c -> b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : (char) c));
    return b.append('"').toString();
  }

  // ---- generators ----

  /** Strings near the edges: wildcards, slashes, controls, surrogates, multi-byte near 256. */
  @Provide
  Arbitrary<String> hostile() {
    Arbitrary<String> alphabet =
        Arbitraries.strings()
            .withChars("ab/+#$ .\u0000\u001f\u007f\u0085\u00a0\u2028\u2029é日\uFEFF\u200B")
            .withChars('\uD83D', '\uDE00', '\uDBFF', '\uDC00')
            .ofMaxLength(20);
    Arbitrary<String> segments =
        Arbitraries.of("a", "b", "+", "#", "$sys", "", "a+", "#b", "é", "\uD83D\uDE00", "x\u0000")
            .list()
            .ofMaxSize(8)
            .map(l -> String.join("/", l));
    Arbitrary<String> nearTheByteLimit =
        Arbitraries.oneOf(
            Arbitraries.integers().between(120, 135).map("é"::repeat),
            Arbitraries.integers().between(80, 90).map("日"::repeat),
            Arbitraries.integers().between(60, 68).map("\uD83D\uDE00"::repeat),
            Arbitraries.integers().between(250, 260).map("a"::repeat));
    return Arbitraries.oneOf(
        alphabet,
        segments,
        nearTheByteLimit,
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().all().ofMaxLength(300));
  }

  @Provide
  Arbitrary<byte[]> wireBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<String> validPatterns() {
    return Arbitraries.of("a", "b", "+", "$sys", "é")
        .list()
        .ofMinSize(0)
        .ofMaxSize(4)
        .flatMap(
            l ->
                Arbitraries.of(true, false)
                    .map(multi -> l.isEmpty() ? "#" : String.join("/", l) + (multi ? "/#" : "")));
  }
}
