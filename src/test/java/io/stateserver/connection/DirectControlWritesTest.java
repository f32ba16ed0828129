package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A socket whose queue {@link DirectControlWrites} swapped, on a real Vert.x server and client: the
 * frames Vert.x writes itself (pings, close frames) still arrive, and the queue is gone.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class DirectControlWritesTest {
  private HttpServer server;
  // held: Vert.x closes a WebSocket client that becomes unreachable, and this test runs full GCs
  private WebSocketClient wsClient;
  private volatile WeakReference<Object> queueBefore;
  private final CompletableFuture<ServerWebSocket> accepted = new CompletableFuture<>();
  // the socket's own context: production writes only from there
  private volatile Context socketContext;
  private final CompletableFuture<Boolean> applied = new CompletableFuture<>();

  private static Object queueOf(ServerWebSocket ws) throws ReflectiveOperationException {
    Field field = VertxConnection.class.getDeclaredField("outboundMessageQueue");
    field.setAccessible(true);
    VertxHandler<?> handler =
        (VertxHandler<?>) ((WebSocketInternal) ws).channelHandlerContext().handler();
    return field.get(handler.getConnection());
  }

  @AfterEach
  void close() throws Exception {
    if (wsClient != null) {
      wsClient.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void vertxsOwnFramesStillArriveAndTheQueueIsGone(Vertx vertx, VertxTestContext started)
      throws Throwable {
    server =
        vertx
            .createHttpServer()
            .webSocketHandshakeHandler(
                hs ->
                    hs.accept()
                        .onSuccess(
                            ws -> {
                              socketContext = Vertx.currentContext();
                              try {
                                queueBefore = new WeakReference<>(queueOf(ws));
                                applied.complete(DirectControlWrites.apply(ws));
                              } catch (ReflectiveOperationException e) {
                                applied.completeExceptionally(e);
                              }
                              accepted.complete(ws);
                            }));
    server.listen(0, "127.0.0.1").onComplete(started.succeedingThenComplete());
    assertThat(started.awaitCompletion(10, TimeUnit.SECONDS)).isTrue();
    wsClient = vertx.createWebSocketClient();
    WebSocket client =
        wsClient
            .connect(
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(server.actualPort())
                    .setURI("/v1/ws"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    ServerWebSocket ws = accepted.get(10, TimeUnit.SECONDS);

    assertThat(applied.get(10, TimeUnit.SECONDS)).as("the queue swapped").isTrue();
    assertThat(DirectControlWrites.enabled()).isTrue();
    for (int i = 0; i < 10 && queueBefore.get() != null; i++) {
      System.gc();
      Thread.sleep(50);
    }
    assertThat(queueBefore.get()).as("the MPSC queue kept after the swap").isNull();

    // a ping from the server (a frame Vert.x writes itself) is answered by the client's pong
    CompletableFuture<Buffer> pong = new CompletableFuture<>();
    socketContext.runOnContext(
        v -> {
          ws.pongHandler(pong::complete);
          ws.writePing(Buffer.buffer("are you there"));
        });
    assertThat(pong.get(10, TimeUnit.SECONDS).toString()).isEqualTo("are you there");

    // and a close frame with a code reaches the client
    CompletableFuture<Short> closedWith = new CompletableFuture<>();
    client.closeHandler(v -> closedWith.complete(client.closeStatusCode()));
    socketContext.runOnContext(v -> ws.close((short) 4401, "token expired"));
    assertThat(closedWith.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4401);
  }
}
