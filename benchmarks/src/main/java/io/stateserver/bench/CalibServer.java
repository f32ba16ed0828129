package io.stateserver.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calibration target: a trivial in-memory fan-out server speaking just enough of this server's
 * protocol (hello, sub of an exact key, set, change frames) for {@link StateWire}. No auth, no
 * storage, no conflation. Runs in its own JVM so that it is measured exactly like the real systems;
 * what the harness reaches against it is the harness's own ceiling on this machine.
 */
public final class CalibServer extends VerticleBase {
  private static final Map<String, Set<ServerWebSocket>> SUBSCRIBERS = new ConcurrentHashMap<>();
  private static final AtomicLong VERSIONS = new AtomicLong();
  private final String host;
  private final int port;

  CalibServer(String host, int port) {
    this.host = host;
    this.port = port;
  }

  public static void main(String[] args) {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    Vertx vertx = Vertx.vertx();
    vertx
        .deployVerticle(
            () -> new CalibServer(host, port),
            new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .onFailure(
            e -> {
              e.printStackTrace();
              System.exit(1);
            })
        .onSuccess(id -> System.err.println("calibration server listening on " + port));
  }

  @Override
  public Future<?> start() {
    return vertx
        .createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true))
        .webSocketHandler(this::onSocket)
        .listen();
  }

  private void onSocket(ServerWebSocket ws) {
    ws.writeTextMessage("{\"type\":\"hello\",\"protocol\":1,\"session\":\"calib\",\"limits\":{}}");
    ws.textMessageHandler(text -> onRequest(ws, new JsonObject(text)));
    ws.closeHandler(v -> SUBSCRIBERS.values().forEach(set -> set.remove(ws)));
  }

  private void onRequest(ServerWebSocket ws, JsonObject request) {
    Object id = request.getValue("id");
    switch (request.getString("op", "")) {
      case "sub" -> {
        SUBSCRIBERS
            .computeIfAbsent(request.getString("pattern"), k -> ConcurrentHashMap.newKeySet())
            .add(ws);
        reply(ws, id, ",\"sub\":\"1\",\"entries\":[],\"removed\":[],\"more\":false");
      }
      case "set" -> {
        String key = request.getString("key");
        long version = VERSIONS.incrementAndGet();
        String change =
            ("{\"type\":\"change\",\"key\":\""
                + key
                + "\",\"version\":"
                + version
                + ",\"value\":"
                + request.getValue("value")
                + "}");
        for (ServerWebSocket subscriber : SUBSCRIBERS.getOrDefault(key, Set.of())) {
          subscriber.writeTextMessage(change);
        }
        reply(ws, id, ",\"version\":" + version);
      }
      default -> reply(ws, id, "");
    }
  }

  private static void reply(ServerWebSocket ws, Object id, String fields) {
    if (id != null) {
      ws.writeTextMessage("{\"type\":\"reply\",\"id\":" + id + ",\"ok\":true" + fields + "}");
    }
  }
}
