package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.CloseCodes;
import io.stateserver.support.SharedServer;
import io.stateserver.support.SilentWebSocket;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idle timeout (issue 3, item 7): the server pings a silent connection and closes it with 1001 when
 * nothing comes back; a client that answers pings, as every WebSocket library does, stays.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class IdleTimeoutIT {
  private static final long PING_INTERVAL_MS = 300;
  private static final long PING_TIMEOUT_MS = 300;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--http.pingIntervalMs=" + PING_INTERVAL_MS,
          "--http.pingTimeoutMs=" + PING_TIMEOUT_MS,
          // small, so that a flood of requests pauses reading (at 64) before it overflows (192)
          "--limits.maxPendingReplies=64");

  @Test
  void aClientThatDoesNotAnswerPingsIsClosedWithGoingAway() throws Exception {
    List<SilentWebSocket.Frame> frames = new ArrayList<>();
    try (SilentWebSocket raw = SilentWebSocket.connect(server.port(), server.token("silent-1"))) {
      SilentWebSocket.Frame frame;
      while ((frame = raw.next()) != null) {
        frames.add(frame);
        if (frame.opcode() == SilentWebSocket.CLOSE) {
          break;
        }
      }
    }

    assertThat(frames).isNotEmpty();
    assertThat(frames.get(0).opcode()).isEqualTo(SilentWebSocket.TEXT);
    assertThat(frames.get(0).text()).contains("\"hello\"");
    assertThat(frames).anyMatch(f -> f.opcode() == SilentWebSocket.PING);
    SilentWebSocket.Frame last = frames.get(frames.size() - 1);
    assertThat(last.opcode())
        .as("the server closed with a close frame")
        .isEqualTo(SilentWebSocket.CLOSE);
    assertThat(last.closeCode()).isEqualTo(CloseCodes.GOING_AWAY);
  }

  @Test
  void aClientThatStopsReadingIsClosedAllTheSame(Vertx vertx) throws Exception {
    int before = server.server().metrics().connections();
    try (SyncClient writer =
        SyncClient.connect(vertx, server.port(), server.token("stalled-1", "device"))) {
      // 3.6 MB of state, so that the snapshot of one subscription fills the kernel's buffers
      String value = "x".repeat(60_000);
      for (int i = 0; i < 60; i++) {
        JsonObject reply = writer.call("set", "key", "devices/stalled-1/k" + i, "value", value);
        assertThat(reply.getBoolean("ok")).as("set %s: %s", i, reply).isTrue();
      }
      try (SilentWebSocket stalled =
          SilentWebSocket.connect(server.port(), server.token("stalled-1", "device"), 4096)) {
        assertThat(stalled.next().text()).contains("\"hello\"");
        stalled.sendText("{\"op\":\"sub\",\"id\":1,\"pattern\":\"devices/stalled-1/#\"}");
        // From here on the stalled client reads nothing, so neither the server's ping nor,
        // after the idle timeout, its close frame can leave. Vert.x alone would wait for ever.
        waitFor(
            () -> server.server().metrics().connections() == before + 1,
            "the stalled connection closed while its client read nothing");
      }
    }
  }

  @Test
  void aClientThatFloodsRequestsThenStopsReadingIsClosedAllTheSame(Vertx vertx) throws Exception {
    int before = server.server().metrics().connections();
    try (SyncClient writer =
        SyncClient.connect(vertx, server.port(), server.token("flood-1", "device"))) {
      JsonObject reply =
          writer.call("set", "key", "devices/flood-1/big", "value", "x".repeat(60_000));
      assertThat(reply.getBoolean("ok")).as("set: %s", reply).isTrue();
      try (SilentWebSocket flood =
          SilentWebSocket.connect(server.port(), server.token("flood-1", "device"), 4096)) {
        assertThat(flood.next().text()).contains("\"hello\"");
        // 150 replies of 60 KB: more than the kernel's buffers take, so the server holds more
        // than 64 of them and stops reading from this client; then the client reads nothing.
        for (int i = 0; i < 150; i++) {
          flood.sendText("{\"op\":\"get\",\"id\":" + i + ",\"key\":\"devices/flood-1/big\"}");
        }
        waitFor(
            () -> server.server().metrics().connections() == before + 1,
            "the flooding connection closed while its client read nothing");
      }
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aClientThatSendsMessagesButNoPongsStaysWhileItTalks() throws Exception {
    try (SilentWebSocket raw = SilentWebSocket.connect(server.port(), server.token("chatty-1"))) {
      assertThat(raw.next().text()).contains("\"hello\"");
      // Ten ping periods of traffic: every message counts as a sign of life.
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PING_INTERVAL_MS * 10);
      int sent = 0;
      while (System.nanoTime() < until) {
        raw.sendText("{\"op\":\"ping\",\"id\":" + sent++ + "}");
        Thread.sleep(PING_INTERVAL_MS / 5);
      }
      raw.sendText("{\"op\":\"ping\",\"id\":\"last\"}");
      SilentWebSocket.Frame frame;
      boolean lastAnswered = false;
      while (!lastAnswered && (frame = raw.next()) != null) {
        assertThat(frame.opcode()).isNotEqualTo(SilentWebSocket.CLOSE);
        lastAnswered = frame.opcode() == SilentWebSocket.TEXT && frame.text().contains("\"last\"");
      }
      assertThat(lastAnswered).isTrue();
    }
  }

  @Test
  void aNormalIdleClientAnswersPingsAndStays(Vertx vertx) throws Exception {
    try (SyncClient client =
        SyncClient.connect(vertx, server.port(), server.token("idle-1", "admin"))) {
      // Ten ping periods of silence from the application; the WebSocket library answers pings.
      Thread.sleep((PING_INTERVAL_MS + PING_TIMEOUT_MS) * 5);

      assertThat(client.isClosed()).isFalse();
      assertThat(client.call("ping").getBoolean("ok")).isTrue();
    }
  }
}
