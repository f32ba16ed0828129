package io.stateserver.connection;

import static io.stateserver.support.SyncClient.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PROTOCOL.md section 5: every error code with its exact trigger; a bad request is answered, never
 * closes the connection and never changes state.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ErrorCodesIT {
  private static final int MAX_VALUE_BYTES = 1024;
  private static final int MAX_SUBSCRIPTIONS = 3;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.maxValueBytes=" + MAX_VALUE_BYTES,
          "--limits.maxSubscriptions=" + MAX_SUBSCRIPTIONS);

  private static SyncClient admin(Vertx vertx) {
    return SyncClient.connect(vertx, server.port(), server.adminToken());
  }

  private static SyncClient device(Vertx vertx, String id) {
    return SyncClient.connect(vertx, server.port(), server.token(id, "device"));
  }

  /** Asserts a failed reply with the code and a message that leaks no stack trace. */
  private static JsonObject assertError(JsonObject reply, String code) {
    assertThat(reply.getString("type")).isEqualTo("reply");
    assertThat(reply.getBoolean("ok")).as("reply %s", reply).isFalse();
    JsonObject error = reply.getJsonObject("error");
    assertThat(error.getString("code")).as("reply %s", reply).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank().doesNotContain("\tat ", "Exception");
    return error;
  }

  /** The connection still answers and the key still holds what it held. */
  private static void assertUnharmed(SyncClient c, String key, Object value, long version) {
    assertThat(c.isClosed()).isFalse();
    JsonObject get = c.call("get", "key", key);
    assertThat(get.getBoolean("ok")).isTrue();
    assertThat(get.getValue("value")).isEqualTo(value);
    assertThat(get.getLong("version")).isEqualTo(version);
  }

  // ---- bad_request ----

  @Test
  void framesThatAreNotJsonObjectsAreBadRequestsWithNullId(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      List<String> bad = List.of("{\"op\":", "not json", "[1,2]", "\"ping\"", "42", "null", "");
      bad.forEach(c::sendRaw);
      List<JsonObject> replies = c.nullIdReplies(bad.size());
      assertThat(replies).hasSize(bad.size());
      replies.forEach(r -> assertError(r, "bad_request"));
      assertThat(c.call("ping").getBoolean("ok")).isTrue();
    }
  }

  @Test
  void idOfWrongTypeIsBadRequestAnsweredWithNullId(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      List<String> bad =
          List.of(
              "{\"op\":\"ping\",\"id\":{\"a\":1}}",
              "{\"op\":\"ping\",\"id\":[1]}",
              "{\"op\":\"ping\",\"id\":true}",
              "{\"op\":\"ping\",\"id\":1.5}");
      bad.forEach(c::sendRaw);
      List<JsonObject> replies = c.nullIdReplies(bad.size());
      replies.forEach(r -> assertError(r, "bad_request"));
      assertThat(c.frames(f -> "reply".equals(f.getString("type")) && f.getValue("id") != null))
          .isEmpty();
    }
  }

  @Test
  void aWholeIdWrittenWithAnExponentIsEchoedAsTheIntegerAndOneBeyond64BitsIsABadRequest(
      Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.sendRaw("{\"op\":\"ping\",\"id\":1E17}");
      JsonObject reply = c.reply(100_000_000_000_000_000L);
      assertThat(reply.getBoolean("ok")).isTrue();
      // an integer literal on the wire, not 1.0E17
      assertThat(reply.getValue("id")).isEqualTo(100_000_000_000_000_000L);
      c.sendRaw("{\"op\":\"ping\",\"id\":1E19}");
      assertError(c.nullIdReplies(1).get(0), "bad_request");
    }
  }

  @Test
  void missingOrMistypedOpIsBadRequestWithTheId(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.sendRaw("{\"id\":\"no-op\"}");
      assertError(c.reply("no-op"), "bad_request");
      c.sendRaw("{\"id\":\"num-op\",\"op\":7}");
      assertError(c.reply("num-op"), "bad_request");
    }
  }

  @Test
  void missingOrMistypedFieldsAreBadRequestsAndChangeNothing(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "bad/k", "value", "orig");
      List<JsonObject> bad =
          List.of(
              request("get"),
              request("get", "key", 5),
              request("set", "key", "bad/k"),
              request("set", "value", 1),
              request("set", "key", "bad/k", "value", 1, "ifVersion", -1),
              request("set", "key", "bad/k", "value", 1, "ifVersion", "1"),
              request("set", "key", "bad/k", "value", 1, "ifVersion", 1.5),
              request("set", "key", "bad/k", "value", 1, "ephemeral", "yes"),
              request("set", "key", "bad/k", "value", 1, "ttlMs", 0),
              request("set", "key", "bad/k", "value", 1, "ttlMs", "soon"),
              request("patch", "key", "bad/k"),
              request("delete"),
              request("delete", "key", "bad/k", "ifVersion", "x"),
              request("list"),
              request("list", "pattern", "bad/#", "limit", 0),
              request("list", "pattern", "bad/#", "limit", "ten"),
              request("list", "pattern", "bad/#", "after", 3),
              request("sub"),
              request("sub", "pattern", "bad/#", "known", "all"),
              request("sub", "pattern", "bad/#", "known", new JsonObject().put("bad/k", "one")),
              request("sub", "pattern", "bad/#", "known", new JsonObject().put("bad/k", -1)),
              request("unsub"),
              request("unsub", "sub", 1),
              request("auth"),
              request("auth", "token", 1));
      for (JsonObject req : bad) {
        JsonObject reply = c.sendAndReply(req);
        assertThat(reply.getJsonObject("error")).as("reply to %s: %s", req, reply).isNotNull();
        assertThat(reply.getJsonObject("error").getString("code"))
            .as("reply to %s: %s", req, reply)
            .isEqualTo("bad_request");
        assertError(reply, "bad_request");
      }
      assertUnharmed(c, "bad/k", "orig", 1);
      assertThat(c.call("list", "pattern", "bad/#").getJsonArray("entries")).hasSize(1);
    }
  }

  @Test
  void tooDeeplyNestedRequestIsBadRequestAnsweredWithItsId(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      String deep = "[".repeat(100) + "]".repeat(100);
      c.sendRaw("{\"op\":\"set\",\"id\":\"deep\",\"key\":\"bad/deep\",\"value\":" + deep + "}");
      assertError(c.reply("deep"), "bad_request");
      // deeper than any parser allows: no id can be read, so it is answered with id null
      String abyss = "[".repeat(5000) + "]".repeat(5000);
      c.sendRaw("{\"op\":\"set\",\"id\":\"abyss\",\"value\":" + abyss + "}");
      assertError(c.nullIdReplies(1).get(0), "bad_request");
      assertThat(c.call("get", "key", "bad/deep").getBoolean("exists")).isFalse();
    }
  }

  @Test
  void numbersBeyondDoubleRangeAreBadRequestsNotSilentlyChanged(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "bad/num", "value", 1);
      c.sendRaw("{\"op\":\"set\",\"id\":\"inf\",\"key\":\"bad/num\",\"value\":1e400}");
      assertError(c.reply("inf"), "bad_request");
      c.sendRaw(
          "{\"op\":\"patch\",\"id\":\"ninf\",\"key\":\"bad/num\",\"patch\":{\"a\":[-1e999]}}");
      assertError(c.reply("ninf"), "bad_request");
      assertUnharmed(c, "bad/num", 1, 1);
      c.sendRaw("{\"op\":\"set\",\"id\":\"max\",\"key\":\"bad/num\",\"value\":1e308}");
      assertThat(c.reply("max").getBoolean("ok")).isTrue();
      assertThat(c.call("get", "key", "bad/num").getDouble("value")).isEqualTo(1e308);
    }
  }

  // ---- unknown_op ----

  @Test
  void unknownOpIsUnknownOp(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      assertError(c.call("frobnicate"), "unknown_op");
      assertError(c.call("GET", "key", "x"), "unknown_op");
      assertThat(c.call("ping").getBoolean("ok")).isTrue();
    }
  }

  // ---- invalid_key / invalid_pattern ----

  @Test
  void badKeysAreInvalidKeyForEveryKeyedOp(Vertx vertx) {
    List<String> badKeys =
        List.of(
            "",
            "/a",
            "a/",
            "a//b",
            "/",
            "a/+/b",
            "a/#",
            "#",
            "+",
            "a+b",
            "a#",
            "a\u0001b",
            "tab\tkey",
            "x".repeat(257),
            "\u00e9".repeat(129));
    try (SyncClient c = admin(vertx)) {
      for (String key : badKeys) {
        assertError(c.call("get", "key", key), "invalid_key");
        assertError(c.call("set", "key", key, "value", 1), "invalid_key");
        assertError(c.call("patch", "key", key, "patch", new JsonObject()), "invalid_key");
        assertError(c.call("delete", "key", key), "invalid_key");
      }
      assertError(c.call("list", "pattern", "#", "after", "a//b"), "invalid_key");
      // the longest key is fine
      assertThat(c.call("set", "key", "x".repeat(256), "value", 1).getBoolean("ok")).isTrue();
      assertThat(c.call("set", "key", "\u00e9".repeat(128), "value", 1).getBoolean("ok")).isTrue();
    }
  }

  @Test
  void badPatternsAreInvalidPatternForListAndSub(Vertx vertx) {
    List<String> badPatterns =
        List.of("", "/a", "a/", "a//b", "a/b#", "a/#/b", "#/a", "a+", "+a/b", "a\u0000");
    try (SyncClient c = admin(vertx)) {
      for (String pattern : badPatterns) {
        assertError(c.call("list", "pattern", pattern), "invalid_pattern");
        assertError(c.call("sub", "pattern", pattern), "invalid_pattern");
      }
      assertThat(c.call("sub", "pattern", "+/x/#").getBoolean("ok")).isTrue();
    }
  }

  // ---- too_large ----

  @Test
  void valueOverMaxValueBytesIsTooLargeAndValueAtTheLimitIsAccepted(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "big/k", "value", "small");
      // a JSON string's encoding is its text plus two quotes
      String atLimit = "a".repeat(MAX_VALUE_BYTES - 2);
      String overLimit = "a".repeat(MAX_VALUE_BYTES - 1);
      assertError(c.call("set", "key", "big/k", "value", overLimit), "too_large");
      assertError(
          c.call("set", "key", "big/k", "value", "\u00e9".repeat(MAX_VALUE_BYTES / 2)),
          "too_large");
      assertError(
          c.call("patch", "key", "big/k", "patch", new JsonObject().put("p", overLimit)),
          "too_large");
      assertUnharmed(c, "big/k", "small", 1);
      assertThat(c.call("set", "key", "big/k", "value", atLimit).getLong("version")).isEqualTo(2);
    }
  }

  @Test
  void patchWhoseMergedValueExceedsTheLimitIsTooLarge(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      String half = "b".repeat(MAX_VALUE_BYTES / 2);
      c.call("set", "key", "big/merge", "value", new JsonObject().put("a", half));
      assertError(
          c.call("patch", "key", "big/merge", "patch", new JsonObject().put("b", half)),
          "too_large");
      assertUnharmed(c, "big/merge", new JsonObject().put("a", half), 1);
    }
  }

  // ---- not_found / version_conflict ----

  @Test
  void notFoundForDeleteOfAbsentKeyAndUnknownSubscription(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      assertError(c.call("delete", "key", "nf/absent"), "not_found");
      assertError(c.call("unsub", "sub", "nope"), "not_found");
    }
  }

  @Test
  void versionConflictCarriesTheCurrentVersion(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "vc/k", "value", 1);
      JsonObject error =
          assertError(c.call("set", "key", "vc/k", "value", 2, "ifVersion", 0), "version_conflict");
      assertThat(error.getLong("version")).isEqualTo(1);
      assertUnharmed(c, "vc/k", 1, 1);
    }
  }

  // ---- forbidden ----

  @Test
  void deviceOutsideItsRulesIsForbidden(Vertx vertx) {
    try (SyncClient admin = admin(vertx);
        SyncClient d = device(vertx, "pi-9")) {
      admin.call("set", "key", "devices/pi-8/x", "value", "other");
      admin.call("set", "key", "config/site", "value", "cfg");
      assertError(d.call("get", "key", "devices/pi-8/x"), "forbidden");
      assertError(d.call("set", "key", "devices/pi-8/x", "value", 1), "forbidden");
      assertError(d.call("delete", "key", "devices/pi-8/x"), "forbidden");
      assertError(d.call("patch", "key", "devices/pi-8/x", "patch", new JsonObject()), "forbidden");
      assertError(d.call("set", "key", "config/site", "value", 1), "forbidden");
      assertError(d.call("list", "pattern", "#"), "forbidden");
      assertError(d.call("list", "pattern", "devices/+/x"), "forbidden");
      assertError(d.call("sub", "pattern", "devices/#"), "forbidden");
      assertError(d.call("get", "key", "$sys/clients/pi-9"), "forbidden");
      assertUnharmed(admin, "devices/pi-8/x", "other", 1);
      assertUnharmed(admin, "config/site", "cfg", 1);
      // what the rules allow
      assertThat(d.call("get", "key", "config/site").getString("value")).isEqualTo("cfg");
      assertThat(d.call("set", "key", "devices/pi-9/t", "value", 1).getBoolean("ok")).isTrue();
      assertThat(d.call("sub", "pattern", "devices/pi-9/#").getBoolean("ok")).isTrue();
      assertThat(d.call("list", "pattern", "config/#").getBoolean("ok")).isTrue();
    }
  }

  @Test
  void nobodyWritesSystemKeysNotEvenAdmin(Vertx vertx) {
    try (SyncClient admin = admin(vertx)) {
      assertError(admin.call("set", "key", "$sys/clients/x", "value", 1), "forbidden");
      assertError(admin.call("patch", "key", "$sys/x", "patch", new JsonObject()), "forbidden");
      assertError(admin.call("delete", "key", "$sys/clients/admin-1"), "forbidden");
      assertError(admin.call("set", "key", "$other", "value", 1), "forbidden");
      JsonObject presence = admin.call("get", "key", "$sys/clients/admin-1");
      assertThat(presence.getBoolean("exists")).isTrue();
    }
  }

  @Test
  void wildcardFirstPatternNeverMatchesSystemKeys(Vertx vertx) {
    try (SyncClient admin = admin(vertx)) {
      assertThat(admin.call("get", "key", "$sys/clients/admin-1").getBoolean("exists")).isTrue();
      JsonObject all = admin.call("list", "pattern", "#", "limit", 10000);
      assertThat(all.getJsonArray("entries").stream().map(e -> ((JsonObject) e).getString("key")))
          .noneMatch(k -> k.startsWith("$"));
      JsonObject sys = admin.call("list", "pattern", "$sys/#");
      assertThat(sys.getJsonArray("entries")).isNotEmpty();
    }
  }

  // ---- limit_exceeded ----

  @Test
  void moreSubscriptionsThanTheLimitIsLimitExceeded(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      String first = null;
      for (int i = 0; i < MAX_SUBSCRIPTIONS; i++) {
        JsonObject sub = c.call("sub", "pattern", "lim/" + i);
        assertThat(sub.getBoolean("ok")).isTrue();
        first = first == null ? sub.getString("sub") : first;
      }
      assertError(c.call("sub", "pattern", "lim/over"), "limit_exceeded");
      // the refused subscription follows nothing
      c.call("set", "key", "lim/over", "value", 1);
      c.call("set", "key", "lim/1", "value", 1);
      c.change("lim/1", 1);
      assertThat(c.changes("lim/over")).isEmpty();
      assertThat(c.call("unsub", "sub", first).getBoolean("ok")).isTrue();
      assertThat(c.call("sub", "pattern", "lim/again").getBoolean("ok")).isTrue();
    }
  }

  @Test
  void limitsAreAnnouncedInHello(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      JsonObject limits = c.hello().getJsonObject("limits");
      assertThat(limits.getInteger("maxValueBytes")).isEqualTo(MAX_VALUE_BYTES);
      assertThat(limits.getInteger("maxSubscriptions")).isEqualTo(MAX_SUBSCRIPTIONS);
    }
  }

  // ---- unauthorized (auth op) ----

  @Test
  void authWithAnInvalidTokenIsUnauthorizedAndKeepsTheConnection(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      assertError(c.call("auth", "token", "not.a.jwt"), "unauthorized");
      assertThat(c.call("set", "key", "auth/k", "value", 1).getBoolean("ok")).isTrue();
    }
  }
}
