package io.stateserver.connection;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.vertx.core.buffer.Buffer;

/**
 * The outbound end of one WebSocket, a handler in its pipeline just before Vert.x's: every frame of
 * the protocol (replies, changes, goaways) leaves through {@link #write}, and every flush, ours or
 * Vert.x's (pings, close frames), through {@link #flush(ChannelHandlerContext)}.
 *
 * <p><b>Frames.</b> {@link #write} encodes the JSON as a text frame ({@link TextFrames#encode})
 * straight into the channel, past Vert.x's per-frame machinery (its outbound queue, a frame object
 * and Netty's frame encoder): a change goes to thousands of sockets, and that path had 12.9% of the
 * event loops' CPU in a fan-out, this one 8.2% (docs/performance.md, tuning log 17). Flow control
 * is the channel's own ({@link #isWritable}, {@link #onWritable}); nothing is written after Vert.x
 * sent a close frame, which passes through here.
 *
 * <p><b>Flushes.</b> Netty's {@link FlushConsolidationHandler}, except that a flush outside a read
 * goes out at once when nothing is queued on the event loop. Netty's handler always lets it wait
 * for the tasks queued meanwhile, which batches a loaded loop's frames into one {@code writev} per
 * socket but, on an idle loop, holds every socket of a fan-out until the loop over all of them has
 * ended. Here a flush waits only when other work is already queued: the load that makes batching
 * pay. A connection that writes several frames in one go brackets them with {@link #hold} and
 * {@link #release}, so that they leave together even on an idle loop. With consolidation off
 * ({@code http.consolidateFlushes=false}) a flush waits only for the end of the read in progress,
 * as Vert.x's own flushes do.
 *
 * <p>Event-loop only, like every handler method.
 */
final class SocketWriter extends FlushConsolidationHandler {
  private final boolean consolidate;
  private ChannelHandlerContext ctx;
  private ChannelPromise quietPromise;
  private Runnable onWritable;
  private boolean reading;
  private boolean holding;
  private boolean held;
  private boolean closing;
  // the frame decoder refused a frame: what the client sent after it may still be arriving, so
  // the close lingers (see close)
  private CorruptedWebSocketFrameException refused;
  private boolean lingering;

  /**
   * @param flushAfterWrites how many flushes may wait for the queued tasks before one goes out
   * @param consolidate false to send a flush at once, or at the end of the read in progress
   */
  SocketWriter(int flushAfterWrites, boolean consolidate) {
    // Netty's handler with consolidateWhenNoReadInProgress=false flushes at once outside a read
    super(flushAfterWrites, consolidate);
    this.consolidate = consolidate;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    // As Vert.x writes: a failed write (the channel closed under queued frames) is not an
    // exception for the pipeline; the pipeline's own void promise would report each frame.
    this.quietPromise = new VoidChannelPromise(ctx.channel(), false);
    super.handlerAdded(ctx);
  }

  /**
   * Closes the TCP connection from this handler's place in the pipeline, below Vert.x's handler, so
   * that Vert.x's closing handshake (which waits for its close frame to be written) is not in the
   * way; Vert.x sees the channel close and reports the socket closed. Frames not yet written are
   * dropped.
   */
  void abort() {
    if (ctx != null) {
      ctx.close();
    }
  }

  /**
   * Writes {@code utf8Json} as one text frame and flushes it as {@link
   * #flush(ChannelHandlerContext)} does, or, between {@link #hold} and {@link #release}, on
   * release. Dropped once a close frame has gone out.
   */
  void write(Buffer utf8Json) {
    if (closing) {
      return;
    }
    ctx.write(TextFrames.encode(ctx.alloc(), utf8Json), quietPromise);
    if (holding) {
      held = true;
    } else {
      flushHere();
    }
  }

  /** True while the channel takes more frames without growing past its high-water mark. */
  boolean isWritable() {
    return !closing && ctx.channel().isWritable();
  }

  /** Runs {@code task} each time the channel becomes writable again. */
  void onWritable(Runnable task) {
    this.onWritable = task;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof CloseWebSocketFrame) {
      closing = true;
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) throws Exception {
    if (holding) {
      held = true;
    } else if (!ctx.channel().isWritable()
        || (consolidate && !reading && nothingQueued(ctx.executor()))) {
      // a full channel waits for nothing; nor does a flush when no other work is queued
      ctx.flush();
    } else {
      // Netty's handler: at the end of the read, or (consolidating) after the queued tasks
      super.flush(ctx);
    }
  }

  /** Flushes from now on wait for {@link #release}. */
  void hold() {
    holding = true;
  }

  /** Ends {@link #hold}: one flush for all that were held, at once or after the queued tasks. */
  void release() {
    holding = false;
    if (held) {
      held = false;
      flushHere();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    super.channelWritabilityChanged(ctx);
    if (onWritable != null && isWritable()) {
      onWritable.run();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    reading = true;
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    reading = false;
    super.channelReadComplete(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    reading = false;
    if (cause instanceof CorruptedWebSocketFrameException corrupted && refused == null) {
      refused = corrupted;
    }
    super.exceptionCaught(ctx, cause);
  }

  /**
   * After a refused frame (Vert.x closes the channel right after reporting it), a {@link
   * LingeringClose}, with the close frame that says why if Vert.x has not sent one; otherwise as
   * Netty's handler (the consolidated flush first, then the close).
   */
  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    if (refused == null) {
      super.close(ctx, promise);
      return;
    }
    ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
    if (lingering) {
      return;
    }
    lingering = true;
    if (!closing) {
      closing = true;
      ctx.write(new CloseWebSocketFrame(refused.closeStatus()), quietPromise);
    }
    LingeringClose.start(ctx);
  }

  private void flushHere() {
    try {
      flush(ctx);
    } catch (Exception e) {
      ctx.fireExceptionCaught(e);
    }
  }

  private static boolean nothingQueued(EventExecutor executor) {
    return executor instanceof SingleThreadEventExecutor loop && loop.pendingTasks() == 0;
  }
}
