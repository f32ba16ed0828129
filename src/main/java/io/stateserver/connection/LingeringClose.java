package io.stateserver.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a TCP connection whose peer is still sending without losing the last frames sent to it.
 *
 * <p>A socket closed with input unread makes the kernel answer with a reset, and a reset lets the
 * peer's kernel discard what it has received but the peer has not read yet: there, the close frame
 * that says why. A client whose frame was refused at its header (over {@code maxFrameBytes}, with
 * megabytes of it still on their way) then saw 1006 instead of 1009 in most runs. The lingering
 * close of HTTP servers (Apache's, nginx's) avoids that: shut down only the output, so that the
 * peer reads the close frame and then the end of the stream; read on (the frame decoder, once it
 * refused a frame, discards whatever follows); close when the peer has closed its side (Netty then
 * closes the channel) or after {@value #LINGER_MS} ms, whichever comes first.
 */
final class LingeringClose {
  /**
   * How long a peer is given to stop sending. Enough for a client to read the close frame and
   * answer the end of the stream on any working link; a peer still sending after that gets the
   * reset, as before.
   */
  static final long LINGER_MS = 5_000;

  private LingeringClose() {}

  /** Starts the lingering close; frames written before it leave first. Event loop only. */
  static void start(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    ScheduledFuture<?> deadline =
        ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(closed -> deadline.cancel(false));
    // completes once everything written before it (the close frame among it) is in the kernel
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            written -> {
              if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
              } else {
                ctx.close();
              }
            });
    channel.config().setAutoRead(true); // the socket may have been paused; what comes is dropped
  }
}
