package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HeapProbe;
import io.stateserver.support.RawWebSocket;
import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live fuzzer over real WebSockets (issue 3, item 8): several admin connections send thousands of
 * random and mutated frames, every one of which the server must refuse ({@link FuzzFrames}), while
 * other connections send binary and oversize frames and a well-behaved client keeps writing,
 * reading and following its keys. Admin connections, so that no refusal comes from access rules
 * alone: the request itself must be refused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 300, timeUnit = TimeUnit.SECONDS)
class LiveFuzzerIT {
  private static final Logger log = LoggerFactory.getLogger(LiveFuzzerIT.class);
  private static final int MAX_FRAME_BYTES = 64 * 1024;
  private static final int MAX_VALUE_BYTES = 4096;
  private static final int FUZZ_CONNECTIONS = 4;
  private static final int FRAMES_PER_CONNECTION = 5000;
  private static final long FUZZ_BUDGET_MS = 120_000;
  private static final int WINDOW = 64;
  private static final Set<String> CODES =
      Set.of(
          "bad_request",
          "unknown_op",
          "invalid_key",
          "invalid_pattern",
          "too_large",
          "not_found",
          "version_conflict",
          "unauthorized",
          "forbidden",
          "rate_limited",
          "limit_exceeded");

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.maxFrameBytes=" + MAX_FRAME_BYTES,
          "--limits.maxValueBytes=" + MAX_VALUE_BYTES,
          // the fuzzer is fast on purpose: its frames must be refused for what they are
          "--limits.rate.messagesPerSecond=1000000",
          "--limits.rate.burst=1000000",
          "--limits.rate.bytesPerSecond=1000000000");

  @Test
  void invalidFramesAreAllRefusedChangeNothingAndWellBehavedClientsAreServed(Vertx vertx)
      throws Exception {
    List<String> keys = seed(vertx);
    Map<String, String> before = snapshot(vertx);
    long heapBefore = HeapProbe.usedAfterGc();
    long seed = System.nanoTime();
    log.info("live fuzz starting [seed: {}]", seed);

    AtomicBoolean fuzzing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(FUZZ_CONNECTIONS + 3);
    List<Future<FuzzResult>> fuzzers = new ArrayList<>();
    for (int i = 0; i < FUZZ_CONNECTIONS; i++) {
      FuzzFrames frames = new FuzzFrames(seed + i, MAX_VALUE_BYTES, keys);
      fuzzers.add(pool.submit(() -> fuzz(vertx, frames)));
    }
    Future<int[]> binary = pool.submit(() -> binaryAndOversize(fuzzing));
    Future<GoodResult> good = pool.submit(() -> wellBehaved(vertx, fuzzing));

    List<FuzzResult> results = new ArrayList<>();
    try {
      for (Future<FuzzResult> f : fuzzers) {
        results.add(f.get(FUZZ_BUDGET_MS + 60_000, TimeUnit.MILLISECONDS));
      }
    } finally {
      fuzzing.set(false);
    }
    int[] closes = binary.get(60, TimeUnit.SECONDS);
    GoodResult served = good.get(60, TimeUnit.SECONDS);
    pool.shutdownNow();

    long sent = results.stream().mapToLong(r -> r.sent).sum();
    long refused = results.stream().mapToLong(r -> r.refused).sum();
    List<String> violations = new ArrayList<>();
    results.forEach(r -> violations.addAll(r.violations));
    Map<String, Long> byCode = new TreeMap<>();
    results.forEach(r -> r.byCode.forEach((c, n) -> byCode.merge(c, n, Long::sum)));
    long heapAfter = HeapProbe.usedAfterGc();
    log.info(
        "live fuzz done [text frames: {}, refused: {}, binary closed 1003: {}, oversize closed"
            + " 1009: {}, good requests: {}, heap before: {}, heap after: {}, codes: {}]",
        sent,
        refused,
        closes[0],
        closes[1],
        served.requests,
        HeapProbe.mb(heapBefore),
        HeapProbe.mb(heapAfter),
        byCode);

    // every invalid frame got exactly one protocol error, with no stack trace text
    assertThat(violations).isEmpty();
    assertThat(sent).isGreaterThanOrEqualTo(5000);
    assertThat(refused).isEqualTo(sent);
    assertThat(closes[0]).isPositive();
    assertThat(closes[1]).isPositive();
    // the well-behaved client saw every reply and every newest version
    assertThat(served.problems).isEmpty();
    assertThat(served.requests).isPositive();
    // nothing changed but the well-behaved client's keys
    assertThat(snapshot(vertx)).isEqualTo(before);
    // memory is bounded: a generous margin, far below what keeping frames would cost
    assertThat(heapAfter - heapBefore).isLessThan(64L * 1024 * 1024);
    // the server is alive and still serves new connections
    assertThat(liveStatus()).isEqualTo(200);
    try (SyncClient after = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      assertThat(after.call("ping").getBoolean("ok")).isTrue();
    }
  }

  // ---- state before and after ----

  private static List<String> seed(Vertx vertx) {
    List<String> keys = new ArrayList<>();
    try (SyncClient admin = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      for (int i = 0; i < 40; i++) {
        keys.add("fuzz/k" + i);
        keys.add("config/c" + (i % 10));
        keys.add("devices/d" + (i % 5) + "/v" + i);
      }
      List<Long> ids = new ArrayList<>();
      for (String key : new java.util.LinkedHashSet<>(keys)) {
        ids.add(admin.send("set", "key", key, "value", new JsonObject().put("k", key)));
      }
      ids.forEach(id -> assertThat(admin.reply(id).getBoolean("ok")).isTrue());
    }
    return List.copyOf(new java.util.LinkedHashSet<>(keys));
  }

  /** Every key (except the well-behaved client's) with its version and value. */
  private static Map<String, String> snapshot(Vertx vertx) {
    Map<String, String> state = new TreeMap<>();
    try (SyncClient admin = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      JsonArray entries =
          admin.call("list", "pattern", "#", "limit", 10_000).getJsonArray("entries");
      for (Object e : entries) {
        JsonObject entry = (JsonObject) e;
        if (!entry.getString("key").startsWith("good/")) {
          state.put(
              entry.getString("key"), entry.getLong("version") + " " + entry.getValue("value"));
        }
      }
    }
    return state;
  }

  // ---- fuzzing connections ----

  private record FuzzResult(
      long sent, long refused, List<String> violations, Map<String, Long> byCode) {}

  /** Sends frames in windows of {@link #WINDOW}; each must be answered by one error reply. */
  private static FuzzResult fuzz(Vertx vertx, FuzzFrames frames) throws Exception {
    Semaphore window = new Semaphore(WINDOW);
    AtomicLong refused = new AtomicLong();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    Map<String, Long> byCode = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicBoolean done = new AtomicBoolean();
    WebSocketClient client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions().setMaxFrameSize(MAX_FRAME_BYTES * 4));
    // Handlers before connecting, so that the hello cannot arrive without one.
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(text -> onFuzzReply(text, refused, violations, byCode, window));
    ws.closeHandler(
        v -> {
          if (!done.get()) {
            violations.add("connection closed [code: " + ws.closeStatusCode() + "]");
          }
        });
    SyncClient.await(
        ws.connect(
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(server.port())
                .setURI("/v1/ws")
                .addHeader("Authorization", "Bearer " + server.adminToken())));
    long sent = 0;
    long deadline = System.currentTimeMillis() + FUZZ_BUDGET_MS;
    try {
      while (sent < FRAMES_PER_CONNECTION
          && System.currentTimeMillis() < deadline
          && violations.isEmpty()) {
        if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
          violations.add("no reply within 30 s [sent: " + sent + ", refused: " + refused + "]");
          break;
        }
        byte[] frame = frames.next();
        ws.writeFrame(
            new io.vertx.core.http.impl.ws.WebSocketFrameImpl(
                WebSocketFrameType.TEXT, io.netty.buffer.Unpooled.wrappedBuffer(frame), true));
        sent++;
      }
      // the last window's replies
      if (!window.tryAcquire(WINDOW, 30, TimeUnit.SECONDS)) {
        violations.add("missing replies at the end [sent: " + sent + ", refused: " + refused + "]");
      }
    } finally {
      done.set(true);
      ws.close();
      client.close();
    }
    return new FuzzResult(sent, refused.get(), List.copyOf(violations), Map.copyOf(byCode));
  }

  private static void onFuzzReply(
      String text,
      AtomicLong refused,
      ConcurrentLinkedQueue<String> violations,
      Map<String, Long> byCode,
      Semaphore window) {
    if (text.contains("Exception")
        || text.contains("\tat ")
        || text.contains("io.vertx.")
        || text.contains("java.")) {
      violations.add("stack trace text in " + abbreviate(text));
    }
    JsonObject frame = new JsonObject(text);
    String type = frame.getString("type");
    if ("hello".equals(type)) {
      return;
    }
    if (!"reply".equals(type) || !Boolean.FALSE.equals(frame.getBoolean("ok"))) {
      violations.add("not an error reply: " + abbreviate(text));
    } else {
      String code = frame.getJsonObject("error").getString("code");
      if (!CODES.contains(code)) {
        violations.add("unexpected code: " + abbreviate(text));
      }
      byCode.merge(code, 1L, Long::sum);
    }
    refused.incrementAndGet();
    window.release();
  }

  /** Separate connections that send one binary or one oversize frame each; counts the closes. */
  private static int[] binaryAndOversize(AtomicBoolean fuzzing) throws Exception {
    int binaryClosed = 0;
    int oversizeClosed = 0;
    byte[] big = new byte[MAX_FRAME_BYTES + 1 + (int) (Math.random() * 1000)];
    java.util.Arrays.fill(big, (byte) '1');
    for (int round = 0; fuzzing.get() && round < 200; round++) {
      try (RawWebSocket ws = RawWebSocket.connect(server.port(), server.adminToken())) {
        boolean binaryRound = round % 2 == 0;
        ws.send(
            binaryRound ? RawWebSocket.BINARY : RawWebSocket.TEXT,
            true,
            binaryRound ? "{\"op\":\"ping\",\"id\":1}".getBytes() : big);
        int code = ws.closeCode(20_000);
        if (binaryRound && code == 1003) {
          binaryClosed++;
        } else if (!binaryRound && code == 1009) {
          oversizeClosed++;
        } else {
          throw new AssertionError(
              "unexpected close code " + code + " [binary: " + binaryRound + "]");
        }
      }
    }
    return new int[] {binaryClosed, oversizeClosed};
  }

  // ---- the well-behaved client ----

  private record GoodResult(long requests, List<String> problems) {}

  private static GoodResult wellBehaved(Vertx vertx, AtomicBoolean fuzzing) {
    List<String> problems = new ArrayList<>();
    long requests = 0;
    Map<String, Long> lastVersion = new HashMap<>();
    try (SyncClient c =
            SyncClient.connect(vertx, server.port(), server.token("good-client", "admin"));
        SyncClient follower =
            SyncClient.connect(vertx, server.port(), server.token("good-follower", "admin"))) {
      follower.call("sub", "pattern", "good/#");
      for (int i = 0; fuzzing.get() || i < 50; i++) {
        String key = "good/k" + (i % 10);
        JsonObject set = c.call("set", "key", key, "value", new JsonObject().put("i", i));
        JsonObject get = c.call("get", "key", key);
        requests += 2;
        if (!Boolean.TRUE.equals(set.getBoolean("ok"))
            || !new JsonObject().put("i", i).equals(get.getValue("value"))) {
          problems.add("round " + i + ": " + set + " / " + get);
        }
        lastVersion.put(key, set.getLong("version"));
        if (i % 25 == 0) {
          long subId = c.send("sub", "pattern", key);
          JsonObject snap = c.reply(subId);
          requests++;
          JsonArray entries = snap.getJsonArray("entries");
          if (entries.size() != 1
              || !entries.getJsonObject(0).getLong("version").equals(set.getLong("version"))) {
            problems.add("snapshot of " + key + ": " + snap);
          }
          c.call("unsub", "sub", snap.getString("sub"));
          requests++;
        }
      }
      // the follower eventually sees the newest version of every key
      lastVersion.forEach((key, version) -> follower.change(key, version));
      if (c.frames(f -> "reply".equals(f.getString("type")) && f.getValue("id") == null).size()
          > 0) {
        problems.add("the good client got an error without id");
      }
    } catch (AssertionError e) {
      problems.add(e.getMessage());
    }
    return new GoodResult(requests, problems);
  }

  private static int liveStatus() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/health/live"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }
}
