package io.stateserver.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests: connects with a bearer token, records every frame, and offers
 * futures for "the reply to request N" and "the next frame matching P".
 */
public final class TestClient {
  private final Vertx vertx;
  // Held so that the client is not collected (and closed) while its socket is in use.
  private final WebSocketClient client;
  private final ClientWebSocket ws;
  private final List<JsonObject> frames = new ArrayList<>();
  private final Map<Object, List<JsonObject>> repliesById = new HashMap<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final AtomicLong ids = new AtomicLong();
  private final Promise<JsonObject> hello = Promise.promise();
  private final Promise<Short> closed = Promise.promise();

  private record Waiter(Predicate<JsonObject> match, Promise<JsonObject> promise) {}

  private TestClient(Vertx vertx, WebSocketClient client, ClientWebSocket ws) {
    this.vertx = vertx;
    this.client = client;
    this.ws = ws;
    // Set before connecting, so that no frame (the hello above all) can arrive without a handler.
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
  }

  public static Future<TestClient> connect(Vertx vertx, int port, String token) {
    return connect(vertx, port, token, null);
  }

  public static Future<TestClient> connect(Vertx vertx, int port, String token, String query) {
    return connect(vertx, new WebSocketClientOptions(), port, token, query);
  }

  /**
   * Connects with {@code options} (TLS, for instance); the frame and message limits are raised so
   * that the server's largest frames fit.
   */
  public static Future<TestClient> connect(
      Vertx vertx, WebSocketClientOptions clientOptions, int port, String token, String query) {
    WebSocketClient client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions(clientOptions)
                .setMaxFrameSize(4 * 1024 * 1024)
                .setMaxMessageSize(16 * 1024 * 1024));
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/v1/ws" + (query == null ? "" : "?" + query));
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    TestClient c = new TestClient(vertx, client, client.webSocket());
    return c.ws.connect(options).map(c);
  }

  private void onText(String text) {
    JsonObject frame = new JsonObject(text);
    frames.add(frame);
    if ("hello".equals(frame.getString("type"))) {
      hello.tryComplete(frame);
    }
    if ("reply".equals(frame.getString("type"))) {
      repliesById.computeIfAbsent(idKey(frame.getValue("id")), k -> new ArrayList<>()).add(frame);
    }
    for (var it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.match.test(frame)) {
        it.remove();
        w.promise.tryComplete(frame);
      }
    }
  }

  public Future<JsonObject> hello() {
    return hello.future();
  }

  public WebSocket socket() {
    return ws;
  }

  /** Sends a request with a fresh integer id and returns the (final) reply. */
  public Future<JsonObject> request(JsonObject request) {
    long id = ids.incrementAndGet();
    Future<JsonObject> reply =
        next(
            f ->
                "reply".equals(f.getString("type"))
                    && Long.valueOf(id).equals(asLong(f.getValue("id")))
                    && !Boolean.TRUE.equals(f.getBoolean("more")));
    ws.writeTextMessage(request.copy().put("id", id).encode());
    return reply;
  }

  public Future<JsonObject> request(String op, Object... fields) {
    JsonObject r = new JsonObject().put("op", op);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      r.put((String) fields[i], fields[i + 1]);
    }
    return request(r);
  }

  /** Sends raw text (which may not be a valid request). */
  public void sendRaw(String text) {
    ws.writeTextMessage(text);
  }

  /** The next frame (from now on) matching the predicate. */
  public Future<JsonObject> next(Predicate<JsonObject> match) {
    Promise<JsonObject> p = Promise.promise();
    waiters.add(new Waiter(match, p));
    return p.future();
  }

  /** The next change frame for a key with at least the given version. */
  public Future<JsonObject> change(String key, long minVersion) {
    for (JsonObject f : frames) {
      if (isChange(f, key, minVersion)) {
        return Future.succeededFuture(f);
      }
    }
    return next(f -> isChange(f, key, minVersion));
  }

  private static boolean isChange(JsonObject f, String key, long minVersion) {
    return "change".equals(f.getString("type"))
        && key.equals(f.getString("key"))
        && f.getLong("version") >= minVersion;
  }

  /** All reply frames (chunks included) received for an id. */
  public List<JsonObject> replies(Object id) {
    return repliesById.getOrDefault(idKey(id), List.of());
  }

  // JSON decoding makes small integer ids Integers; callers hold longs. One key type for both.
  private static Object idKey(Object id) {
    return id instanceof Number n ? (Object) n.longValue() : id;
  }

  public List<JsonObject> frames() {
    return frames;
  }

  public List<JsonObject> changes() {
    return frames.stream().filter(f -> "change".equals(f.getString("type"))).toList();
  }

  public long lastId() {
    return ids.get();
  }

  public Future<Short> closed() {
    return closed.future();
  }

  public Future<Void> close() {
    return ws.close().eventually(() -> client.close());
  }

  private static Long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }

  public Vertx vertx() {
    return vertx;
  }
}
