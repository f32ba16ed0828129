package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@code sub} snapshot far larger than what the socket buffers and the reply backlog hold, to a
 * client that does not read for a while: the server reads it chunk by chunk as the client takes the
 * frames (PROTOCOL.md section 3, "a large snapshot is split into several reply frames").
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class LargeSnapshotIT {
  private static final int MAX_FRAME_BYTES = 65_536;
  // 400 values of 60 KB, one per frame: 24 MB, several times what loopback's buffers hold while
  // the client does not read, and 400 frames against a reply backlog of 1 (at most 66 queued)
  private static final int KEYS = 400;
  private static final String VALUE = "v".repeat(60_000);

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.maxFrameBytes=" + MAX_FRAME_BYTES,
          "--limits.maxPendingReplies=1",
          "--limits.rate.messagesPerSecond=1000000",
          "--limits.rate.burst=1000000",
          "--limits.rate.bytesPerSecond=2000000000");

  // the default reply backlog: a paused client's next requests are read while a snapshot streams
  @RegisterExtension
  static final SharedServer streaming =
      new SharedServer(
          "--limits.maxFrameBytes=" + MAX_FRAME_BYTES,
          "--limits.rate.messagesPerSecond=1000000",
          "--limits.rate.burst=1000000",
          "--limits.rate.bytesPerSecond=2000000000");

  @Test
  void aSnapshotLargerThanTheBuffersReachesAClientThatStopsReadingAndIsReadAsItIsTaken(Vertx vertx)
      throws InterruptedException {
    try (SyncClient writer = SyncClient.connect(vertx, server.port(), server.adminToken());
        SyncClient reader = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      String last = String.format("big/k%03d", KEYS - 1);
      fill(writer, "big/k");

      reader.pause();
      long id = reader.send("sub", "pattern", "big/#");
      // the snapshot has begun (the subscription is registered before any read) when the last
      // key, which sorts last, changes
      Thread.sleep(1_000);
      assertThat(writer.call("set", "key", last, "value", "newer").getLong("version")).isEqualTo(2);
      reader.resume();

      List<JsonObject> frames = reader.replyFrames(id);
      assertThat(reader.isClosed()).as("the connection stays open").isFalse();
      Map<String, JsonObject> entries = new HashMap<>();
      for (int i = 0; i < frames.size(); i++) {
        JsonObject frame = frames.get(i);
        assertThat(frame.getBoolean("ok")).isTrue();
        assertThat(frame.getBoolean("more")).isEqualTo(i < frames.size() - 1);
        assertThat(frame.encode().getBytes(StandardCharsets.UTF_8).length)
            .isLessThanOrEqualTo(MAX_FRAME_BYTES);
        frame
            .getJsonArray("entries")
            .forEach(e -> entries.put(((JsonObject) e).getString("key"), (JsonObject) e));
      }
      assertThat(entries).hasSize(KEYS);
      // Read whole at the start, the snapshot would hold version 1 of the last key; read as the
      // client takes it, the last chunk is read after the write
      assertThat(entries.get(last).getLong("version")).isEqualTo(2);
      assertThat(entries.get(last).getString("value")).isEqualTo("newer");

      // then the stream: nothing at or below the snapshot's version, the next write arrives
      writer.call("set", "key", last, "value", "newest");
      assertThat(reader.change(last, 3).getString("value")).isEqualTo("newest");
      List<Long> versions = new ArrayList<>();
      reader.changes(last).forEach(c -> versions.add(c.getLong("version")));
      assertThat(versions).containsExactly(3L);
    }
  }

  /** Writes {@link #KEYS} large values under {@code prefix}, each at version 1. */
  private static void fill(SyncClient writer, String prefix) {
    for (int i = 0; i < KEYS; i++) {
      writer.call("set", "key", String.format("%s%03d", prefix, i), "value", VALUE);
    }
  }

  private static boolean replyTo(JsonObject frame, long id) {
    return "reply".equals(frame.getString("type"))
        && frame.getValue("id") instanceof Number n
        && n.longValue() == id;
  }

  @Test
  void anUnsubSentWhileItsSnapshotStreamsLetsNoChangeOvertakeTheFramesStillToCome(Vertx vertx)
      throws InterruptedException {
    try (SyncClient writer = SyncClient.connect(vertx, streaming.port(), streaming.adminToken());
        SyncClient reader = SyncClient.connect(vertx, streaming.port(), streaming.adminToken())) {
      fill(writer, "unsub/k");
      long first = reader.send("sub", "pattern", "unsub/#");
      reader.replyFrames(first);

      // a second subscription to the same keys; unsubscribed as soon as its id arrives, while
      // most of its snapshot is still to be read
      long second = reader.send("sub", "pattern", "unsub/#");
      String subId = reader.await(f -> replyTo(f, second), "first frame").getString("sub");
      reader.pause();
      long unsub = reader.send("unsub", "sub", subId);
      Thread.sleep(500);
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        ids.add(writer.send("set", "key", String.format("unsub/k%03d", i), "value", i));
      }
      ids.forEach(id -> assertThat(writer.reply(id).getBoolean("ok")).isTrue());
      reader.resume();
      assertThat(reader.reply(unsub).getBoolean("ok")).isTrue();
      // The unsub's reply follows the last frame of the snapshot and the changes it held. Each
      // key's version 2 arrives as a change, or in a snapshot frame read after the write (and
      // then its change is not sent again). A moment for changes still on their way.
      Thread.sleep(500);

      // every key's versions, in the order the client got them (snapshot entries and changes)
      Map<String, List<Long>> seen = new HashMap<>();
      for (JsonObject f : reader.frames()) {
        if ("change".equals(f.getString("type"))) {
          seen.computeIfAbsent(f.getString("key"), k -> new ArrayList<>())
              .add(f.getLong("version"));
        } else if (f.getJsonArray("entries") != null) {
          f.getJsonArray("entries")
              .forEach(
                  e ->
                      seen.computeIfAbsent(
                              ((JsonObject) e).getString("key"), k -> new ArrayList<>())
                          .add(((JsonObject) e).getLong("version")));
        }
      }
      assertThat(seen).hasSize(KEYS);
      seen.forEach(
          (key, versions) -> {
            assertThat(versions).as("versions of %s, as they came", key).isSorted();
            assertThat(versions.get(versions.size() - 1)).as("last of %s", key).isEqualTo(2);
          });
    }
  }

  @Test
  void aSubWithoutIdGetsNoSnapshotAndMissesNoChangeOfAKeyTheClientHolds(Vertx vertx)
      throws InterruptedException {
    try (SyncClient writer = SyncClient.connect(vertx, streaming.port(), streaming.adminToken());
        SyncClient reader = SyncClient.connect(vertx, streaming.port(), streaming.adminToken())) {
      fill(writer, "noid/big/k");
      writer.call("set", "key", "noid/small/k", "value", 1);
      long exact = reader.send("sub", "pattern", "noid/small/k");
      assertThat(reader.reply(exact).getJsonArray("entries")).hasSize(1);

      // behind a snapshot that stalls (the client does not read), so the next one waits
      reader.pause();
      long big = reader.send("sub", "pattern", "noid/big/#");
      reader.sendWithoutId("sub", "pattern", "noid/small/#");
      Thread.sleep(500);
      assertThat(writer.call("set", "key", "noid/small/k", "value", 2).getLong("version"))
          .isEqualTo(2);
      reader.resume();

      reader.replyFrames(big);
      assertThat(reader.change("noid/small/k", 2).getLong("value")).isEqualTo(2);
    }
  }
}
