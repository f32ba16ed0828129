package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** One client connection to a system under test, whatever its protocol. */
public interface Conn {
  /** Completes once the subscription is live (snapshot received, SUBACK, or PONG after SUB). */
  Future<Void> subscribe(String key);

  /** Publishes a new state for {@code key} without waiting for any acknowledgement. */
  void publish(String key, Buffer value);

  /** Writes and completes when the system acknowledged the write (only this server can). */
  Future<Void> write(String key, Buffer value);

  /** Stops reading from the socket (a stalled consumer); the kernel buffers then fill. */
  void pause();

  void resume();

  Future<Void> close();
}
