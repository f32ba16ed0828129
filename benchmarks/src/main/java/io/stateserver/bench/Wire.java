package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocketClient;

/** A protocol adapter: opens {@link Conn}s to one kind of system over WebSocket. */
public interface Wire {
  /** Roles a connection plays; adapters that know no roles ignore it. */
  enum Role {
    /** reads only (state server role {@code device}) */
    READER,
    /** writes shared keys (state server role {@code admin}) */
    WRITER
  }

  Future<Conn> connect(
      WebSocketClient client, String host, int port, String clientId, Role role, ConnEvents events);

  /** This system's name for a harness key ({@code a/b/c}); NATS uses dots. */
  default String topic(String key) {
    return key;
  }

  /** Whether {@link Conn#write} is acknowledged (only this server's writes are). */
  default boolean acknowledgesWrites() {
    return false;
  }
}
