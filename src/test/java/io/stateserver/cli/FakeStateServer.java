package io.stateserver.cli;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A stand-in for the State Server in client-tool tests: accepts a WebSocket on {@code /v1/ws} when
 * a Bearer token other than {@code bad} is present (401 otherwise), sends {@code hello}, and
 * answers each request with the frames a script returns. A script's frame whose {@code type} is
 * {@code "close"} closes the connection with the given {@code code} and {@code reason} instead of
 * being sent.
 */
final class FakeStateServer {

  private final HttpServer server;
  final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
  private volatile Function<JsonObject, List<JsonObject>> script = request -> List.of();

  private FakeStateServer(HttpServer server) {
    this.server = server;
  }

  static FakeStateServer start(Vertx vertx) throws Exception {
    FakeStateServer[] holder = new FakeStateServer[1];
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandshakeHandler(
                handshake -> {
                  String auth = handshake.headers().get("Authorization");
                  if (!"/v1/ws".equals(handshake.path())
                      || auth == null
                      || auth.equals("Bearer bad")) {
                    handshake.reject(401);
                    return;
                  }
                  holder[0].authorizations.add(auth);
                  handshake.accept();
                })
            .webSocketHandler(ws -> holder[0].serve(ws));
    holder[0] = new FakeStateServer(server);
    server
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    return holder[0];
  }

  /** Replies to every request with {@code reply(request)}. */
  FakeStateServer answer(Function<JsonObject, List<JsonObject>> reply) {
    this.script = reply;
    return this;
  }

  String url() {
    return "ws://127.0.0.1:" + server.actualPort() + "/v1/ws";
  }

  JsonObject onlyRequest() {
    if (requests.size() != 1) {
      throw new AssertionError("expected one request, got " + requests);
    }
    return requests.get(0);
  }

  /** A reply envelope for {@code request} with the given success fields. */
  static JsonObject ok(JsonObject request, JsonObject fields) {
    return new JsonObject()
        .put("type", "reply")
        .put("id", request.getValue("id"))
        .put("ok", true)
        .mergeIn(fields);
  }

  static JsonObject error(JsonObject request, JsonObject error) {
    return new JsonObject()
        .put("type", "reply")
        .put("id", request.getValue("id"))
        .put("ok", false)
        .put("error", error);
  }

  /** Sends a frame to every connected client, unasked (a change, say). */
  void push(JsonObject frame) {
    for (ServerWebSocket ws : sockets) {
      ws.writeTextMessage(frame.encode());
    }
  }

  private void serve(ServerWebSocket ws) {
    sockets.add(ws);
    ws.closeHandler(v -> sockets.remove(ws));
    ws.writeTextMessage(
        new JsonObject()
            .put("type", "hello")
            .put("protocol", 1)
            .put("session", "s1")
            .put("node", "fake")
            .put("client", "tester")
            .put("limits", new JsonObject())
            .encode());
    ws.textMessageHandler(
        text -> {
          JsonObject request = new JsonObject(text);
          requests.add(request);
          for (JsonObject frame : script.apply(request)) {
            if ("close".equals(frame.getString("type"))) {
              ws.close(frame.getInteger("code").shortValue(), frame.getString("reason"));
            } else {
              ws.writeTextMessage(frame.encode());
            }
          }
        });
  }
}
