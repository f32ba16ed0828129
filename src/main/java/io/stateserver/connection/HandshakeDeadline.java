package io.stateserver.connection;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a TCP connection that has not completed a WebSocket upgrade, or sent a whole HTTP request
 * head, within {@code http.handshakeTimeoutMs} of connecting: a client that opens connections and
 * then sends its upgrade a byte at a time (slowloris) cannot hold them open.
 *
 * <p>One per connection-verticle instance. A connection's handlers all run on the event loop of the
 * instance that accepted it, so the map needs no lock. Connections are told apart by their remote
 * address and port, the one thing both the connection and the upgrade handshake expose.
 */
final class HandshakeDeadline {
  private static final Logger log = LoggerFactory.getLogger(HandshakeDeadline.class);

  private final Vertx vertx;
  private final long timeoutMs;
  private final Map<String, Long> timers = new HashMap<>();

  HandshakeDeadline(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** Starts the clock of a new TCP connection. */
  void connected(HttpConnection connection) {
    String peer = String.valueOf(connection.remoteAddress());
    long timer =
        vertx.setTimer(
            timeoutMs,
            id -> {
              if (timers.remove(peer) != null) {
                log.debug("handshake timed out, closing [peer: {}]", peer);
                connection.close();
              }
            });
    Long previous = timers.put(peer, timer);
    if (previous != null) {
      vertx.cancelTimer(previous);
    }
    connection.closeHandler(v -> met(connection.remoteAddress()));
  }

  /** The connection upgraded, or sent a whole request: it is no longer subject to the deadline. */
  void met(SocketAddress peer) {
    Long timer = timers.remove(String.valueOf(peer));
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
