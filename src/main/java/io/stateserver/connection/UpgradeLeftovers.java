package io.stateserver.connection;

import io.netty.channel.ChannelHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets go of what an accepted WebSocket no longer needs from its HTTP upgrade. A device's socket
 * lives for days, and Vert.x 5.0 keeps the whole upgrade with it:
 *
 * <ul>
 *   <li>the request's headers, through {@link ServerWebSocket#headers()}: among them the bearer
 *       token, which then sits in the heap for the life of the connection;
 *   <li>the upgraded HTTP connection with its request and response objects, through the factory
 *       function that Vert.x's channel handler keeps after it has made the WebSocket connection
 *       (the function is only called when the handler joins the pipeline).
 * </ul>
 *
 * <p>Together about 2.4 KiB of live heap per idle connection (S1, tuning log 21). The headers are
 * cleared through the public API. The factory is released through reflection, the one way to reach
 * it; if a Vert.x version renames the field, that part is skipped with one warning at the first
 * connection (the server works the same, with the memory kept), and {@code UpgradeLeftoversTest}
 * fails.
 */
final class UpgradeLeftovers {
  private static final Logger log = LoggerFactory.getLogger(UpgradeLeftovers.class);
  private static final Field FACTORY = factoryField();
  // Turned off for good after the first refused write, e.g. on a JDK that denies changing final
  // fields (JEP 500); then the memory stays, as on a Vert.x version without the field.
  private static volatile boolean releasing = FACTORY != null;

  private UpgradeLeftovers() {}

  /** Releases the upgrade's leftovers of a socket that has just been accepted. */
  static void release(ServerWebSocket ws) {
    ws.headers().clear();
    if (releasing && ws instanceof WebSocketInternal internal) {
      ChannelHandler handler = internal.channelHandlerContext().handler();
      if (handler instanceof VertxHandler<?>) {
        try {
          FACTORY.set(handler, null);
        } catch (IllegalAccessException | RuntimeException e) {
          releasing = false;
          warnConnectionKept(e);
        }
      }
    }
  }

  private static void warnConnectionKept(Exception e) {
    log.warn(
        "the upgraded http connection stays with every websocket (about 2.4 KiB each) [cause: {}]",
        e.toString());
  }

  /** Whether the upgraded HTTP connection is released on this Vert.x version and JDK. */
  static boolean releasesConnection() {
    return releasing;
  }

  private static Field factoryField() {
    try {
      Field field = VertxHandler.class.getDeclaredField("connectionFactory");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnConnectionKept(e);
      return null;
    }
  }
}
