package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-key guarantees of PROTOCOL.md section 3 under concurrency (snapshot racing writes, a slow
 * reader) and the pattern rules of section 1 as seen by subscribers.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SubscriptionGuaranteesIT {
  @RegisterExtension static final SharedServer server = new SharedServer();

  private static SyncClient admin(Vertx vertx, String clientId) {
    return SyncClient.connect(vertx, server.port(), server.token(clientId, "admin"));
  }

  @Test
  void subscribingWhileAKeyChangesNeverDeliversAVersionAtOrBelowTheSnapshot(Vertx vertx) {
    try (SyncClient writer = admin(vertx, "race-writer");
        SyncClient reader = admin(vertx, "race-reader")) {
      writer.call("set", "key", "race/k", "value", 0);
      List<Long> ids = new ArrayList<>();
      for (int i = 1; i <= 400; i++) {
        ids.add(writer.send("set", "key", "race/k", "value", i));
        if (i == 100) {
          // subscribe while the writes are in flight
          long sub = reader.send("sub", "pattern", "race/#");
          ids.add(-sub);
        }
      }
      writer.reply(ids.get(ids.size() - 1));
      JsonObject snapshot =
          reader.reply(-ids.stream().filter(id -> id < 0).findFirst().orElseThrow());
      long snapshotVersion = snapshot.getJsonArray("entries").getJsonObject(0).getLong("version");
      reader.change("race/k", 401);
      List<Long> versions =
          reader.changes("race/k").stream().map(c -> c.getLong("version")).toList();
      assertThat(versions).isSorted().doesNotHaveDuplicates().endsWith(401L);
      assertThat(versions).allMatch(v -> v > snapshotVersion);
      int snapshotIndex = reader.frames().indexOf(snapshot);
      int firstChange = reader.frames().indexOf(reader.changes("race/k").get(0));
      assertThat(firstChange).as("changes only after the snapshot").isGreaterThan(snapshotIndex);
    }
  }

  @Test
  void overlappingSubscriptionsSentTogetherNeverShowAKeyGoingBack(Vertx vertx) {
    // enough keys before the hot one that the pattern's snapshot is read in several pages, while
    // the exact subscription sent after it reads the hot key in one
    int before = 2_500;
    for (int w = 0; w < 3; w++) {
      try (SyncClient setup = admin(vertx, "overlap-setup-" + w)) {
        long last = 0;
        for (int i = w; i < before; i += 3) {
          last = setup.send("set", "key", String.format("overlap/a%04d", i), "value", i);
        }
        setup.reply(last);
      }
    }
    for (int round = 0; round < 8; round++) {
      try (SyncClient writer = admin(vertx, "overlap-writer-" + round);
          SyncClient reader = admin(vertx, "overlap-reader-" + round)) {
        long last = 0;
        long exact = 0;
        for (int i = 0; i < 1_500; i++) {
          last = writer.send("set", "key", "overlap/k", "value", i);
          if (i == 200) {
            reader.send("sub", "pattern", "overlap/#");
            exact = reader.send("sub", "pattern", "overlap/k");
          }
        }
        long newest = writer.reply(last).getLong("version");
        reader.reply(exact);
        reader.await(f -> holds(f, "overlap/k", newest), "version " + newest + " of overlap/k");
        long seen = 0;
        for (JsonObject frame : reader.frames()) {
          if ("change".equals(frame.getString("type"))) {
            long version = frame.getLong("version");
            assertThat(version)
                .as("round %s: a change after version %s", round, seen)
                .isGreaterThan(seen);
            seen = version;
          } else if (frame.getJsonArray("entries") != null) {
            for (Object e : frame.getJsonArray("entries")) {
              JsonObject entry = (JsonObject) e;
              if (entry.getString("key").equals("overlap/k")) {
                long version = entry.getLong("version");
                assertThat(version)
                    .as(
                        "round %s: a snapshot (reply %s) after version %s",
                        round, frame.getValue("id"), seen)
                    .isGreaterThanOrEqualTo(seen);
                seen = version;
              }
            }
          }
        }
        assertThat(seen).isEqualTo(newest);
      }
    }
  }

  @Test
  void aKeyDeletedWhileAnOverlappingSubscriptionsSnapshotIsReadStillReachesTheClientAsDeleted(
      Vertx vertx) {
    int snapshotsFindingItDeleted = 0;
    for (int round = 0; round < 30; round++) {
      String key = "gone/k" + round;
      try (SyncClient client = admin(vertx, "gone-c-" + round);
          SyncClient other = admin(vertx, "gone-d-" + round)) {
        client.call("sub", "pattern", "gone/#");
        client.call("set", "key", key, "value", 1);
        client.change(key, 1);
        long delete = other.send("delete", "key", key);
        // a write first: the sub is registered now and read after a commit, so its snapshot
        // often finds the key deleted while the deletion's change is still held or on its way
        client.send("set", "key", "gone/pad" + round, "value", 1);
        long sub = client.send("sub", "pattern", key);
        long deletion = other.reply(delete).getLong("version");
        if (client.reply(sub).getJsonArray("entries").isEmpty()) {
          snapshotsFindingItDeleted++;
        }
        // the client holds the key through the first subscription: it must be told
        JsonObject last = client.change(key, deletion);
        assertThat(last.getBoolean("deleted")).as("round %s", round).isTrue();
      }
    }
    assertThat(snapshotsFindingItDeleted).as("rounds that tested the race").isPositive();
  }

  /** Whether a change or a snapshot frame holds {@code key} at {@code version}. */
  private static boolean holds(JsonObject frame, String key, long version) {
    if ("change".equals(frame.getString("type"))) {
      return key.equals(frame.getString("key")) && frame.getLong("version") == version;
    }
    return frame.getJsonArray("entries") != null
        && frame.getJsonArray("entries").stream()
            .map(JsonObject.class::cast)
            .anyMatch(e -> key.equals(e.getString("key")) && e.getLong("version") == version);
  }

  @Test
  void slowReaderDoesNotSlowOthersAndStillEndsAtTheNewestVersionOfEveryKey(Vertx vertx) {
    int keys = 5;
    int perKey = 300;
    String value = "s".repeat(2000);
    try (SyncClient writer = admin(vertx, "slow-writer");
        SyncClient fast = admin(vertx, "fast-reader");
        SyncClient slow = admin(vertx, "slow-reader")) {
      fast.call("sub", "pattern", "slow/#");
      slow.call("sub", "pattern", "slow/#");
      slow.pause();
      long last = 0;
      for (int v = 1; v <= perKey; v++) {
        for (int k = 0; k < keys; k++) {
          last = writer.send("set", "key", "slow/k" + k, "value", value + v);
        }
      }
      assertThat(writer.reply(last).getLong("version")).isEqualTo(perKey);
      for (int k = 0; k < keys; k++) {
        fast.change("slow/k" + k, perKey);
      }
      slow.resume();
      for (int k = 0; k < keys; k++) {
        String key = "slow/k" + k;
        assertThat(slow.change(key, perKey).getString("value")).isEqualTo(value + perKey);
        List<Long> versions = slow.changes(key).stream().map(c -> c.getLong("version")).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates().endsWith((long) perKey);
      }
      assertThat(slow.isClosed()).isFalse();
    }
  }

  @Test
  void changeFramesAreTheSameForEverySubscriber(Vertx vertx) {
    try (SyncClient writer = admin(vertx, "same-writer");
        SyncClient a = admin(vertx, "same-a");
        SyncClient b = admin(vertx, "same-b")) {
      a.call("sub", "pattern", "same/#");
      b.call("sub", "pattern", "same/+");
      b.call("sub", "pattern", "same/k");
      writer.call("set", "key", "same/k", "value", new JsonObject().put("x", 1));
      assertThat(a.change("same/k", 1)).isEqualTo(b.change("same/k", 1));
    }
  }

  @Test
  void multiLevelWildcardMatchesItsParentKey(Vertx vertx) {
    try (SyncClient writer = admin(vertx, "parent-writer");
        SyncClient s = admin(vertx, "parent-reader")) {
      writer.call("set", "key", "parent", "value", 1);
      JsonObject snap = s.call("sub", "pattern", "parent/#");
      assertThat(snap.getJsonArray("entries").getJsonObject(0).getString("key"))
          .isEqualTo("parent");
      writer.call("set", "key", "parent", "value", 2);
      writer.call("set", "key", "parent/a/b", "value", 1);
      assertThat(s.change("parent", 2).getInteger("value")).isEqualTo(2);
      s.change("parent/a/b", 1);
    }
  }

  @Test
  void patternsStartingWithAWildcardNeverMatchSystemKeys(Vertx vertx) {
    try (SyncClient s = admin(vertx, "sys-reader");
        SyncClient writer = admin(vertx, "sys-writer")) {
      JsonObject all = s.call("sub", "pattern", "#");
      JsonObject plus = s.call("sub", "pattern", "+/clients/#");
      assertThat(all.getJsonArray("entries").stream())
          .noneMatch(e -> ((JsonObject) e).getString("key").startsWith("$"));
      assertThat(plus.getJsonArray("entries")).isEmpty();
      JsonObject sys = s.call("sub", "pattern", "$sys/clients/+");
      assertThat(sys.getJsonArray("entries")).isNotEmpty();
      // a new client changes its presence key; '#' and '+/...' must not deliver it
      try (SyncClient newcomer = admin(vertx, "sys-newcomer")) {
        s.change("$sys/clients/sys-newcomer", 1);
      }
      writer.call("set", "key", "sys-marker", "value", 1);
      s.change("sys-marker", 1);
      List<JsonObject> sysChanges =
          s.frames(f -> "change".equals(f.getString("type")) && f.getString("key").startsWith("$"));
      // delivered once, through the $sys subscription only (no duplicate from '#')
      assertThat(new HashSet<>(sysChanges)).hasSameSizeAs(sysChanges);
      assertThat(s.changes("$sys/clients/sys-newcomer"))
          .extracting(f -> f.getLong("version"))
          .isSorted();
    }
  }
}
