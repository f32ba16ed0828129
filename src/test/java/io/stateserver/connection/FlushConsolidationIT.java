package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link SocketWriter} with flush consolidation: a frame written by one event-loop task waits for
 * the tasks already queued behind it, so that frames written by consecutive fan-out messages leave
 * together, and nothing is lost or reordered on the way, not even when the channel closes while the
 * flush waits. A real server on a free port and a real client.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class FlushConsolidationIT {
  /** Held by the test instance: Vert.x closes a client that is no longer referenced. */
  private WebSocketClient client;

  /**
   * The client's own Vert.x: its socket must not share an event loop with the server's, whose
   * queued tasks decide when a flush goes out.
   */
  private Vertx clientVertx;

  @AfterEach
  void closeClient() throws Exception {
    if (clientVertx != null) {
      clientVertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Starts a WebSocket server that installs a consolidating {@link SocketWriter} on each accepted
   * socket and hands both to {@code onSocket}; its port.
   */
  private static int serve(Vertx vertx, BiConsumer<ServerWebSocket, SocketWriter> onSocket)
      throws Exception {
    HttpServer server =
        vertx
            .createHttpServer()
            // as ConnectionVerticle does: the socket is used once the upgrade is answered
            .webSocketHandshakeHandler(
                hs ->
                    hs.accept().onSuccess(ws -> onSocket.accept(ws, TextFrames.install(ws, true))))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  /** Connects a client, and checks the frames once {@code frames} of them have arrived. */
  private void receive(
      Vertx vertx, int port, VertxTestContext ctx, int frames, Consumer<List<String>> check) {
    clientVertx = Vertx.vertx();
    client = clientVertx.createWebSocketClient();
    List<String> received = new CopyOnWriteArrayList<>();
    client
        .connect(port, "127.0.0.1", "/")
        .onComplete(
            ctx.succeeding(
                socket ->
                    socket.textMessageHandler(
                        text -> {
                          received.add(text);
                          if (received.size() == frames) {
                            ctx.verify(() -> check.accept(received));
                            ctx.completeNow();
                          }
                        })));
  }

  private static long unsentBytes(ServerWebSocket ws) {
    Channel channel = ((WebSocketInternal) ws).channelHandlerContext().channel();
    return channel.unsafe().outboundBuffer().totalPendingWriteBytes();
  }

  @Test
  void framesWrittenByQueuedTasksLeaveTogetherAndInOrder(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    AtomicLong unsentBeforeSecond = new AtomicLong(-1);
    int port =
        serve(
            vertx,
            (ws, writer) -> {
              Context context = Vertx.currentContext();
              // Both tasks are queued before the first one writes, as consecutive fan-out
              // messages are: the first frame's flush must wait behind the second task.
              context.runOnContext(v -> writer.write(Buffer.buffer("first")));
              context.runOnContext(
                  v -> {
                    unsentBeforeSecond.set(unsentBytes(ws));
                    writer.write(Buffer.buffer("second"));
                  });
            });
    receive(
        vertx,
        port,
        ctx,
        2,
        received -> {
          assertThat(received).containsExactly("first", "second");
          assertThat(unsentBeforeSecond.get())
              .as("the first frame is still unsent when the second is written")
              .isPositive();
        });
  }

  @Test
  void aFrameWrittenWhileNothingIsQueuedLeavesAtOnce(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    AtomicLong unsentAfterWrite = new AtomicLong(-1);
    int port =
        serve(
            vertx,
            (ws, writer) -> {
              // a timer, not a queued task: when it fires, nothing else waits on the loop
              vertx.setTimer(
                  50,
                  t -> {
                    writer.write(Buffer.buffer("alone"));
                    unsentAfterWrite.set(unsentBytes(ws));
                    // written after the value is set: its arrival means the value is there
                    writer.write(Buffer.buffer("end"));
                  });
            });
    receive(
        vertx,
        port,
        ctx,
        2,
        received -> {
          assertThat(received).containsExactly("alone", "end");
          assertThat(unsentAfterWrite.get()).as("sent by the write's own flush").isZero();
        });
  }

  @Test
  void framesWrittenInOneGoLeaveTogetherWhenReleased(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    AtomicLong unsentWhileHeld = new AtomicLong(-1);
    AtomicLong unsentAfterRelease = new AtomicLong(-1);
    int port =
        serve(
            vertx,
            (ws, writer) -> {
              vertx.setTimer(
                  50,
                  t -> {
                    writer.hold();
                    writer.write(Buffer.buffer("one"));
                    writer.write(Buffer.buffer("two"));
                    unsentWhileHeld.set(unsentBytes(ws));
                    writer.release();
                    unsentAfterRelease.set(unsentBytes(ws));
                    writer.write(Buffer.buffer("end"));
                  });
            });
    receive(
        vertx,
        port,
        ctx,
        3,
        received -> {
          assertThat(received).containsExactly("one", "two", "end");
          assertThat(unsentWhileHeld.get()).as("held until released").isPositive();
          assertThat(unsentAfterRelease.get()).as("sent by the release").isZero();
        });
  }

  @Test
  void aChannelClosedWhileItsFlushWaitsStillSendsTheFrames(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    AtomicLong unsentAtClose = new AtomicLong(-1);
    int port =
        serve(
            vertx,
            (ws, writer) -> {
              Context context = Vertx.currentContext();
              context.runOnContext(
                  v -> {
                    writer.write(Buffer.buffer("one"));
                    writer.write(Buffer.buffer("two"));
                    unsentAtClose.set(unsentBytes(ws));
                    // as Vert.x does after a decoder fault: the channel, not the WebSocket
                    ((WebSocketInternal) ws).channelHandlerContext().close();
                  });
              // queued behind, so that the frames' flushes wait
              context.runOnContext(v -> {});
            });
    receive(
        vertx,
        port,
        ctx,
        2,
        received -> {
          assertThat(unsentAtClose.get())
              .as("the frames were still waiting for their flush")
              .isPositive();
          assertThat(received).containsExactly("one", "two");
        });
  }
}
