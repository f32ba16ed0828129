package io.stateserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Hostile input for the frame decoder: whatever text arrives, {@link RequestParser#parse} and the
 * field accessors of {@link Request} either succeed or refuse with {@code bad_request}; nothing
 * else escapes (no NullPointerException, ClassCastException, StackOverflowError...), and a refusal
 * never echoes the input. Input sizes are bounded, so every try ends.
 */
class RequestParserFuzzTest {
  private static final int MAX_DEPTH = 64;
  static final List<String> OPS =
      List.of("get", "set", "patch", "delete", "list", "sub", "unsub", "ping", "auth");
  static final List<String> FIELDS =
      List.of(
          "op",
          "id",
          "key",
          "value",
          "patch",
          "pattern",
          "ifVersion",
          "ttlMs",
          "ephemeral",
          "limit",
          "after",
          "known",
          "sub",
          "token");

  // ---- any text ----

  @Property(tries = 3000)
  void anyStringIsARequestOrABadRequest(@ForAll("anyText") String text) {
    decodeAndReadEveryField(text);
  }

  @Property(tries = 2000)
  void anyBytesDecodedAsTextAreARequestOrABadRequest(@ForAll("anyBytes") byte[] bytes) {
    // what the WebSocket layer hands over for text that is not valid UTF-8
    decodeAndReadEveryField(new String(bytes, StandardCharsets.UTF_8));
  }

  @Property(tries = 3000)
  void jsonTokenSoupIsARequestOrABadRequest(@ForAll("tokenSoup") String text) {
    decodeAndReadEveryField(text);
  }

  @Property(tries = 3000)
  void anyJsonObjectIsARequestOrABadRequestAndEveryFieldReadsOrRefuses(
      @ForAll("hostileRequests") JsonObject request) {
    decodeAndReadEveryField(request.encode());
  }

  @Property(tries = 3000)
  void mutatedValidRequestsAreRequestsOrBadRequests(
      @ForAll("validRequests") JsonObject request, @ForAll("mutations") List<Mutation> mutations) {
    String text = request.encode();
    for (Mutation m : mutations) {
      text = m.apply(text);
    }
    decodeAndReadEveryField(text);
  }

  @Property(tries = 300)
  void nestingBeyondTheLimitIsABadRequestAtAnyDepth(
      @ForAll @IntRange(min = MAX_DEPTH + 1, max = 5000) int depth,
      @ForAll boolean closed,
      @ForAll boolean objects) {
    String open = objects ? "{\"a\":" : "[";
    String close = objects ? "}" : "]";
    String text =
        "{\"op\":\"set\",\"id\":7,\"key\":\"k\",\"value\":"
            + open.repeat(depth)
            + "1"
            + (closed ? close.repeat(depth) + "}" : "");
    assertThatThrownBy(() -> RequestParser.parse(text, MAX_DEPTH))
        .isInstanceOfSatisfying(
            RequestParser.Rejected.class,
            r -> assertThat(r.error().code()).isEqualTo(ErrorCode.BAD_REQUEST));
  }

  // ---- valid input round-trips ----

  @Property(tries = 3000)
  void validRequestsRoundTrip(@ForAll("validRequests") JsonObject request) {
    Request parsed = RequestParser.parse(request.encode(), MAX_DEPTH);
    assertThat(parsed.op()).isEqualTo(request.getString("op"));
    Object id = request.getValue("id");
    if (id instanceof Number n) {
      assertThat(parsed.id()).isEqualTo(n.longValue());
    } else {
      assertThat(parsed.id()).isEqualTo(id);
    }
    assertThat(parsed.body()).isEqualTo(request);
    if (request.containsKey("key")) {
      assertThat(Keys.validate(parsed.requireString("key"))).isEqualTo(request.getString("key"));
    }
    if (request.containsKey("pattern")) {
      assertThat(KeyPattern.parse(parsed.requireString("pattern")).text())
          .isEqualTo(request.getString("pattern"));
    }
    if (request.containsKey("value")) {
      // wrapped, so that numbers compare by value whatever their boxed type
      assertThat(new JsonArray().add(parsed.anyValue("value")))
          .isEqualTo(new JsonArray().add(request.getValue("value")));
    }
    if (request.containsKey("ifVersion")) {
      assertThat(parsed.optionalNonNegativeLong("ifVersion"))
          .isEqualTo(request.getLong("ifVersion"));
    }
  }

  // ---- whole numbers, however written ----

  @Test
  void anIdWithNoFractionIsTheIntegerItWritesWhateverItsNotation() {
    Map<String, Long> ids = new LinkedHashMap<>();
    ids.put("1e2", 100L);
    ids.put("1.0", 1L);
    ids.put("1E17", 100_000_000_000_000_000L);
    ids.put("9.1e15", 9_100_000_000_000_000L);
    // a double reads it as 9007199254740992: it counts as written
    ids.put("9007199254740993.0", 9_007_199_254_740_993L);
    ids.put("9.223372036854775807E18", Long.MAX_VALUE);
    ids.put("-9223372036854775808.0", Long.MIN_VALUE);
    ids.put("-0.0", 0L);
    for (Map.Entry<String, Long> e : ids.entrySet()) {
      Request r = RequestParser.parse("{\"op\":\"ping\",\"id\":" + e.getKey() + "}", MAX_DEPTH);
      assertThat(r.id()).as("id %s", e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void anIdBeyond64BitsOrWithAFractionIsABadRequestWithoutId() {
    List<String> ids =
        List.of(
            "9223372036854775808",
            "9.223372036854775808E18",
            "1E19",
            "-9223372036854775809.0",
            "1.5",
            // a double reads it as 1.0
            "1.0000000000000000001",
            "1e-400",
            "1e400");
    for (String id : ids) {
      assertThatThrownBy(
              () -> RequestParser.parse("{\"op\":\"ping\",\"id\":" + id + "}", MAX_DEPTH))
          .as("id %s", id)
          .isInstanceOfSatisfying(
              RequestParser.Rejected.class,
              r -> {
                assertThat(r.error().code()).isEqualTo(ErrorCode.BAD_REQUEST);
                assertThat(r.id()).isNull();
              });
    }
  }

  @Test
  void integerFieldsAreReadAsWrittenToo() {
    Request r =
        RequestParser.parse(
            "{\"op\":\"set\",\"ifVersion\":9007199254740993.0,\"ttlMs\":1e3,\"limit\":1E2,"
                + "\"known\":{\"a\":1E17,\"b\":9007199254740993.0,\"c\":1.0000000000000000001}}",
            MAX_DEPTH);
    assertThat(r.optionalNonNegativeLong("ifVersion")).isEqualTo(9_007_199_254_740_993L);
    assertThat(r.optionalPositiveLong("ttlMs")).isEqualTo(1000L);
    assertThat(r.optionalPositiveLong("limit")).isEqualTo(100L);
    JsonObject known = r.optionalObject("known");
    assertThat(WholeNumbers.exact(known.getValue("a"))).isEqualTo(100_000_000_000_000_000L);
    assertThat(WholeNumbers.exact(known.getValue("b"))).isEqualTo(9_007_199_254_740_993L);
    assertThat(WholeNumbers.exact(known.getValue("c"))).isNull();
    Request fraction =
        RequestParser.parse(
            "{\"op\":\"set\",\"ifVersion\":1.0000000000000000001,\"ttlMs\":1E19}", MAX_DEPTH);
    assertThatThrownBy(() -> fraction.optionalNonNegativeLong("ifVersion"))
        .isInstanceOf(StateException.class);
    assertThatThrownBy(() -> fraction.optionalPositiveLong("ttlMs"))
        .isInstanceOf(StateException.class);
  }

  @Test
  void aFieldNamedTwiceIsReadAsTheLastOneAsJsonObjectsKeepIt() {
    assertThat(RequestParser.parse("{\"op\":\"ping\",\"id\":1.5,\"id\":2}", MAX_DEPTH).id())
        .isEqualTo(2L);
    assertThat(RequestParser.parse("{\"op\":\"ping\",\"id\":2,\"id\":3e0}", MAX_DEPTH).id())
        .isEqualTo(3L);
    assertThatThrownBy(
            () ->
                RequestParser.parse(
                    "{\"op\":\"ping\",\"id\":2,\"id\":1.0000000000000000001}", MAX_DEPTH))
        .isInstanceOf(RequestParser.Rejected.class);
    Request r =
        RequestParser.parse(
            "{\"op\":\"sub\",\"known\":{\"a\":1.0000000000000000001},"
                + "\"known\":{\"a\":1.5,\"a\":2.0,\"b\":3}}",
            MAX_DEPTH);
    assertThat(WholeNumbers.exact(r.optionalObject("known").getValue("a"))).isEqualTo(2L);
    assertThat(WholeNumbers.exact(r.optionalObject("known").getValue("b"))).isEqualTo(3L);
  }

  // ---- no hang on the largest frames ----

  @Test
  void megabyteFramesOfHostileShapesEndWithABadRequest() {
    List<String> shapes =
        List.of(
            "[".repeat(1 << 20),
            "{\"a\":".repeat(1 << 17),
            "\"" + "\\".repeat(1 << 20),
            "{\"op\":\"" + "\\u0000".repeat(1 << 17),
            "{\"id\":" + "9".repeat(1 << 20) + "}",
            "{\"op\":\"set\",\"value\":1" + "0".repeat(1 << 20) + "}",
            "{\"op\":\"set\",\"value\":1e" + "9".repeat(1 << 20) + "}",
            "{" + "\"a\":1,".repeat(1 << 17) + "\"op\":1}");
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (String text : shapes) {
            assertThatThrownBy(() -> RequestParser.parse(text, MAX_DEPTH))
                .as("frame starting %s", text.substring(0, 16))
                .isInstanceOfSatisfying(
                    RequestParser.Rejected.class,
                    r -> assertThat(r.error().code()).isEqualTo(ErrorCode.BAD_REQUEST));
          }
        });
  }

  // ---- the oracle ----

  /** Parses; on success reads every field every way a handler might. */
  static void decodeAndReadEveryField(String text) {
    Request request;
    try {
      request = RequestParser.parse(text, MAX_DEPTH);
    } catch (RequestParser.Rejected r) {
      assertThat(r.error().code()).isEqualTo(ErrorCode.BAD_REQUEST);
      assertSafeMessage(r.error());
      assertThat(r.id() == null || r.id() instanceof String || r.id() instanceof Long).isTrue();
      return;
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError("parser threw " + e + " for " + abbreviate(text), e);
    }
    if (request == null) {
      // a refusal that kept the id comes as Rejected too; a request is never null
      throw new AssertionError("parse returned null for " + abbreviate(text));
    }
    assertThat(request.op()).isNotNull();
    assertThat(request.id())
        .satisfiesAnyOf(
            id -> assertThat(id).isNull(),
            id -> assertThat(id).isInstanceOf(String.class),
            id -> assertThat(id).isInstanceOf(Long.class));
    for (String field : FIELDS) {
      readsOrRefuses(() -> request.requireString(field));
      readsOrRefuses(() -> request.optionalString(field));
      readsOrRefuses(() -> request.optionalNonNegativeLong(field));
      readsOrRefuses(() -> request.optionalPositiveLong(field));
      readsOrRefuses(() -> request.optionalBoolean(field));
      readsOrRefuses(() -> request.optionalObject(field));
      readsOrRefuses(() -> request.anyValue(field));
      request.has(field);
    }
    readsOrRefuses(
        () -> {
          String key = request.optionalString("key");
          return key == null ? null : Keys.validate(key);
        });
    readsOrRefuses(
        () -> {
          String pattern = request.optionalString("pattern");
          return pattern == null ? null : KeyPattern.parse(pattern);
        });
  }

  private static void readsOrRefuses(java.util.function.Supplier<Object> read) {
    try {
      read.get();
    } catch (StateException e) {
      assertThat(e.code())
          .isIn(ErrorCode.BAD_REQUEST, ErrorCode.INVALID_KEY, ErrorCode.INVALID_PATTERN);
      assertSafeMessage(e);
    }
  }

  static void assertSafeMessage(StateException e) {
    assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(200).doesNotContain("Exception");
    assertThat(e.getStackTrace()).isEmpty();
  }

  private static String abbreviate(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  // ---- generators ----

  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(300),
        Arbitraries.strings().withChars("{}[]\":,\\ 0123456789.eE+-truefalsnl").ofMaxLength(200),
        Arbitraries.strings().ascii().ofMaxLength(200).map(s -> "{" + s),
        Arbitraries.strings().all().ofMaxLength(100).map(s -> "{\"op\":\"" + s + "\"}"));
  }

  @Provide
  Arbitrary<byte[]> anyBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<String> tokenSoup() {
    Arbitrary<String> token =
        Arbitraries.of(
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"op\"",
            "\"id\"",
            "\"key\"",
            "\"value\"",
            "\"pattern\"",
            "\"known\"",
            "\"ifVersion\"",
            "\"set\"",
            "\"sub\"",
            "\"get\"",
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1.0",
            "1e400",
            "-1e400",
            "1e-400",
            "NaN",
            "Infinity",
            "12345678901234567890123",
            "9007199254740993",
            "0x10",
            "01",
            "\"\\ud800\"",
            "\"\\u0000\"",
            "\"a/b\"",
            "\"#\"",
            "\"+\"",
            "\"$sys/x\"",
            "'single'",
            "/*c*/",
            "\"",
            "\\",
            " ",
            "\n",
            "\uFEFF",
            "\u2028");
    return token.list().ofMaxSize(40).map(tokens -> String.join("", tokens));
  }

  /** Any JSON value, nested a little, with every awkward number and string. */
  static Arbitrary<Object> jsonValues(int depth) {
    Arbitrary<Object> scalars =
        Arbitraries.oneOf(
            Arbitraries.just(null),
            Arbitraries.of(true, false).map(b -> (Object) b),
            Arbitraries.integers().map(i -> (Object) i),
            Arbitraries.longs().map(l -> (Object) l),
            Arbitraries.doubles().map(d -> (Object) d),
            Arbitraries.of(
                (Object) new BigInteger("123456789012345678901234567890"),
                new BigInteger("-9223372036854775809"),
                new BigDecimal("1e400"),
                new BigDecimal("-1e-400"),
                new BigDecimal("0.30000000000000000000000000001"),
                Double.MAX_VALUE,
                -0.0,
                Long.MIN_VALUE,
                9.0e15),
            Arbitraries.strings().all().ofMaxLength(30).map(s -> (Object) s));
    if (depth == 0) {
      return scalars;
    }
    Arbitrary<Object> arrays =
        jsonValues(depth - 1).list().ofMaxSize(4).map(l -> (Object) new JsonArray(l));
    Arbitrary<Object> objects =
        Combinators.combine(
                Arbitraries.strings().all().ofMaxLength(8).list().ofMaxSize(4),
                jsonValues(depth - 1).list().ofSize(4))
            .as(
                (names, values) -> {
                  JsonObject o = new JsonObject();
                  for (int i = 0; i < names.size(); i++) {
                    o.put(names.get(i), values.get(i));
                  }
                  return (Object) o;
                });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, scalars),
        net.jqwik.api.Tuple.of(1, arrays),
        net.jqwik.api.Tuple.of(1, objects));
  }

  /** Objects whose fields have the protocol's names and any value of any type. */
  @Provide
  Arbitrary<JsonObject> hostileRequests() {
    Arbitrary<String> names =
        Arbitraries.oneOf(Arbitraries.of(FIELDS), Arbitraries.strings().all().ofMaxLength(10));
    Arbitrary<Object> ops =
        Arbitraries.oneOf(Arbitraries.of(OPS).map(o -> (Object) o), jsonValues(1));
    return Combinators.combine(
            ops, names.list().ofMaxSize(8), jsonValues(2).list().ofSize(8), Arbitraries.of(0, 1))
        .as(
            (op, fieldNames, values, withOp) -> {
              JsonObject o = new JsonObject();
              if (withOp == 1) {
                o.put("op", op);
              }
              for (int i = 0; i < fieldNames.size(); i++) {
                o.put(fieldNames.get(i), values.get(i));
              }
              return o;
            });
  }

  /** Well-formed requests of every op, with valid keys, patterns, ids and values. */
  @Provide
  Arbitrary<JsonObject> validRequests() {
    Arbitrary<Object> ids =
        Arbitraries.oneOf(
            Arbitraries.longs().map(l -> (Object) l),
            Arbitraries.strings().all().ofMaxLength(20).map(s -> (Object) s),
            Arbitraries.just(null));
    Arbitrary<Object> values =
        jsonValues(2)
            .filter(v -> !(v instanceof BigDecimal) && !(v instanceof BigInteger))
            .filter(v -> !(v instanceof Double d) || Double.isFinite(d));
    return Combinators.combine(
            Arbitraries.of(OPS),
            ids,
            KeyArbitraries.keys(),
            KeyArbitraries.patterns(),
            values,
            Arbitraries.longs().between(0, Long.MAX_VALUE))
        .as(
            (op, id, key, pattern, value, version) -> {
              JsonObject o = new JsonObject().put("op", op);
              if (id != null) {
                o.put("id", id);
              }
              switch (op) {
                case "get", "delete" -> o.put("key", key);
                case "set" -> o.put("key", key).put("value", value).put("ifVersion", version);
                case "patch" -> o.put("key", key).put("patch", value);
                case "list", "sub" -> o.put("pattern", pattern);
                case "unsub" -> o.put("sub", "s" + version);
                case "auth" -> o.put("token", "x.y.z");
                default -> {}
              }
              return o;
            });
  }

  /** A change of the text that keeps it short. */
  interface Mutation {
    String apply(String text);
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, 10_000);
    Arbitrary<String> inserted =
        Arbitraries.oneOf(
            Arbitraries.of(
                "{",
                "}",
                "[",
                "]",
                "\"",
                ",",
                ":",
                "\\",
                "null",
                "1e400",
                "-",
                "\u0000",
                "\uD800",
                "99999999999999999999999",
                "\"op\":1,",
                "\"id\":[],",
                "\"key\":{},",
                "[[[[[[[["),
            Arbitraries.strings().all().ofMaxLength(3));
    Arbitrary<Mutation> truncate = at.map(i -> t -> t.substring(0, Math.min(i, t.length())));
    Arbitrary<Mutation> delete =
        at.map(
            i ->
                t ->
                    t.isEmpty()
                        ? t
                        : t.substring(0, i % t.length()) + t.substring(i % t.length() + 1));
    Arbitrary<Mutation> insert =
        Combinators.combine(at, inserted)
            .as(
                (i, s) ->
                    (Mutation)
                        t -> {
                          int p = t.isEmpty() ? 0 : i % (t.length() + 1);
                          return t.substring(0, p) + s + t.substring(p);
                        });
    Arbitrary<Mutation> swapType =
        Arbitraries.of(
            (Mutation) t -> t.replace("\"key\":\"", "\"key\":[\""),
            t -> t.replace("\"op\":\"", "\"op\":{\"x\":\""),
            t -> t.replaceFirst("\"id\":(-?\\d+)", "\"id\":$1.5"),
            t -> t.replaceFirst("\"id\":(-?\\d+)", "\"id\":$1000000000000000000000"),
            t -> t.replaceFirst("\"ifVersion\":(\\d+)", "\"ifVersion\":-$1"),
            t -> t.replaceFirst("\"ifVersion\":(\\d+)", "\"ifVersion\":\"$1\""),
            t -> t.replace("\"pattern\":\"", "\"pattern\":null,\"x\":\""));
    return Arbitraries.oneOf(truncate, delete, insert, swapType).list().ofMinSize(1).ofMaxSize(4);
  }
}
