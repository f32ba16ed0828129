package io.stateserver.connection;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Writes an already encoded UTF-8 JSON frame as a WebSocket text frame without copying it. The
 * public API only builds text frames from Strings (one UTF-8 encoding per socket); a change frame
 * goes to thousands of sockets, so we hand Netty a slice of the one shared buffer instead. This is
 * the only place that touches Vert.x internals.
 */
final class TextFrames {
  private TextFrames() {}

  static Future<Void> write(WebSocketBase ws, Buffer utf8Json) {
    return ws.writeFrame(
        new WebSocketFrameImpl(
            WebSocketFrameType.TEXT, ((BufferInternal) utf8Json).getByteBuf(), true));
  }
}
