package io.stateserver.connection;

import static io.stateserver.support.SyncClient.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PROTOCOL.md section 3: every operation's success behaviour, replies, subscriptions. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class OperationsIT {
  @RegisterExtension static final SharedServer server = new SharedServer();

  private static SyncClient admin(Vertx vertx) {
    return SyncClient.connect(vertx, server.port(), server.adminToken());
  }

  /** An admin with its own client id, so that bulk tests do not share a rate budget. */
  private static SyncClient admin(Vertx vertx, String clientId) {
    return SyncClient.connect(vertx, server.port(), server.token(clientId, "admin"));
  }

  private static void assertOk(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).as("reply %s", reply).isTrue();
  }

  private static String errorCode(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).as("reply %s", reply).isFalse();
    return reply.getJsonObject("error").getString("code");
  }

  // ---- get / set ----

  @Test
  void getOfAbsentKeyAnswersNotExistsWithNullValueAndVersionZero(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      JsonObject get = c.call("get", "key", "ops/absent");
      assertOk(get);
      assertThat(get.getBoolean("exists")).isFalse();
      assertThat(get.containsKey("value")).isTrue();
      assertThat(get.getValue("value")).isNull();
      assertThat(get.getLong("version")).isZero();
    }
  }

  @Test
  void setAcceptsAnyJsonValueAndGetReturnsItWithItsVersion(Vertx vertx) {
    List<Object> values =
        List.of(
            new JsonObject().put("a", new JsonArray().add(1).add("x")),
            new JsonArray().add(true),
            "text",
            42,
            3.5,
            false);
    try (SyncClient c = admin(vertx)) {
      long expected = 0;
      for (Object value : values) {
        JsonObject set = c.call("set", "key", "ops/any", "value", value);
        assertOk(set);
        assertThat(set.getLong("version")).isEqualTo(++expected);
        JsonObject get = c.call("get", "key", "ops/any");
        assertThat(get.getBoolean("exists")).isTrue();
        assertThat(get.getValue("value")).isEqualTo(value);
        assertThat(get.getLong("version")).isEqualTo(expected);
      }
      // JSON null is a value too: the key exists and holds null
      JsonObject set = c.sendAndReply(request("set", "key", "ops/any").putNull("value"));
      assertOk(set);
      JsonObject get = c.call("get", "key", "ops/any");
      assertThat(get.getBoolean("exists")).isTrue();
      assertThat(get.getValue("value")).isNull();
    }
  }

  @Test
  void acknowledgedWriteIsVisibleToEveryOtherConnection(Vertx vertx) {
    try (SyncClient writer = admin(vertx);
        SyncClient reader = admin(vertx)) {
      long version = writer.call("set", "key", "ops/visible", "value", "v").getLong("version");
      JsonObject get = reader.call("get", "key", "ops/visible");
      assertThat(get.getString("value")).isEqualTo("v");
      assertThat(get.getLong("version")).isEqualTo(version);
    }
  }

  @Test
  void setWithIfVersionZeroOnlyCreates(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      JsonObject created = c.call("set", "key", "ops/cas0", "value", 1, "ifVersion", 0);
      assertOk(created);
      assertThat(created.getLong("version")).isEqualTo(1);
      JsonObject again = c.call("set", "key", "ops/cas0", "value", 2, "ifVersion", 0);
      assertThat(errorCode(again)).isEqualTo("version_conflict");
      assertThat(again.getJsonObject("error").getLong("version")).isEqualTo(1);
      assertThat(c.call("get", "key", "ops/cas0").getInteger("value")).isEqualTo(1);
    }
  }

  @Test
  void setWithIfVersionNeedsExactlyThatVersionAndConflictCarriesCurrentVersion(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      JsonObject onAbsent = c.call("set", "key", "ops/casn", "value", 1, "ifVersion", 3);
      assertThat(errorCode(onAbsent)).isEqualTo("version_conflict");
      assertThat(onAbsent.getJsonObject("error").getLong("version")).isZero();
      c.call("set", "key", "ops/casn", "value", 1);
      c.call("set", "key", "ops/casn", "value", 2);
      JsonObject stale = c.call("set", "key", "ops/casn", "value", 9, "ifVersion", 1);
      assertThat(errorCode(stale)).isEqualTo("version_conflict");
      assertThat(stale.getJsonObject("error").getLong("version")).isEqualTo(2);
      JsonObject exact = c.call("set", "key", "ops/casn", "value", 3, "ifVersion", 2);
      assertOk(exact);
      assertThat(exact.getLong("version")).isEqualTo(3);
      assertThat(c.call("get", "key", "ops/casn").getInteger("value")).isEqualTo(3);
    }
  }

  // ---- patch ----

  @Test
  void patchMergesPerRfc7396AndRepliesTheMergedValue(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call(
          "set",
          "key",
          "ops/patch",
          "value",
          new JsonObject()
              .put("a", "b")
              .put("c", new JsonObject().put("d", "e").put("f", "g"))
              .put("keep", 1));
      JsonObject patched =
          c.sendAndReply(
              request("patch", "key", "ops/patch")
                  .put(
                      "patch",
                      new JsonObject()
                          .put("a", "z")
                          .put("c", new JsonObject().putNull("f"))
                          .put("n", new JsonArray().add(1))));
      assertOk(patched);
      JsonObject expected =
          new JsonObject()
              .put("a", "z")
              .put("c", new JsonObject().put("d", "e"))
              .put("keep", 1)
              .put("n", new JsonArray().add(1));
      assertThat(patched.getLong("version")).isEqualTo(2);
      assertThat(patched.getJsonObject("value")).isEqualTo(expected);
      assertThat(c.call("get", "key", "ops/patch").getJsonObject("value")).isEqualTo(expected);
    }
  }

  @Test
  void patchOfAbsentKeyAppliesToEmptyObject(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      JsonObject patched =
          c.sendAndReply(
              request("patch", "key", "ops/patch-absent")
                  .put("patch", new JsonObject().put("x", 1).putNull("gone")));
      assertOk(patched);
      assertThat(patched.getLong("version")).isEqualTo(1);
      assertThat(patched.getJsonObject("value")).isEqualTo(new JsonObject().put("x", 1));
    }
  }

  @Test
  void patchThatIsNotAnObjectReplacesTheValueAndObjectPatchReplacesNonObject(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/patch-scalar", "value", new JsonObject().put("a", 1));
      JsonObject replaced = c.call("patch", "key", "ops/patch-scalar", "patch", "plain");
      assertThat(replaced.getString("value")).isEqualTo("plain");
      JsonObject objectAgain =
          c.call("patch", "key", "ops/patch-scalar", "patch", new JsonObject().put("b", 2));
      assertThat(objectAgain.getJsonObject("value")).isEqualTo(new JsonObject().put("b", 2));
    }
  }

  @Test
  void patchHonoursIfVersion(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/patch-cas", "value", new JsonObject());
      JsonObject stale =
          c.call(
              "patch",
              "key",
              "ops/patch-cas",
              "patch",
              new JsonObject().put("a", 1),
              "ifVersion",
              5);
      assertThat(errorCode(stale)).isEqualTo("version_conflict");
      assertThat(stale.getJsonObject("error").getLong("version")).isEqualTo(1);
      JsonObject ok =
          c.call(
              "patch",
              "key",
              "ops/patch-cas",
              "patch",
              new JsonObject().put("a", 1),
              "ifVersion",
              1);
      assertThat(ok.getLong("version")).isEqualTo(2);
      JsonObject create =
          c.call("patch", "key", "ops/patch-cas-new", "patch", new JsonObject(), "ifVersion", 0);
      assertThat(create.getLong("version")).isEqualTo(1);
    }
  }

  // ---- delete ----

  @Test
  void deleteOfAbsentKeyFailsNotFound(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      assertThat(errorCode(c.call("delete", "key", "ops/never"))).isEqualTo("not_found");
    }
  }

  @Test
  void deleteAnswersVersionOfDeletionAndVersionsAreNeverReused(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/del", "value", 1);
      c.call("set", "key", "ops/del", "value", 2);
      JsonObject deleted = c.call("delete", "key", "ops/del");
      assertOk(deleted);
      assertThat(deleted.getLong("version")).isEqualTo(3);
      JsonObject get = c.call("get", "key", "ops/del");
      assertThat(get.getBoolean("exists")).isFalse();
      assertThat(get.getValue("value")).isNull();
      assertThat(get.getLong("version")).isZero();
      assertThat(errorCode(c.call("delete", "key", "ops/del"))).isEqualTo("not_found");
      JsonObject recreated = c.call("set", "key", "ops/del", "value", 3);
      assertThat(recreated.getLong("version")).isEqualTo(4);
    }
  }

  @Test
  void deleteHonoursIfVersion(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/del-cas", "value", 1);
      JsonObject stale = c.call("delete", "key", "ops/del-cas", "ifVersion", 7);
      assertThat(errorCode(stale)).isEqualTo("version_conflict");
      assertThat(stale.getJsonObject("error").getLong("version")).isEqualTo(1);
      assertThat(c.call("get", "key", "ops/del-cas").getBoolean("exists")).isTrue();
      assertThat(c.call("delete", "key", "ops/del-cas", "ifVersion", 1).getLong("version"))
          .isEqualTo(2);
    }
  }

  @Test
  void setAfterDeleteWithIfVersionZeroSucceedsBecauseTheKeyDoesNotExist(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/del-recreate", "value", 1);
      c.call("delete", "key", "ops/del-recreate");
      JsonObject created = c.call("set", "key", "ops/del-recreate", "value", 2, "ifVersion", 0);
      assertOk(created);
      assertThat(created.getLong("version")).isEqualTo(3);
    }
  }

  // ---- ttl ----

  @Test
  void keyWithTtlExpiresAsNormalDeletionBroadcastToSubscribers(Vertx vertx) {
    try (SyncClient c = admin(vertx);
        SyncClient sub = admin(vertx)) {
      assertOk(sub.call("sub", "pattern", "ops/ttl/#"));
      assertThat(c.call("set", "key", "ops/ttl/k", "value", 1, "ttlMs", 300).getLong("version"))
          .isEqualTo(1);
      JsonObject deletion = sub.change("ops/ttl/k", 2);
      assertThat(deletion.getBoolean("deleted")).isTrue();
      assertThat(deletion.getLong("version")).isEqualTo(2);
      assertThat(c.call("get", "key", "ops/ttl/k").getBoolean("exists")).isFalse();
    }
  }

  @Test
  void writingAgainWithoutTtlCancelsTheExpiry(Vertx vertx) throws Exception {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/ttl-cancel", "value", 1, "ttlMs", 1500);
      assertThat(c.call("set", "key", "ops/ttl-cancel", "value", 2).getLong("version"))
          .isEqualTo(2);
      // wait (not measure) well past the first write's expiry
      Thread.sleep(2500);
      JsonObject get = c.call("get", "key", "ops/ttl-cancel");
      assertThat(get.getBoolean("exists")).isTrue();
      assertThat(get.getLong("version")).isEqualTo(2);
    }
  }

  @Test
  void patchingAKeyWithTtlCancelsTheExpiry(Vertx vertx) throws Exception {
    try (SyncClient c = admin(vertx)) {
      c.call("set", "key", "ops/ttl-patch", "value", new JsonObject().put("a", 1), "ttlMs", 1500);
      c.call("patch", "key", "ops/ttl-patch", "patch", new JsonObject().put("b", 2));
      // wait (not measure) well past the first write's expiry
      Thread.sleep(2500);
      JsonObject get = c.call("get", "key", "ops/ttl-patch");
      assertThat(get.getBoolean("exists")).isTrue();
      assertThat(get.getLong("version")).isEqualTo(2);
    }
  }

  @Test
  void pipelinedRequestsTakeEffectInTheOrderTheyWereSent(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      for (int round = 0; round < 20; round++) {
        String key = "ops/order/k" + round;
        long set1 = c.send("set", "key", key, "value", 1);
        long get = c.send("get", "key", key);
        long set2 = c.send("set", "key", key, "value", 2);
        long sub = c.send("sub", "pattern", key);
        long list = c.send("list", "pattern", key);
        long delete = c.send("delete", "key", key);
        assertThat(c.reply(set1).getLong("version")).isEqualTo(1);
        JsonObject read = c.reply(get);
        assertThat(read.getBoolean("exists")).as("round %s: get before set 2", round).isTrue();
        assertThat(read.getLong("version")).as("round %s: get before set 2", round).isEqualTo(1);
        assertThat(c.reply(set2).getLong("version")).isEqualTo(2);
        assertThat(c.reply(sub).getJsonArray("entries"))
            .as("round %s: snapshot before the delete", round)
            .containsExactly(new JsonObject().put("key", key).put("value", 2).put("version", 2));
        assertThat(c.reply(list).getJsonArray("entries")).as("round %s: list", round).hasSize(1);
        assertThat(c.reply(delete).getLong("version")).isEqualTo(3);
        assertThat(c.change(key, 3).getBoolean("deleted")).isTrue();
      }
    }
  }

  // ---- list ----

  @Test
  void listReturnsMatchingEntriesInKeyOrderWithoutDeletedKeys(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      for (String key : List.of("lst/b", "lst/a/x", "lst", "lst/c", "lst/a", "lstx", "other/lst")) {
        c.call("set", "key", key, "value", key);
      }
      c.call("set", "key", "lst/gone", "value", 0);
      c.call("delete", "key", "lst/gone");
      JsonObject all = c.call("list", "pattern", "lst/#");
      assertOk(all);
      assertThat(keys(all)).containsExactly("lst", "lst/a", "lst/a/x", "lst/b", "lst/c");
      JsonObject first = all.getJsonArray("entries").getJsonObject(0);
      assertThat(first.getString("value")).isEqualTo("lst");
      assertThat(first.getLong("version")).isEqualTo(1);
      assertThat(all.getValue("next")).isNull();
      assertThat(keys(c.call("list", "pattern", "lst/+")))
          .containsExactly("lst/a", "lst/b", "lst/c");
      assertThat(keys(c.call("list", "pattern", "lst/+/x"))).containsExactly("lst/a/x");
      assertThat(keys(c.call("list", "pattern", "lst/b"))).containsExactly("lst/b");
      assertThat(keys(c.call("list", "pattern", "nothing/#"))).isEmpty();
    }
  }

  @Test
  void listPagesWithLimitAndAfterUntilNoNext(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        String key = "page/k" + i;
        expected.add(key);
        c.call("set", "key", key, "value", i);
      }
      List<String> seen = new ArrayList<>();
      String after = null;
      int pages = 0;
      do {
        JsonObject req = request("list", "pattern", "page/#", "limit", 3);
        if (after != null) {
          req.put("after", after);
        }
        JsonObject page = c.sendAndReply(req);
        assertOk(page);
        assertThat(page.getJsonArray("entries").size()).isLessThanOrEqualTo(3);
        seen.addAll(keys(page));
        after = page.getString("next");
        pages++;
      } while (after != null && pages < 10);
      assertThat(seen).containsExactlyElementsOf(expected);
      assertThat(pages).isEqualTo(3);
      // after is exclusive and need not be an existing key
      assertThat(keys(c.call("list", "pattern", "page/#", "after", "page/k3a")))
          .containsExactly("page/k4", "page/k5", "page/k6");
    }
  }

  @Test
  void listDefaultLimitIsOneThousand(Vertx vertx) {
    try (SyncClient c = admin(vertx, "bulk-lister")) {
      for (int i = 0; i < 1001; i++) {
        c.send("set", "key", String.format("many/k%04d", i), "value", i);
      }
      JsonObject last = c.call("ping");
      assertOk(last);
      JsonObject page = c.call("list", "pattern", "many/#");
      assertThat(page.getJsonArray("entries")).hasSize(1000);
      assertThat(page.getString("next")).isNotNull();
      JsonObject rest = c.call("list", "pattern", "many/#", "after", page.getString("next"));
      assertThat(keys(rest)).containsExactly("many/k1000");
    }
  }

  private static List<String> keys(JsonObject listOrSnapshot) {
    List<String> keys = new ArrayList<>();
    listOrSnapshot
        .getJsonArray("entries")
        .forEach(e -> keys.add(((JsonObject) e).getString("key")));
    return keys;
  }

  // ---- sub / unsub ----

  @Test
  void subAnswersSnapshotWithEmptyRemovedThenStreamsChanges(Vertx vertx) {
    try (SyncClient c = admin(vertx);
        SyncClient s = admin(vertx)) {
      c.call("set", "key", "snap/a", "value", "A");
      c.call("set", "key", "snap/b/c", "value", new JsonObject().put("n", 1));
      c.call("set", "key", "snapx", "value", "no");
      JsonObject snap = s.call("sub", "pattern", "snap/#");
      assertOk(snap);
      assertThat(snap.getString("sub")).isNotBlank();
      assertThat(snap.getBoolean("more")).isFalse();
      assertThat(snap.getJsonArray("removed")).isEmpty();
      assertThat(snap.getJsonArray("entries"))
          .containsExactlyInAnyOrder(
              new JsonObject().put("key", "snap/a").put("value", "A").put("version", 1),
              new JsonObject()
                  .put("key", "snap/b/c")
                  .put("value", new JsonObject().put("n", 1))
                  .put("version", 1));

      long before = System.currentTimeMillis();
      c.call("set", "key", "snap/a", "value", "A2");
      JsonObject change = s.change("snap/a", 2);
      assertThat(change.getString("type")).isEqualTo("change");
      assertThat(change.getLong("version")).isEqualTo(2);
      assertThat(change.getString("value")).isEqualTo("A2");
      assertThat(change.getString("by")).isEqualTo("admin-1");
      assertThat(change.getLong("ts")).isGreaterThanOrEqualTo(before - 60_000);
      assertThat(change.containsKey("deleted")).isFalse();
      assertThat(change.containsKey("sub")).as("nothing per-subscriber in a change").isFalse();

      c.call("delete", "key", "snap/a");
      JsonObject deletion = s.change("snap/a", 3);
      assertThat(deletion.getBoolean("deleted")).isTrue();
      assertThat(deletion.containsKey("value")).isFalse();
      assertThat(deletion.getString("by")).isEqualTo("admin-1");

      c.call("set", "key", "snapx", "value", "still no");
      c.call("set", "key", "snap/marker", "value", 1);
      s.change("snap/marker", 1);
      assertThat(s.changes("snapx")).as("non-matching key").isEmpty();
    }
  }

  @Test
  void subWithKnownSendsOnlyNewerOrUnknownEntriesAndRemovedKnownKeys(Vertx vertx) {
    try (SyncClient c = admin(vertx);
        SyncClient s = admin(vertx)) {
      c.call("set", "key", "known/same", "value", 1); // v1
      c.call("set", "key", "known/newer", "value", 1);
      c.call("set", "key", "known/newer", "value", 2); // v2
      c.call("set", "key", "known/unknown", "value", 1); // v1
      c.call("set", "key", "known/deleted", "value", 1);
      c.call("delete", "key", "known/deleted"); // gone
      JsonObject known =
          new JsonObject()
              .put("known/same", 1)
              .put("known/newer", 1)
              .put("known/deleted", 1)
              .put("known/never", 4)
              .put("elsewhere/x", 1);
      JsonObject snap = s.call("sub", "pattern", "known/#", "known", known);
      assertOk(snap);
      assertThat(keys(snap)).containsExactlyInAnyOrder("known/newer", "known/unknown");
      assertThat(snap.getJsonArray("removed").getList())
          .containsExactlyInAnyOrder("known/deleted", "known/never");

      // the client already holds known/same v1: only versions above it arrive
      c.call("set", "key", "known/same", "value", 2);
      assertThat(s.change("known/same", 2).getLong("version")).isEqualTo(2);
    }
  }

  @Test
  void unsubStopsChangesAndUnknownSubIsNotFound(Vertx vertx) {
    try (SyncClient c = admin(vertx);
        SyncClient s = admin(vertx)) {
      String sub = s.call("sub", "pattern", "uns/a/#").getString("sub");
      s.call("sub", "pattern", "uns/marker");
      c.call("set", "key", "uns/a/k", "value", 1);
      s.change("uns/a/k", 1);
      JsonObject unsub = s.call("unsub", "sub", sub);
      assertOk(unsub);
      c.call("set", "key", "uns/a/k", "value", 2);
      c.call("set", "key", "uns/marker", "value", 1);
      s.change("uns/marker", 1);
      assertThat(s.changes("uns/a/k")).extracting(f -> f.getLong("version")).containsExactly(1L);
      assertThat(errorCode(s.call("unsub", "sub", sub))).isEqualTo("not_found");
      assertThat(errorCode(s.call("unsub", "sub", "no-such-sub"))).isEqualTo("not_found");
    }
  }

  @Test
  void overlappingSubscriptionsDeliverEachChangeOnce(Vertx vertx) {
    try (SyncClient c = admin(vertx);
        SyncClient s = admin(vertx)) {
      s.call("sub", "pattern", "ovl/#");
      s.call("sub", "pattern", "ovl/+");
      s.call("sub", "pattern", "ovl/k");
      for (int i = 1; i <= 5; i++) {
        c.call("set", "key", "ovl/k", "value", i);
      }
      c.call("set", "key", "ovl/deep/x", "value", 0);
      s.change("ovl/k", 5);
      s.change("ovl/deep/x", 1);
      List<Long> versions = s.changes("ovl/k").stream().map(f -> f.getLong("version")).toList();
      assertThat(versions).doesNotHaveDuplicates().isSorted().endsWith(5L);
      assertThat(s.changes("ovl/deep/x")).hasSize(1);
    }
  }

  @Test
  void subscriptionIdsAreDistinctPerConnection(Vertx vertx) {
    try (SyncClient s = admin(vertx)) {
      String a = s.call("sub", "pattern", "ids/#").getString("sub");
      String b = s.call("sub", "pattern", "ids/#").getString("sub");
      assertThat(a).isNotEqualTo(b);
      assertOk(s.call("unsub", "sub", a));
      assertOk(s.call("unsub", "sub", b));
    }
  }

  @Test
  void twoSubscriptionsToOneWildcardPatternEndIndependently(Vertx vertx) {
    twoSubscriptionsEndIndependently(vertx, "dupw/#", "dupw/k");
  }

  @Test
  void twoSubscriptionsToOneExactKeyEndIndependently(Vertx vertx) {
    twoSubscriptionsEndIndependently(vertx, "dupx/k", "dupx/k");
  }

  private void twoSubscriptionsEndIndependently(Vertx vertx, String pattern, String key) {
    try (SyncClient c = admin(vertx);
        SyncClient s = admin(vertx)) {
      String a = s.call("sub", "pattern", pattern).getString("sub");
      String b = s.call("sub", "pattern", pattern).getString("sub");
      s.call("sub", "pattern", key + "-mark");
      assertOk(s.call("unsub", "sub", a));
      c.call("set", "key", key, "value", 1);
      s.change(key, 1); // the other subscription still follows it

      assertOk(s.call("unsub", "sub", b));
      c.call("set", "key", key, "value", 2);
      c.call("set", "key", key + "-mark", "value", 1);
      s.change(key + "-mark", 1); // written after the key's second version: that one would be here

      assertThat(s.changes(key)).extracting(f -> f.getLong("version")).containsExactly(1L);
    }
  }

  // ---- ping ----

  @Test
  void pingAnswersServerTimeInEpochMillis(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      long before = System.currentTimeMillis();
      JsonObject pong = c.call("ping");
      assertOk(pong);
      // same machine, same clock: the server's time lies within this call
      assertThat(pong.getLong("time")).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }
  }

  // ---- ids, ordering ----

  @Test
  void stringAndIntegerIdsAreEchoed(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.sendRaw("{\"op\":\"ping\",\"id\":\"abc-1\"}");
      assertOk(c.reply("abc-1"));
      c.sendRaw("{\"op\":\"ping\",\"id\":9007199254740}");
      assertThat(c.reply(9007199254740L).getLong("id")).isEqualTo(9007199254740L);
      c.sendRaw("{\"op\":\"ping\",\"id\":\"\"}");
      assertOk(c.reply(""));
    }
  }

  @Test
  void requestWithoutIdGetsNoSuccessReplyButItsFailureWithNullId(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      c.sendWithoutId("set", "key", "noid/k", "value", 1);
      c.sendWithoutId("ping");
      c.sendWithoutId("delete", "key", "noid/absent");
      JsonObject get = c.call("get", "key", "noid/k");
      assertThat(get.getInteger("value")).isEqualTo(1);
      List<JsonObject> nullIds = c.nullIdReplies(1);
      assertThat(nullIds).hasSize(1);
      assertThat(errorCode(nullIds.get(0))).isEqualTo("not_found");
      assertThat(nullIds.get(0).containsKey("id")).as("id present as null").isTrue();
      long replies = c.frames(f -> "reply".equals(f.getString("type"))).size();
      assertThat(replies).as("one failure plus the get").isEqualTo(2);
    }
  }

  @Test
  void subWithoutIdSubscribesSilentlyAndChangesStillArrive(Vertx vertx) {
    try (SyncClient c = admin(vertx);
        SyncClient s = admin(vertx)) {
      c.call("set", "key", "noid-sub/k", "value", 1);
      s.sendWithoutId("sub", "pattern", "noid-sub/#");
      s.call("ping");
      c.call("set", "key", "noid-sub/k", "value", 2);
      assertThat(s.change("noid-sub/k", 2).getInteger("value")).isEqualTo(2);
      assertThat(s.frames(f -> "reply".equals(f.getString("type")))).hasSize(1);
    }
  }

  @Test
  void repliesComeInRequestOrderForTwoHundredPipelinedMixedRequests(Vertx vertx) {
    try (SyncClient c = admin(vertx, "bulk-orderer")) {
      c.call("set", "key", "order/exists", "value", 0);
      List<Long> sent = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        JsonObject req =
            switch (i % 10) {
              case 0 -> request("set", "key", "order/k" + (i % 7), "value", i);
              case 1 -> request("get", "key", "order/k" + (i % 7));
              case 2 -> request("list", "pattern", "order/#", "limit", 5);
              case 3 -> request("ping");
              case 4 -> request("delete", "key", "order/absent" + i);
              case 5 -> request("nope");
              case 6 -> request("get", "key", "bad//key");
              case 7 -> request("patch", "key", "order/p", "patch", new JsonObject().put("i", i));
              case 8 -> request("sub", "pattern", "order/s" + i);
              default -> request("set", "key", "order/exists", "value", i, "ifVersion", 1);
            };
        sent.add(c.send(req));
      }
      c.reply(sent.get(sent.size() - 1));
      List<Long> received =
          c.frames(f -> "reply".equals(f.getString("type"))).stream()
              .map(f -> f.getLong("id"))
              .filter(id -> id >= sent.get(0))
              .toList();
      assertThat(received).containsExactlyElementsOf(sent);
    }
  }

  @Test
  void thousandPipelinedSetsGetVersionsInOrderAndSubscriberSeesIncreasingVersions(Vertx vertx) {
    try (SyncClient writer = admin(vertx, "bulk-writer");
        SyncClient sub = admin(vertx)) {
      assertOk(sub.call("sub", "pattern", "pipe/k"));
      List<Long> ids = new ArrayList<>();
      for (int i = 1; i <= 1000; i++) {
        ids.add(writer.send("set", "key", "pipe/k", "value", i));
      }
      writer.reply(ids.get(999));
      List<JsonObject> replies = new ArrayList<>();
      for (long id : ids) {
        replies.add(writer.reply(id));
      }
      assertThat(replies).allSatisfy(OperationsIT::assertOk);
      assertThat(replies.stream().map(r -> r.getLong("version")).toList())
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 1000).boxed().toList());

      JsonObject last = sub.change("pipe/k", 1000);
      assertThat(last.getInteger("value")).isEqualTo(1000);
      List<Long> seen = sub.changes("pipe/k").stream().map(f -> f.getLong("version")).toList();
      Set<Long> unique = new HashSet<>(seen);
      assertThat(unique).hasSameSizeAs(seen);
      assertThat(seen).isSorted().last().isEqualTo(1000L);
      for (JsonObject change : sub.changes("pipe/k")) {
        assertThat(change.getLong("version")).isEqualTo(change.getInteger("value").longValue());
      }
    }
  }
}
