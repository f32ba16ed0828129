package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This server's protocol (PROTOCOL.md sections 2 and 3). Readers connect with role {@code device}
 * (so access checks run as for a real device), writers with role {@code admin}. Also spoken by the
 * harness's own {@link CalibServer}.
 */
final class StateWire implements Wire {
  private static final long TOKEN_LIFETIME_S = 24 * 3600;
  private final Tokens tokens;

  StateWire(String secret) {
    this.tokens = new Tokens(secret);
  }

  @Override
  public boolean acknowledgesWrites() {
    return true;
  }

  @Override
  public Future<Conn> connect(
      WebSocketClient client,
      String host,
      int port,
      String clientId,
      Role role,
      ConnEvents events) {
    String token =
        tokens.issue(clientId, role == Role.WRITER ? "admin" : "device", TOKEN_LIFETIME_S);
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost(host)
            .setPort(port)
            .setURI("/v1/ws")
            .addHeader("Authorization", "Bearer " + token);
    // The connection's handlers go on before connecting: a frame that arrives before a handler is
    // set is lost, and the hello may come right behind the upgrade.
    ClientWebSocket ws = client.webSocket();
    StateConn conn = new StateConn(ws, events);
    return ws.connect(options).compose(connected -> conn.hello());
  }

  private static final class StateConn extends FramedConn {
    private final Promise<Conn> hello = Promise.promise();
    private final Map<Long, Promise<Void>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    StateConn(WebSocket ws, ConnEvents events) {
      super(ws, events);
    }

    Future<Conn> hello() {
      return hello.future();
    }

    @Override
    protected void onMessage(Buffer m) {
      // Frames are encoded with "type" first: {"type":"change"... ; peek instead of parsing.
      char kind = m.length() > 9 && m.getByte(1) == '"' ? (char) m.getByte(9) : '?';
      switch (kind) {
        case 'c' -> {
          long sent = Payload.sentTime(m, 0, m.length());
          if (sent >= 0) {
            events.delivered(sent);
          }
        }
        case 'r' -> onReply(new JsonObject(m));
        case 'h' -> hello.tryComplete(this);
        default -> {
          JsonObject frame = new JsonObject(m);
          switch (frame.getString("type", "")) {
            case "change" -> {}
            case "reply" -> onReply(frame);
            case "hello" -> hello.tryComplete(this);
            default -> events.error(frame.getString("type", "unknown"));
          }
        }
      }
    }

    private void onReply(JsonObject reply) {
      Object id = reply.getValue("id");
      Promise<Void> waiting = id instanceof Number n ? pending.get(n.longValue()) : null;
      if (!reply.getBoolean("ok", false)) {
        JsonObject error = reply.getJsonObject("error", new JsonObject());
        events.error(error.getString("code", "unknown"));
        if (waiting != null) {
          pending.remove(((Number) id).longValue());
          waiting.tryFail(error.getString("code", "error") + ": " + error.getString("message"));
        }
        return;
      }
      if (waiting != null && !reply.getBoolean("more", false)) {
        pending.remove(((Number) id).longValue());
        waiting.tryComplete();
      }
    }

    @Override
    protected void onClosed() {
      hello.tryFail("closed before hello");
      pending.values().forEach(p -> p.tryFail("connection closed"));
      pending.clear();
    }

    private Future<Void> request(String frameWithoutId) {
      long id = ids.incrementAndGet();
      Promise<Void> promise = Promise.promise();
      pending.put(id, promise);
      ws.writeTextMessage("{\"id\":" + id + "," + frameWithoutId.substring(1))
          .onFailure(promise::tryFail);
      return promise.future();
    }

    @Override
    public Future<Void> subscribe(String key) {
      return request("{\"op\":\"sub\",\"pattern\":\"" + key + "\"}");
    }

    @Override
    public void publish(String key, Buffer value) {
      ws.writeTextMessage("{\"op\":\"set\",\"key\":\"" + key + "\",\"value\":" + value + "}");
    }

    @Override
    public Future<Void> write(String key, Buffer value) {
      return request("{\"op\":\"set\",\"key\":\"" + key + "\",\"value\":" + value + "}");
    }
  }
}
