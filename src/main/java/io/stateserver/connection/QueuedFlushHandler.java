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
 */
final class QueuedFlushHandler extends FlushConsolidationHandler {
  private boolean reading;

  QueuedFlushHandler(int flushAfterWrites) {
    super(flushAfterWrites, true);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) throws Exception {
    if (!reading && nothingQueued(ctx.executor())) {
      // Also sends what an earlier, still scheduled flush was waiting for; that flush then finds
      // nothing left to send.
      ctx.flush();
    } else {
      super.flush(ctx);
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
