package io.stateserver.connection;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an already encoded UTF-8 JSON frame as a WebSocket text frame without copying it. The
 * public API only builds text frames from Strings (one UTF-8 encoding per socket); a change frame
 * goes to thousands of sockets, so we hand Netty a slice of the one shared buffer instead. This is
 * the only place that touches Vert.x internals (with {@link #closeNow}).
 */
final class TextFrames {
  /** How many flushes may wait for the event loop's queued tasks before one goes out anyway. */
  static final int FLUSH_AFTER_WRITES = 64;

  /** The pipeline name of the consolidating handler. */
  static final String FLUSH_HANDLER = "stateserver-flush";

  private static final Logger log = LoggerFactory.getLogger(TextFrames.class);

  private TextFrames() {}

  static Future<Void> write(WebSocketBase ws, Buffer utf8Json) {
    return ws.writeFrame(
        new WebSocketFrameImpl(
            WebSocketFrameType.TEXT, ((BufferInternal) utf8Json).getByteBuf(), true));
  }

  /**
   * Lets the socket's flushes wait for the tasks already queued on its event loop, when there are
   * any ({@link QueuedFlushHandler}), so that frames written to one socket by several fan-out
   * messages in a row leave in one {@code send}: per-send kernel work is most of the CPU of a
   * delivery over loopback. At most {@value #FLUSH_AFTER_WRITES} flushes wait, and a socket that
   * stops being writable is flushed at once.
   */
  static void consolidateFlushes(ServerWebSocket ws) {
    if (ws instanceof WebSocketInternal internal) {
      ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
      try {
        vertxHandler
            .pipeline()
            .addBefore(
                vertxHandler.name(), FLUSH_HANDLER, new QueuedFlushHandler(FLUSH_AFTER_WRITES));
      } catch (RuntimeException e) {
        // the socket works as well without it, one send per flush
        log.warn("cannot consolidate flushes [cause: {}]", String.valueOf(e));
      }
    }
  }

  /** The socket's {@link QueuedFlushHandler}, or null when it has none. */
  static QueuedFlushHandler flushHandler(ServerWebSocket ws) {
    return ws instanceof WebSocketInternal internal
            && internal.channelHandlerContext().pipeline().get(FLUSH_HANDLER)
                instanceof QueuedFlushHandler handler
        ? handler
        : null;
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
      // Flushed from the consolidating handler's own place in the pipeline, so that this flush
      // goes out now instead of waiting for the queued tasks.
      ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
      ChannelHandlerContext past = vertxHandler.pipeline().context(FLUSH_HANDLER);
      (past != null ? past : vertxHandler).flush();
    }
  }
}
