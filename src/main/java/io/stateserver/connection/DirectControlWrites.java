package io.stateserver.connection;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets Vert.x write an accepted socket's own frames (pings, pongs, close frames) straight into the
 * channel, as its strict thread mode does for HTTP connections. Vert.x 5.0 gives a WebSocket
 * connection no strict mode: it always queues those writes in an MPSC queue whose first chunk
 * (1,024 slots, fixed in Netty) costs 4.6 KiB per connection, for the life of every idle device
 * (S1, tuning log 24). This server writes to a socket only from the socket's own event loop (its
 * protocol frames do not even use that queue: see {@link TextFrames}), so the queue never has work
 * to hand over from another thread.
 *
 * <p>The queue is swapped for Vert.x's own direct one through reflection, right after accept,
 * before anything was written through it. If a Vert.x version lacks either piece, or a JDK refuses
 * the write, the socket keeps its queue and the server logs a warning.
 *
 * <p>The rule this rests on: {@code ws.write*}, {@code writePing} and {@code close} only on the
 * socket's event loop. Vert.x checks that for HTTP responses in strict mode, but not for a
 * WebSocket (only an {@code assert}, which the tests run with): a write from another thread would
 * still reach the channel, but could miss its flush.
 */
final class DirectControlWrites {
  private static final Logger log = LoggerFactory.getLogger(DirectControlWrites.class);
  private static final Field QUEUE = queueField();
  private static final Constructor<?> DIRECT = directQueue();
  private static volatile boolean enabled = QUEUE != null && DIRECT != null;

  private DirectControlWrites() {}

  /**
   * Swaps the queue of a socket that has just been accepted; call on the socket's event loop.
   *
   * @return whether the socket now writes directly
   */
  static boolean apply(ServerWebSocket ws) {
    if (!enabled
        || !(ws instanceof WebSocketInternal internal)
        || !(internal.channelHandlerContext().handler() instanceof VertxHandler<?> handler)
        || !internal.channelHandlerContext().executor().inEventLoop()) {
      return false;
    }
    VertxConnection connection = handler.getConnection();
    if (connection == null) {
      return false;
    }
    // Nothing can be waiting in the old queue: Vert.x accepts the socket and completes the accept
    // future, whose callback calls this, in one event-loop task, and writes nothing through the
    // queue in between (the 101 response goes out through the HTTP connection).
    try {
      QUEUE.set(connection, DIRECT.newInstance(connection));
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      enabled = false;
      warnQueueKept(e);
      return false;
    }
  }

  private static void warnQueueKept(Exception e) {
    log.warn(
        "every websocket keeps its own write queue (about 4.6 KiB each) [cause: {}]", e.toString());
  }

  /** Whether sockets write directly on this Vert.x version and JDK. */
  static boolean enabled() {
    return enabled;
  }

  private static Field queueField() {
    try {
      Field field = VertxConnection.class.getDeclaredField("outboundMessageQueue");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnQueueKept(e);
      return null;
    }
  }

  private static Constructor<?> directQueue() {
    try {
      Class<?> direct =
          Class.forName(VertxConnection.class.getName() + "$DirectOutboundMessageQueue");
      Constructor<?> constructor = direct.getDeclaredConstructor(VertxConnection.class);
      constructor.setAccessible(true);
      return constructor;
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnQueueKept(e);
      return null;
    }
  }
}
