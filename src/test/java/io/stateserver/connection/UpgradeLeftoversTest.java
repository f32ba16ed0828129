package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an accepted socket keeps of its upgrade, on a real Vert.x server and client. The second test
 * pins down the Vert.x behaviour that {@link UpgradeLeftovers} works around: when a Vert.x version
 * stops keeping the upgrade, it fails, and the workaround can go.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class UpgradeLeftoversTest {
  private static final String TOKEN = "header.payload.signature-of-the-upgrade";

  private HttpServer server;
  // held: Vert.x closes a WebSocket client that becomes unreachable, and these tests run full GCs
  private WebSocketClient wsClient;
  private volatile WeakReference<ServerWebSocketHandshake> handshake;
  private final CompletableFuture<ServerWebSocket> accepted = new CompletableFuture<>();

  private void startServer(Vertx vertx, boolean release, VertxTestContext ctx) {
    server =
        vertx
            .createHttpServer()
            .webSocketHandshakeHandler(
                hs -> {
                  // only weakly: the test must not be what keeps the upgrade alive
                  handshake = new WeakReference<>(hs);
                  hs.accept()
                      .onSuccess(
                          ws -> {
                            if (release) {
                              UpgradeLeftovers.release(ws);
                            }
                            accepted.complete(ws);
                          })
                      .onFailure(ctx::failNow);
                });
    server.listen(0, "127.0.0.1").onComplete(ctx.succeedingThenComplete());
  }

  /** Starts the server, connects one client with a bearer token and waits for the accept. */
  private WebSocket startAndConnect(Vertx vertx, boolean release, VertxTestContext started)
      throws Exception {
    startServer(vertx, release, started);
    assertThat(started.awaitCompletion(10, TimeUnit.SECONDS)).isTrue();
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(server.actualPort())
            .setURI("/v1/ws")
            .addHeader("Authorization", "Bearer " + TOKEN);
    wsClient = vertx.createWebSocketClient();
    WebSocket client =
        wsClient
            .connect(options)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    accepted.get(10, TimeUnit.SECONDS);
    return client;
  }

  /** Whether the handshake, and with it the upgrade request, is still reachable after full GCs. */
  private boolean handshakeStillReachable() throws InterruptedException {
    for (int i = 0; i < 10 && handshake.get() != null; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return handshake.get() != null;
  }

  @BeforeEach
  void noServerYet() {
    server = null;
    wsClient = null;
  }

  @AfterEach
  void closeServer() throws Exception {
    if (wsClient != null) {
      wsClient.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anAcceptedSocketKeepsNeitherTheUpgradeNorItsToken(Vertx vertx, VertxTestContext started)
      throws Throwable {
    WebSocket client = startAndConnect(vertx, true, started);
    ServerWebSocket ws = accepted.get();

    assertThat(ws.headers().isEmpty()).as("the upgrade's headers, token included").isTrue();
    assertThat(UpgradeLeftovers.releasesConnection()).isTrue();
    assertThat(handshakeStillReachable()).as("the upgrade request kept after accept").isFalse();

    // and the socket works both ways as before
    CompletableFuture<String> atServer = new CompletableFuture<>();
    CompletableFuture<String> atClient = new CompletableFuture<>();
    ws.textMessageHandler(atServer::complete);
    client.textMessageHandler(atClient::complete);
    client.writeTextMessage("from the client");
    ws.writeTextMessage("from the server");
    assertThat(atServer.get(10, TimeUnit.SECONDS)).isEqualTo("from the client");
    assertThat(atClient.get(10, TimeUnit.SECONDS)).isEqualTo("from the server");
    client.close();
  }

  @Test
  void withoutTheReleaseVertxKeepsTheUpgradeForTheSocketsLife(Vertx vertx, VertxTestContext started)
      throws Throwable {
    WebSocket client = startAndConnect(vertx, false, started);
    ServerWebSocket ws = accepted.get();

    assertThat(ws.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(handshakeStillReachable()).isTrue();
    client.close();
  }
}
