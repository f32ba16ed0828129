package io.stateserver.connection;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;

/**
 * Netty's {@link FlushConsolidationHandler}, except that a flush outside a read goes out at once
 * when nothing is queued on the event loop. Netty's handler always lets it wait for the tasks
 * queued meanwhile, which batches a loaded loop's frames into one {@code writev} per socket but, on
 * an idle loop, holds every socket of a fan-out until the loop over all of them has ended. Here a
 * flush waits only when other work is already queued: the load that makes batching pay.
 *
 * <p>A connection that writes several frames in one go (its backlog, once the socket drains)
 * brackets them with {@link #hold} and {@link #release}, so that they leave together even on an
 * idle loop. Event-loop only, like every handler method.
 */
final class QueuedFlushHandler extends FlushConsolidationHandler {
  private ChannelHandlerContext ctx;
  private boolean reading;
  private boolean holding;
  private boolean held;

  QueuedFlushHandler(int flushAfterWrites) {
    super(flushAfterWrites, true);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    super.handlerAdded(ctx);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) throws Exception {
    if (holding) {
      held = true;
    } else if (!reading && nothingQueued(ctx.executor())) {
      ctx.flush();
    } else {
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
      try {
        flush(ctx);
      } catch (Exception e) {
        ctx.fireExceptionCaught(e);
      }
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
    super.exceptionCaught(ctx, cause);
  }

  private static boolean nothingQueued(EventExecutor executor) {
    return executor instanceof SingleThreadEventExecutor loop && loop.pendingTasks() == 0;
  }
}
