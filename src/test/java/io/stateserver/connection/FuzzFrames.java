package io.stateserver.connection;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Random and mutated text frames that are all, by construction, requests the server must refuse:
 * malformed or truncated JSON, wrong field types, numbers beyond range, keys and patterns that are
 * not valid, nesting beyond the limit, unknown ops, values over the size limit, and well-formed
 * requests that fail (absent key, version mismatch, unknown subscription, bad token, writes to
 * {@code $} keys). None of them may change state, whoever sends it.
 */
final class FuzzFrames {
  static final List<String> OPS =
      List.of("get", "set", "patch", "delete", "list", "sub", "unsub", "ping", "auth");
  private static final Object[] WRONG_TYPES = {
    123, true, new JsonArray().add("a"), new JsonObject().put("k", 1), 1.5, -1
  };
  private static final String[] BAD_KEYS = {
    // (unpaired surrogates go as JSON escapes, see loneSurrogate: Java would encode them as '?')
    "",
    "/a",
    "a/",
    "a//b",
    "a/+/b",
    "#",
    "a#",
    "a\u0000b",
    "x\u2028y",
    "x\u001fy",
    "k".repeat(257),
    "é".repeat(129),
    "a/b\u007f",
    "a/b\u0085"
  };
  private static final String[] BAD_PATTERNS = {"", "a/#/b", "a+", "##", "a//#", "/#", "+a/b"};

  /** Numbers no double holds: refused as values. */
  private static final String[] INFINITE_NUMBERS = {"1e400", "-1e400", "1e999999"};

  /** Numbers no long holds: refused as versions, limits and ids. */
  private static final String[] HUGE_NUMBERS = {
    "1e400",
    "-1e400",
    "1e999999",
    "123456789012345678901234567890",
    "-9223372036854775809",
    "9223372036854775808"
  };

  private final Random random;
  private final int maxValueBytes;
  private final List<String> existingKeys;
  private long ids;

  FuzzFrames(long seed, int maxValueBytes, List<String> existingKeys) {
    this.random = new Random(seed);
    this.maxValueBytes = maxValueBytes;
    this.existingKeys = existingKeys;
  }

  /** The bytes of the next text frame (usually UTF-8, sometimes not). */
  byte[] next() {
    return switch (random.nextInt(12)) {
      case 0 -> utf8(truncated());
      case 1 -> garbage();
      case 2 -> utf8(wrongType().encode());
      case 3 -> utf8(hugeNumber());
      case 4 -> utf8(badKeyOrPattern().encode());
      case 5 -> utf8(deep());
      case 6 -> utf8(unknownOp().encode());
      case 7 -> utf8(tooLarge().encode());
      case 8 -> utf8(failingButWellFormed().encode());
      case 9 -> utf8(mutated());
      case 10 -> utf8(random.nextBoolean() ? badId() : loneSurrogate());
      default -> utf8(missingField().encode());
    };
  }

  // ---- categories ----

  /** A strict prefix of a valid request: never a whole JSON object. */
  private String truncated() {
    String text = valid().encode();
    return text.substring(0, 1 + random.nextInt(text.length() - 1));
  }

  private byte[] garbage() {
    int n = random.nextInt(200);
    byte[] b = new byte[n + 1];
    random.nextBytes(b);
    if (random.nextBoolean()) {
      b[0] = (byte) 0xFF; // never UTF-8: decoded with a replacement character, never '{'
      return b;
    }
    StringBuilder s = new StringBuilder("x");
    for (int i = 0; i < n; i++) {
      s.appendCodePoint(randomCodePoint());
    }
    return utf8(s.toString());
  }

  private JsonObject wrongType() {
    Object wrong = WRONG_TYPES[random.nextInt(WRONG_TYPES.length)];
    return switch (random.nextInt(9)) {
      case 0 -> withId("get").put("key", wrong);
      case 1 -> withId("set").put("key", wrong).put("value", 1);
      case 2 ->
          withId("set")
              .put("key", existingKey())
              .put("value", 1)
              .put("ifVersion", pick("1", -1, 1.5, true, new JsonArray()));
      case 3 ->
          withId("set")
              .put("key", existingKey())
              .put("value", 1)
              .put("ttlMs", pick(0, -5, "5", 2.5));
      case 4 ->
          withId("set")
              .put("key", existingKey())
              .put("value", 1)
              .put("ephemeral", pick("true", 1, new JsonObject()));
      case 5 ->
          withId("list").put("pattern", "fuzz/#").put("limit", pick(0, -1, 100_001, "10", 1.5));
      case 6 ->
          withId("sub")
              .put("pattern", "fuzz/#")
              .put(
                  "known",
                  pick(
                      new JsonArray(),
                      "x",
                      new JsonObject().put("fuzz/k1", -1),
                      new JsonObject().put("fuzz/k1", "1")));
      case 7 -> withId("unsub").put("sub", pick(5, true, new JsonArray()));
      default ->
          withId("patch")
              .put("key", existingKey())
              .put("patch", new JsonObject())
              .put("ifVersion", pick("2", -3));
    };
  }

  private String hugeNumber() {
    String n = HUGE_NUMBERS[random.nextInt(HUGE_NUMBERS.length)];
    String inf = INFINITE_NUMBERS[random.nextInt(INFINITE_NUMBERS.length)];
    return switch (random.nextInt(5)) {
      case 0 ->
          "{\"op\":\"set\",\"id\":"
              + (++ids)
              + ",\"key\":\""
              + existingKey()
              + "\",\"value\":"
              + inf
              + "}";
      case 1 ->
          "{\"op\":\"patch\",\"key\":\"" + existingKey() + "\",\"patch\":{\"a\":[" + inf + "]}}";
      case 2 -> "{\"op\":\"get\",\"id\":" + n + ",\"key\":\"" + existingKey() + "\"}";
      case 3 ->
          "{\"op\":\"set\",\"key\":\"" + existingKey() + "\",\"value\":1,\"ifVersion\":" + n + "}";
      default -> "{\"op\":\"list\",\"pattern\":\"#\",\"limit\":" + n + "}";
    };
  }

  private JsonObject badKeyOrPattern() {
    String key = BAD_KEYS[random.nextInt(BAD_KEYS.length)];
    String pattern = BAD_PATTERNS[random.nextInt(BAD_PATTERNS.length)];
    return switch (random.nextInt(7)) {
      case 0 -> withId("get").put("key", key);
      case 1 -> withId("set").put("key", key).put("value", "v");
      case 2 -> withId("delete").put("key", key);
      case 3 -> withId("patch").put("key", key).put("patch", new JsonObject());
      case 4 -> withId("sub").put("pattern", pattern);
      case 5 -> withId("list").put("pattern", pattern);
      default -> withId("list").put("pattern", "fuzz/#").put("after", key);
    };
  }

  private String deep() {
    int depth = 65 + random.nextInt(3000);
    String open = random.nextBoolean() ? "[" : "{\"a\":";
    String close = open.equals("[") ? "]" : "}";
    return "{\"op\":\"set\",\"id\":"
        + (++ids)
        + ",\"key\":\""
        + existingKey()
        + "\",\"value\":"
        + open.repeat(depth)
        + "0"
        + close.repeat(depth)
        + "}";
  }

  private JsonObject unknownOp() {
    JsonObject o = new JsonObject();
    if (random.nextInt(3) > 0) {
      o.put("id", ++ids);
    }
    switch (random.nextInt(4)) {
      case 0 -> o.put("op", "x" + randomString(10));
      case 1 -> o.put("op", pick(1, new JsonArray(), new JsonObject(), false));
      case 2 -> o.putNull("op");
      default -> {
        // no op at all
      }
    }
    return o.put("key", existingKey()).put("value", 1);
  }

  private JsonObject tooLarge() {
    String big = "z".repeat(maxValueBytes + 1 + random.nextInt(1000));
    return random.nextBoolean()
        ? withId("set").put("key", existingKey()).put("value", big)
        : withId("patch").put("key", existingKey()).put("patch", new JsonObject().put("b", big));
  }

  private JsonObject failingButWellFormed() {
    return switch (random.nextInt(7)) {
      case 0 -> withId("delete").put("key", existingKey() + "/absent");
      case 1 -> withId("set").put("key", existingKey()).put("value", 2).put("ifVersion", 1_000_000);
      case 2 -> withId("set").put("key", existingKey()).put("value", 2).put("ifVersion", 0);
      case 3 -> withId("unsub").put("sub", "no-such-" + randomString(5));
      case 4 -> withId("auth").put("token", "a.b.c");
      case 5 -> withId("set").put("key", "$sys/clients/x").put("value", 1);
      default -> withId("delete").put("key", existingKey()).put("ifVersion", 1_000_000);
    };
  }

  /** A valid request with a raw control character put somewhere: never valid JSON. */
  private String mutated() {
    String text = valid().encode();
    int at = 1 + random.nextInt(text.length() - 1);
    char control = (char) (1 + random.nextInt(8));
    String out = text.substring(0, at) + control + text.substring(at);
    return random.nextBoolean() ? out : "[" + text.substring(1); // or an array, not an object
  }

  private String badId() {
    String id =
        (String) pick("true", "{}", "[1]", "1.5", "1e30", "\"\"x", "99999999999999999999999");
    return "{\"op\":\"get\",\"id\":" + id + ",\"key\":\"" + existingKey() + "/absent\"}";
  }

  /** A key or pattern holding an unpaired surrogate, which has no UTF-8 form. */
  private String loneSurrogate() {
    String bad = (String) pick("lone\\ud800", "\\udc00x", "a/\\udbff/b", "\\ude00\\ud83d");
    return random.nextBoolean()
        ? "{\"op\":\"set\",\"id\":" + (++ids) + ",\"key\":\"" + bad + "\",\"value\":1}"
        : "{\"op\":\"sub\",\"pattern\":\"" + bad + "/#\"}";
  }

  private JsonObject missingField() {
    return switch (random.nextInt(6)) {
      case 0 -> withId("get");
      case 1 -> withId("set").put("key", existingKey());
      case 2 -> withId("patch").put("key", existingKey());
      case 3 -> withId("list");
      case 4 -> withId("sub");
      default -> withId("auth");
    };
  }

  // ---- helpers ----

  /** A valid request (only mutated or truncated before it is sent). */
  private JsonObject valid() {
    String op = OPS.get(random.nextInt(OPS.size()));
    JsonObject o = withId(op);
    return switch (op) {
      case "get", "delete" -> o.put("key", existingKey());
      case "set" ->
          o.put("key", existingKey()).put("value", new JsonObject().put("v", randomString(8)));
      case "patch" -> o.put("key", existingKey()).put("patch", new JsonObject().put("p", 1));
      case "list", "sub" -> o.put("pattern", "fuzz/#");
      case "unsub" -> o.put("sub", "s1");
      case "auth" -> o.put("token", "t.t.t");
      default -> o;
    };
  }

  private JsonObject withId(String op) {
    JsonObject o = new JsonObject().put("op", op);
    int how = random.nextInt(10);
    if (how < 6) {
      o.put("id", ++ids);
    } else if (how < 8) {
      o.put("id", "s-" + (++ids) + "-" + randomString(4));
    }
    return o;
  }

  private String existingKey() {
    return existingKeys.get(random.nextInt(existingKeys.size()));
  }

  private Object pick(Object... options) {
    return options[random.nextInt(options.length)];
  }

  private String randomString(int max) {
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      s.appendCodePoint(randomCodePoint());
    }
    return s.toString();
  }

  private int randomCodePoint() {
    return switch (random.nextInt(5)) {
      case 0 -> 0x20 + random.nextInt(0x5f);
      case 1 -> random.nextInt(0x20);
      case 2 -> 0x80 + random.nextInt(0x780);
      case 3 -> 0x1F600 + random.nextInt(0x50);
      default -> 0x3000 + random.nextInt(0x1000);
    };
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
