package io.stateserver.connection;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Writes an already encoded UTF-8 JSON frame as a WebSocket text frame without copying it. The
 * public API only builds text frames from Strings (one UTF-8 encoding per socket); a change frame
 * goes to thousands of sockets, so we hand Netty a slice of the one shared buffer instead. This is
 * the only place that touches Vert.x internals (with {@link #closeNow}).
 */
final class TextFrames {
  private TextFrames() {}

  static Future<Void> write(WebSocketBase ws, Buffer utf8Json) {
    return ws.writeFrame(
        new WebSocketFrameImpl(
            WebSocketFrameType.TEXT, ((BufferInternal) utf8Json).getByteBuf(), true));
  }

  /**
   * Closes with a code and makes sure the close frame leaves now. For a frame the decoder refused
   * (too big, malformed) Vert.x closes the channel right after reporting the fault, before the
   * close frame would be flushed at the end of the read, and the client would only see 1006.
   */
  static void closeNow(ServerWebSocket ws, short code, String reason) {
    if (ws.isClosed()) {
      return;
    }
    ws.close(code, reason);
    if (ws instanceof WebSocketInternal internal) {
      internal.channelHandlerContext().flush();
    }
  }
}
