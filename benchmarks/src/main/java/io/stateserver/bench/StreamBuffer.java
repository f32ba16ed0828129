package io.stateserver.bench;

import io.vertx.core.buffer.Buffer;

/**
 * Bytes of a stream protocol (MQTT, NATS) that WebSocket messages split at arbitrary points: a
 * parser reads from {@link #position()}, reports how far it got, and the rest waits for the next
 * message. A message that holds only whole packets is parsed in place, without a copy.
 */
final class StreamBuffer {
  private Buffer buf;
  private int pos;

  /** The bytes to parse: the leftover of the previous message, then {@code message}. */
  Buffer append(Buffer message) {
    if (buf == null) {
      buf = message;
      pos = 0;
    } else {
      buf.appendBuffer(message);
    }
    return buf;
  }

  int position() {
    return pos;
  }

  void consumedTo(int consumed) {
    if (consumed >= buf.length()) {
      buf = null;
      pos = 0;
    } else {
      // Keep an owned copy: the message buffer itself may be reused by the transport.
      buf = buf.getBuffer(consumed, buf.length()).copy();
      pos = 0;
    }
  }
}
