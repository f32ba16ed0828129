package io.stateserver.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket text frames written straight into the channel: {@link #install} puts a {@link
 * SocketWriter} into an accepted socket's pipeline, {@link #encode} is the frame encoding it
 * writes. The public API builds text frames only from Strings, and Vert.x's write path costs more
 * per frame than the frame itself; a change frame goes to thousands of sockets. This class (also in
 * {@link #closeNow}), {@link UpgradeLeftovers} and {@link DirectControlWrites} are the only ones
 * that touch Vert.x internals.
 */
final class TextFrames {
  /** How many flushes may wait for the event loop's queued tasks before one goes out anyway. */
  static final int FLUSH_AFTER_WRITES = 64;

  /** The pipeline name of the {@link SocketWriter}. */
  static final String WRITER = "stateserver-writer";

  private static final int FIN_TEXT = 0x81;
  private static final int LENGTH_16 = 126;
  private static final int LENGTH_64 = 127;

  private static final Logger log = LoggerFactory.getLogger(TextFrames.class);

  private TextFrames() {}

  /**
   * Encodes {@code utf8Json} as one unmasked, final text frame (RFC 6455, section 5.2: a server's
   * frames are never masked), header and payload in one buffer, so that it leaves in one piece.
   */
  static ByteBuf encode(ByteBufAllocator alloc, Buffer utf8Json) {
    ByteBuf payload = ((BufferInternal) utf8Json).getByteBuf();
    int length = payload.readableBytes();
    int header = length < LENGTH_16 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf frame = alloc.ioBuffer(header + length);
    frame.writeByte(FIN_TEXT);
    if (length < LENGTH_16) {
      frame.writeByte(length);
    } else if (length <= 0xFFFF) {
      frame.writeByte(LENGTH_16);
      frame.writeShort(length);
    } else {
      frame.writeByte(LENGTH_64);
      frame.writeLong(length);
    }
    frame.writeBytes(payload);
    return frame;
  }

  /**
   * Puts a {@link SocketWriter} just before Vert.x's handler of an accepted socket.
   *
   * @param consolidateFlushes let flushes wait for the tasks already queued on the event loop, when
   *     there are any, so that frames written to one socket by several fan-out messages in a row
   *     leave in one {@code send}: per-send kernel work is most of the CPU of a delivery over
   *     loopback. At most {@value #FLUSH_AFTER_WRITES} flushes wait, and a socket that stops being
   *     writable is flushed at once.
   * @return the writer, or null when it could not be installed (the channel is already gone)
   */
  static SocketWriter install(ServerWebSocket ws, boolean consolidateFlushes) {
    if (!(ws instanceof WebSocketInternal internal)) {
      log.error("cannot install the socket writer [socket: {}]", ws.getClass().getName());
      return null;
    }
    SocketWriter writer = new SocketWriter(FLUSH_AFTER_WRITES, consolidateFlushes);
    ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
    try {
      vertxHandler.pipeline().addBefore(vertxHandler.name(), WRITER, writer);
      return writer;
    } catch (RuntimeException e) {
      log.error("cannot install the socket writer [cause: {}]", String.valueOf(e));
      return null;
    }
  }

  /**
   * Closes with a code and makes sure the close frame leaves now. For a frame the decoder refused
   * (too big, malformed) Vert.x closes the channel right after reporting the fault, before the
   * close frame would be flushed at the end of the read, and the client would only see 1006 (the
   * close then lingers: {@link SocketWriter#close}).
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
      ChannelHandlerContext past = vertxHandler.pipeline().context(WRITER);
      (past != null ? past : vertxHandler).flush();
    }
  }
}
