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

  @Test
  void aSnapshotLargerThanTheBuffersReachesAClientThatStopsReadingAndIsReadAsItIsTaken(Vertx vertx)
      throws InterruptedException {
    try (SyncClient writer = SyncClient.connect(vertx, server.port(), server.adminToken());
        SyncClient reader = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      String last = String.format("big/k%03d", KEYS - 1);
      for (int i = 0; i < KEYS; i++) {
        writer.call("set", "key", String.format("big/k%03d", i), "value", VALUE);
      }

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
}
