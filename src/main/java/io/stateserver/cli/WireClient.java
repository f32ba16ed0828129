package io.stateserver.cli;

import io.stateserver.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A blocking client for the State Server's WebSocket protocol (PROTOCOL.md sections 2 and 3), for
 * command-line tools and tests running on their own threads.
 *
 * <p>It owns a small Vert.x instance. The WebSocket handlers only put incoming frames on a queue;
 * the caller's thread takes them from it, so no event loop ever blocks. Not thread-safe: one thread
 * drives a client.
 */
public final class WireClient implements AutoCloseable {

  /** Large enough for a frame of the biggest configurable size. */
  private static final int MAX_FRAME_BYTES = ServerConfig.Limits.MAX_FRAME_BYTES;

  private final Vertx vertx;

  /**
   * Held for the client's lifetime: Vert.x 5 shuts down a WebSocket client that becomes
   * unreachable, which would evict the connection mid-handshake.
   */
  private final WebSocketClient client;

  private final ClientWebSocket socket;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final Duration timeout;
  // for messages: a tool may talk to two servers, so say which one and which token to check
  private URI url;
  private String tokenOption;
  private JsonObject hello;

  /** Set once the connection closed or failed: every later read reports it again. */
  private WireException ended;

  private sealed interface Event permits Frame, Closed, Failed {}

  private record Frame(JsonObject json) implements Event {}

  private record Closed(Short status, String reason) implements Event {}

  private record Failed(Throwable cause) implements Event {}

  private WireClient(Duration timeout) {
    this.timeout = timeout;
    this.vertx = Vertx.vertx();
    this.client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setMaxFrameSize(MAX_FRAME_BYTES)
                .setMaxMessageSize(MAX_FRAME_BYTES));
    this.socket = client.webSocket();
  }

  /**
   * Connects to {@code url} ({@code ws://} or {@code wss://}) with the token as a Bearer header,
   * and waits for the server's {@code hello} frame.
   *
   * @param token the JWT, or null to connect without one (the server will refuse)
   * @param timeout how long to wait for the connection, the hello, and each reply
   */
  public static WireClient connect(URI url, String token, Duration timeout) throws WireException {
    return connect(url, token, timeout, "--token or STATE_TOKEN");
  }

  /**
   * As {@link #connect(URI, String, Duration)}, for a tool that talks to two servers.
   *
   * @param tokenOption where the token came from ({@code --to-token or STATE_TO_TOKEN}), named when
   *     the server refuses it
   */
  public static WireClient connect(URI url, String token, Duration timeout, String tokenOption)
      throws WireException {
    WireClient client = new WireClient(timeout);
    try {
      client.open(url, token, tokenOption);
      return client;
    } catch (WireException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private void open(URI url, String token, String tokenOption) throws WireException {
    this.url = url;
    this.tokenOption = tokenOption;
    socket.textMessageHandler(this::onText);
    socket.binaryMessageHandler(
        binary -> events.add(new Failed(new WireException("server sent a binary frame"))));
    socket.exceptionHandler(cause -> events.add(new Failed(cause)));
    socket.closeHandler(
        unused -> events.add(new Closed(socket.closeStatusCode(), socket.closeReason())));
    WebSocketConnectOptions options = connectOptions(url, timeout);
    if (token != null && !token.isBlank()) {
      options.addHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
    await(socket.connect(options), "connect to " + url);
    JsonObject first = nextFrame(timeout);
    if (!"hello".equals(first.getString("type"))) {
      throw new WireException("expected a hello frame, got " + first.encode());
    }
    hello = first;
  }

  static WebSocketConnectOptions connectOptions(URI url, Duration timeout) throws WireException {
    String scheme = url.getScheme();
    boolean ssl;
    if ("ws".equalsIgnoreCase(scheme)) {
      ssl = false;
    } else if ("wss".equalsIgnoreCase(scheme)) {
      ssl = true;
    } else {
      throw new WireException("url must start with ws:// or wss://: " + url);
    }
    if (url.getHost() == null) {
      throw new WireException("url has no host: " + url);
    }
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    String query = url.getRawQuery() == null ? "" : "?" + url.getRawQuery();
    return new WebSocketConnectOptions()
        .setHost(url.getHost())
        .setPort(url.getPort() > 0 ? url.getPort() : ssl ? 443 : 80)
        .setSsl(ssl)
        .setURI(path + query)
        .setConnectTimeout(timeout.toMillis())
        .setTimeout(timeout.toMillis());
  }

  private void onText(String text) {
    try {
      events.add(new Frame(new JsonObject(text)));
    } catch (DecodeException | ClassCastException e) {
      events.add(new Failed(new WireException("server sent a frame that is not a JSON object")));
    }
  }

  /** The server's {@code hello} frame. */
  public JsonObject hello() {
    return hello;
  }

  /** Sends a request with a fresh integer {@code id} (a copy is sent) and returns that id. */
  public long send(JsonObject request) throws WireException {
    long id = nextId.getAndIncrement();
    sendRaw(request.copy().put("id", id));
    return id;
  }

  /** Sends a frame as it is, without adding an id. */
  public void sendRaw(JsonObject frame) throws WireException {
    await(socket.writeTextMessage(frame.encode()), "send");
  }

  /**
   * Sends a request and waits for its (first) reply, skipping frames that are not replies to it
   * (change frames, for instance).
   */
  public JsonObject request(JsonObject request) throws WireException {
    long id = send(request);
    return nextReply(id, timeout);
  }

  /** The next reply frame carrying {@code id}, skipping other frames. */
  public JsonObject nextReply(long id, Duration wait) throws WireException {
    while (true) {
      JsonObject frame = nextFrame(wait);
      if ("reply".equals(frame.getString("type")) && isId(frame.getValue("id"), id)) {
        return frame;
      }
    }
  }

  private static boolean isId(Object value, long id) {
    return value instanceof Number n && n.longValue() == id;
  }

  /**
   * The next frame if one has arrived already, else null; never waits (a batch's end).
   *
   * @throws WireException when the connection closed or failed
   */
  public JsonObject pollFrame() throws WireException {
    if (ended == null && events.isEmpty()) {
      return null;
    }
    return nextFrame(timeout);
  }

  /**
   * The next frame from the server, waiting at most {@code wait} (null: as long as it takes).
   *
   * @throws WireException when the connection closed or failed, or nothing came in time
   */
  public JsonObject nextFrame(Duration wait) throws WireException {
    JsonObject frame = nextFrameOrNull(wait);
    if (frame == null) {
      throw new WireException("no frame from the server within " + wait.toMillis() + " ms");
    }
    return frame;
  }

  /**
   * As {@link #nextFrame}, but null when nothing came within {@code wait} (the connection may still
   * be fine: a quiet server).
   */
  public JsonObject nextFrameOrNull(Duration wait) throws WireException {
    if (ended != null) {
      throw ended;
    }
    Event event;
    try {
      event = wait == null ? events.take() : events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WireException("interrupted", e);
    }
    if (event == null) {
      return null;
    }
    if (event instanceof Frame frame) {
      return frame.json();
    }
    if (event instanceof Closed c) {
      ended = closedException(c);
    } else {
      Throwable cause = ((Failed) event).cause();
      ended =
          cause instanceof WireException w
              ? w
              : new WireException("connection failed: " + cause.getMessage(), cause);
    }
    throw ended;
  }

  private WireException closedException(Closed c) {
    return new WireException(
        "connection closed by the server [url: "
            + url
            + ", code: "
            + c.status()
            + (c.reason() == null || c.reason().isEmpty() ? "" : ", reason: " + c.reason())
            + "]");
  }

  /** The default wait for connections and replies. */
  public Duration timeout() {
    return timeout;
  }

  /** Closes the WebSocket normally (1000) and stops the client's Vert.x; waits a bounded time. */
  @Override
  public void close() {
    try {
      if (!socket.isClosed()) {
        socket
            .close((short) 1000)
            .toCompletionStage()
            .toCompletableFuture()
            .get(2, TimeUnit.SECONDS);
      }
    } catch (Exception ignored) {
      // best effort: the server notices the drop either way
    }
    try {
      client.close().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort: closing Vert.x below closes the client too
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort: nothing else runs on this Vert.x instance
    }
  }

  private <T> T await(Future<T> future, String what) throws WireException {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WireException("interrupted: " + what, e);
    } catch (TimeoutException e) {
      throw new WireException("timed out: " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
      if (cause instanceof UpgradeRejectedException rejected) {
        throw new WireException(
            "server refused the connection [url: "
                + url
                + ", status: "
                + rejected.getStatus()
                + "]"
                + (rejected.getStatus() == 401 ? " (check " + tokenOption + ")" : ""),
            cause);
      }
      throw new WireException("cannot " + what + ": " + cause.getMessage(), cause);
    }
  }
}
