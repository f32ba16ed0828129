package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HeapProbe;
import io.stateserver.support.RawWebSocket;
import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Abusive clients (issue 3, items 7 and 8): slowloris, fragment flood, ping flood, oversize frames,
 * deep nesting and a reconnect storm. Each test also proves that a well-behaved client is served
 * meanwhile. Raw sockets ({@link RawWebSocket}) produce what a real WebSocket client refuses to.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class AbuseIT {
  private static final Logger log = LoggerFactory.getLogger(AbuseIT.class);
  private static final int MAX_FRAME_BYTES = 64 * 1024;
  private static final long HANDSHAKE_TIMEOUT_MS = 1000;

  /** Far above the deadline, far below "never": a generous bound, not a timing measurement. */
  private static final long CLOSED_WITHIN_MS = 15_000;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.maxFrameBytes=" + MAX_FRAME_BYTES,
          "--http.handshakeTimeoutMs=" + HANDSHAKE_TIMEOUT_MS);

  private static SyncClient admin(Vertx vertx) {
    return SyncClient.connect(vertx, server.port(), server.adminToken());
  }

  /** A well-behaved client round trip: write, read back, and see the change it subscribed to. */
  private static void assertServed(SyncClient c, String key) {
    JsonObject set = c.call("set", "key", key, "value", new JsonObject().put("n", key.length()));
    assertThat(set.getBoolean("ok")).as("set %s", key).isTrue();
    JsonObject get = c.call("get", "key", key);
    assertThat(get.getLong("version")).isEqualTo(set.getLong("version"));
  }

  // ---- slowloris ----

  @Test
  void slowUpgradesAreClosedAfterTheHandshakeTimeoutWhileRealClientsAreServed(Vertx vertx)
      throws Exception {
    List<Socket> silent = new ArrayList<>();
    List<Socket> partial = new ArrayList<>();
    List<Socket> dripping = new ArrayList<>();
    ExecutorService drippers = Executors.newFixedThreadPool(5);
    try (SyncClient legit = admin(vertx)) {
      for (int i = 0; i < 5; i++) {
        silent.add(RawWebSocket.tcp(null, server.port()));
        Socket p = RawWebSocket.tcp(null, server.port());
        p.getOutputStream()
            .write(
                RawWebSocket.upgradeRequest(server.port(), server.adminToken(), false)
                    .getBytes(StandardCharsets.UTF_8));
        partial.add(p);
        Socket d = RawWebSocket.tcp(null, server.port());
        dripping.add(d);
        drippers.submit(() -> drip(d));
      }
      // the real client keeps working while the stalled connections sit there
      assertServed(legit, "slowloris/legit");
      for (Socket s : concat(silent, partial, dripping)) {
        long took = RawWebSocket.awaitEof(s, CLOSED_WITHIN_MS);
        assertThat(took).as("stalled connection closed by the server").isNotNegative();
      }
      // an upgraded connection is not subject to the deadline
      Thread.sleep(HANDSHAKE_TIMEOUT_MS * 2);
      assertThat(legit.isClosed()).isFalse();
      assertServed(legit, "slowloris/legit-after");
    } finally {
      drippers.shutdownNow();
      for (Socket s : concat(silent, partial, dripping)) {
        s.close();
      }
    }
  }

  @Test
  void anUpgradeCompletedWithinTheTimeoutStaysOpen(Vertx vertx) throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(server.port(), server.adminToken())) {
      assertThat(ws.awaitText("\"hello\"", 10_000)).isNotNull();
      Thread.sleep(HANDSHAKE_TIMEOUT_MS * 2);
      ws.sendText("{\"op\":\"ping\",\"id\":1}");
      assertThat(ws.awaitText("\"time\"", 10_000)).as("reply after the deadline").isNotNull();
      assertThat(ws.isClosed()).isFalse();
    }
  }

  /** Sends the upgrade one byte every 100 ms, which would take minutes to finish. */
  private static void drip(Socket s) {
    byte[] request =
        RawWebSocket.upgradeRequest(server.port(), server.adminToken(), true)
            .getBytes(StandardCharsets.UTF_8);
    try {
      OutputStream out = s.getOutputStream();
      for (byte b : request) {
        out.write(b);
        out.flush();
        Thread.sleep(100);
      }
    } catch (IOException | InterruptedException e) {
      // closed by the server (the point of the test) or by the test
    }
  }

  @SafeVarargs
  private static List<Socket> concat(List<Socket>... lists) {
    List<Socket> all = new ArrayList<>();
    for (List<Socket> l : lists) {
      all.addAll(l);
    }
    return all;
  }

  // ---- fragment flood ----

  @Test
  void endlessContinuationFramesCloseWith1009AndMemoryStaysFlat(Vertx vertx) throws Exception {
    long before = HeapProbe.usedAfterGc();
    byte[] chunk = new byte[4096];
    java.util.Arrays.fill(chunk, (byte) 'a');
    List<RawWebSocket> flooders = new ArrayList<>();
    try (SyncClient legit = admin(vertx)) {
      for (int c = 0; c < 8; c++) {
        RawWebSocket ws = RawWebSocket.connect(server.port(), server.adminToken());
        flooders.add(ws);
        ws.send(
            RawWebSocket.TEXT, false, "{\"op\":\"set\",\"key\":\"frag\",\"value\":\"".getBytes());
      }
      // several times the limit each, interleaved: the server must cut every one off
      for (int i = 0; i < 4 * MAX_FRAME_BYTES / chunk.length; i++) {
        for (RawWebSocket ws : flooders) {
          if (!ws.isClosed()) {
            ws.send(RawWebSocket.CONTINUATION, false, chunk);
          }
        }
      }
      for (RawWebSocket ws : flooders) {
        assertThat(ws.closeCode(CLOSED_WITHIN_MS)).isEqualTo(1009);
      }
      assertServed(legit, "frag/legit");
      assertThat(legit.call("get", "key", "frag").getBoolean("exists")).isFalse();
    } finally {
      flooders.forEach(RawWebSocket::close);
    }
    long after = HeapProbe.usedAfterGc();
    log.info(
        "fragment flood heap after gc [before: {}, after: {}]",
        HeapProbe.mb(before),
        HeapProbe.mb(after));
    assertThat(after - before).isLessThan(64L * 1024 * 1024);
  }

  @Test
  void manyEmptyContinuationFramesDoNotGrowMemoryAndOthersAreServed(Vertx vertx) throws Exception {
    long before = HeapProbe.usedAfterGc();
    try (SyncClient legit = admin(vertx);
        RawWebSocket ws = RawWebSocket.connect(server.port(), server.adminToken())) {
      ws.send(RawWebSocket.TEXT, false, "{\"op\":\"ping\",".getBytes());
      int sent = 0;
      for (; sent < 100_000 && !ws.isClosed(); sent++) {
        if (!ws.send(RawWebSocket.CONTINUATION, false, new byte[0])) {
          break;
        }
      }
      assertServed(legit, "frag/empty-legit");
      if (!ws.isClosed()) {
        // the message may still end: then it is one ordinary request
        ws.send(RawWebSocket.CONTINUATION, true, "\"id\":5}".getBytes());
        String reply = ws.awaitText("\"id\":5", 20_000);
        assertThat(reply == null ? ws.closeCode(1000) : 0)
            .as("either answered or closed as abuse")
            .isIn(0, 1008, 1009, 4429);
      }
      log.info("empty continuation frames sent [count: {}, closed: {}]", sent, ws.isClosed());
    }
    long after = HeapProbe.usedAfterGc();
    log.info(
        "empty fragment flood heap after gc [before: {}, after: {}]",
        HeapProbe.mb(before),
        HeapProbe.mb(after));
    assertThat(after - before).isLessThan(64L * 1024 * 1024);
  }

  // ---- ping flood ----

  @Test
  void pingFloodLeavesTheServerResponsive(Vertx vertx) throws Exception {
    long before = HeapProbe.usedAfterGc();
    byte[] payload = new byte[125];
    try (SyncClient legit = admin(vertx);
        RawWebSocket flooder = RawWebSocket.connect(server.port(), server.adminToken())) {
      assertThat(flooder.awaitText("\"hello\"", 10_000)).isNotNull();
      int sent = 0;
      for (; sent < 20_000; sent++) {
        if (!flooder.send(RawWebSocket.PING, true, payload)) {
          break;
        }
        if (sent % 2000 == 0) {
          assertServed(legit, "ping/legit-" + sent);
        }
      }
      assertServed(legit, "ping/legit-end");
      if (flooder.isClosed()) {
        assertThat(flooder.closeCode(1000)).isIn(1008, 4429);
      } else {
        flooder.sendText("{\"op\":\"ping\",\"id\":\"after-flood\"}");
        String reply = flooder.awaitText("after-flood", 20_000);
        if (reply == null) {
          assertThat(flooder.closeCode(CLOSED_WITHIN_MS)).isIn(1008, 4429);
        }
      }
      long pongs = flooder.frames().stream().filter(f -> f.opcode() == RawWebSocket.PONG).count();
      log.info("ping flood [sent: {}, pongs: {}, closed: {}]", sent, pongs, flooder.isClosed());
    }
    long after = HeapProbe.usedAfterGc();
    log.info(
        "ping flood heap after gc [before: {}, after: {}]",
        HeapProbe.mb(before),
        HeapProbe.mb(after));
    assertThat(after - before).isLessThan(64L * 1024 * 1024);
  }

  // ---- oversize and nesting ----

  @Test
  void aFrameHeaderAnnouncingExabytesClosesWith1009BeforeAnyPayload(Vertx vertx) throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(server.port(), server.adminToken());
        SyncClient legit = admin(vertx)) {
      assertThat(ws.awaitText("\"hello\"", 10_000)).isNotNull();
      Socket raw = rawSocketOf(ws);
      // FIN + text, masked, 64-bit length 2^62, mask, then nothing
      byte[] head = {(byte) 0x81, (byte) 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
      raw.getOutputStream().write(head);
      raw.getOutputStream().flush();
      assertThat(ws.closeCode(CLOSED_WITHIN_MS)).isEqualTo(1009);
      assertServed(legit, "oversize/legit");
    }
  }

  @Test
  void aTextFrameOneByteOverTheLimitClosesWith1009(Vertx vertx) throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(server.port(), server.adminToken())) {
      byte[] big = new byte[MAX_FRAME_BYTES + 1];
      java.util.Arrays.fill(big, (byte) ' ');
      big[0] = '{';
      big[big.length - 1] = '}';
      ws.send(RawWebSocket.TEXT, true, big);
      assertThat(ws.closeCode(CLOSED_WITHIN_MS)).isEqualTo(1009);
    }
  }

  @Test
  void nestingAsDeepAsTheFrameAllowsIsABadRequestAndTheConnectionGoesOn(Vertx vertx) {
    try (SyncClient c = admin(vertx)) {
      int depth = MAX_FRAME_BYTES / 2 - 100;
      String text =
          "{\"op\":\"set\",\"id\":\"deep\",\"key\":\"deep\",\"value\":"
              + "[".repeat(depth)
              + "]".repeat(depth)
              + "}";
      c.sendRaw(text);
      c.sendRaw("{\"op\":\"set\",\"key\":\"deep2\",\"value\":" + "{\"a\":".repeat(10_000));
      // beyond 1000 levels the JSON parser stops before the id is read (protocol-decisions.md)
      List<JsonObject> errors = c.nullIdReplies(2);
      errors.forEach(
          e -> assertThat(e.getJsonObject("error").getString("code")).isEqualTo("bad_request"));
      assertThat(c.call("get", "key", "deep").getBoolean("exists")).isFalse();
      assertThat(c.call("get", "key", "deep2").getBoolean("exists")).isFalse();
      assertServed(c, "deep/after");
    }
  }

  private static Socket rawSocketOf(RawWebSocket ws) throws Exception {
    var field = RawWebSocket.class.getDeclaredField("socket");
    field.setAccessible(true);
    return (Socket) field.get(ws);
  }

  // ---- reconnect storm ----

  @Test
  void reconnectStormDoesNotLockOutLegitimateClients(Vertx vertx) throws Exception {
    int stormClients = 8;
    int connectsEach = 40;
    AtomicInteger upgraded = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    ExecutorService storm = Executors.newFixedThreadPool(stormClients);
    List<Future<?>> running = new ArrayList<>();
    for (int t = 0; t < stormClients; t++) {
      // from another loopback address, so that limits per address hit the storm, not the legit
      String token = server.token("storm-" + t, "device");
      running.add(storm.submit(() -> stormLoop(token, connectsEach, upgraded, refused)));
    }
    int legitRounds = 0;
    try {
      while (running.stream().anyMatch(f -> !f.isDone()) || legitRounds < 10) {
        try (SyncClient legit = admin(vertx)) {
          assertServed(legit, "storm/legit-" + legitRounds);
        }
        legitRounds++;
      }
      for (Future<?> f : running) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      storm.shutdownNow();
    }
    log.info(
        "reconnect storm [upgraded: {}, refused: {}, legit rounds served: {}]",
        upgraded.get(),
        refused.get(),
        legitRounds);
    assertThat(upgraded.get() + refused.get()).isEqualTo(stormClients * connectsEach);
    assertThat(legitRounds).isGreaterThanOrEqualTo(10);
    // every storm connection is gone again: none leaks
    var gauge = server.server().metrics().registry().get("state_connections").gauge();
    long deadline = System.currentTimeMillis() + 20_000;
    while (gauge.value() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(gauge.value()).as("open connections after the storm").isZero();
  }

  private static void stormLoop(
      String token, int connects, AtomicInteger upgraded, AtomicInteger refused) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < connects; i++) {
      try {
        Thread.sleep(random.nextInt(0, 15));
        int how = random.nextInt(4);
        if (how == 0) {
          // half an upgrade, then hang up
          try (Socket s = RawWebSocket.tcp("127.0.0.2", server.port())) {
            s.getOutputStream()
                .write(
                    RawWebSocket.upgradeRequest(server.port(), token, false)
                        .getBytes(StandardCharsets.UTF_8));
          }
          refused.incrementAndGet();
          continue;
        }
        RawWebSocket ws = RawWebSocket.connect("127.0.0.2", server.port(), token);
        upgraded.incrementAndGet();
        if (how == 1) {
          ws.close(); // before the hello, abruptly
        } else if (how == 2) {
          ws.awaitText("\"hello\"", 5000);
          ws.close();
        } else {
          ws.awaitText("\"hello\"", 5000);
          ws.send(RawWebSocket.CLOSE, true, new byte[] {0x03, (byte) 0xE8});
          ws.closeCode(5000);
          ws.close();
        }
      } catch (IOException e) {
        refused.incrementAndGet(); // e.g. a limit per address answered 429
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
