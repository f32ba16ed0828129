package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketWriter} in a real Netty pipeline. An {@link EmbeddedChannel}'s loop is not a
 * single-thread executor whose queue the writer can see, so with consolidation on its flushes wait
 * for the loop's pending tasks ({@code runPendingTasks}), as on a loaded event loop.
 */
class SocketWriterTest {
  private EmbeddedChannel channel;

  private SocketWriter install(boolean consolidate) {
    SocketWriter writer = new SocketWriter(TextFrames.FLUSH_AFTER_WRITES, consolidate);
    channel = new EmbeddedChannel(writer);
    return writer;
  }

  @AfterEach
  void release() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  /** How many frames the channel has sent since the last call. */
  private int sentFrames() {
    int frames = 0;
    for (Object msg; (msg = channel.readOutbound()) != null; frames++) {
      ReferenceCountUtil.release(msg);
    }
    return frames;
  }

  @Test
  void withConsolidationOffAFrameIsSentAtOnce() {
    SocketWriter writer = install(false);
    writer.write(Buffer.buffer("{}"));
    assertThat(sentFrames()).isEqualTo(1);
  }

  @Test
  void withConsolidationOffAFrameWrittenDuringAReadLeavesAtTheReadsEnd() {
    SocketWriter writer = new SocketWriter(TextFrames.FLUSH_AFTER_WRITES, false);
    AtomicInteger sentDuringRead = new AtomicInteger(-1);
    channel =
        new EmbeddedChannel(
            writer,
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                writer.write(Buffer.buffer("reply"));
                sentDuringRead.set(channel.outboundMessages().size());
              }
            });
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
    assertThat(sentDuringRead).as("not during the read").hasValue(0);
    assertThat(sentFrames()).isEqualTo(1);
  }

  @Test
  void withConsolidationOnAFrameWaitsForTheLoopsQueuedTasks() {
    SocketWriter writer = install(true);
    writer.write(Buffer.buffer("{}"));
    assertThat(sentFrames()).as("waiting").isZero();
    channel.runPendingTasks();
    assertThat(sentFrames()).isEqualTo(1);
  }

  @Test
  void framesWrittenWhileHeldLeaveOnRelease() {
    SocketWriter writer = install(false);
    writer.hold();
    writer.write(Buffer.buffer("1"));
    writer.write(Buffer.buffer("2"));
    assertThat(sentFrames()).as("held").isZero();
    writer.release();
    assertThat(sentFrames()).isEqualTo(2);
  }

  @Test
  void nothingIsWrittenAfterACloseFrameWentOut() {
    SocketWriter writer = install(false);
    writer.write(Buffer.buffer("before"));
    channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
    writer.write(Buffer.buffer("after"));

    ByteBuf before = channel.readOutbound();
    CloseWebSocketFrame close = channel.readOutbound();
    try {
      assertThat(before.getUnsignedByte(0)).as("a text frame").isEqualTo((short) 0x81);
      assertThat(close.statusCode()).isEqualTo(1000);
      assertThat((Object) channel.readOutbound()).as("nothing after the close").isNull();
      assertThat(writer.isWritable()).isFalse();
    } finally {
      before.release();
      close.release();
    }
  }

  @Test
  void aChannelPastItsHighWaterMarkIsNotWritableAndReportsWhenItIsAgain() {
    SocketWriter writer = install(false);
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 32));
    AtomicInteger writable = new AtomicInteger();
    writer.onWritable(writable::incrementAndGet);

    writer.hold();
    writer.write(Buffer.buffer("x".repeat(64)));
    assertThat(writer.isWritable()).as("64 bytes wait, over the high-water mark").isFalse();
    assertThat(writable).hasValue(0);

    writer.release();
    assertThat(writer.isWritable()).isTrue();
    assertThat(writable).as("told once the bytes left").hasValue(1);
    assertThat(sentFrames()).isEqualTo(1);
  }

  @Test
  void aFrameThatFillsTheChannelIsFlushedAtOnceEvenWhenConsolidating() {
    SocketWriter writer = install(true);
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 32));
    writer.write(Buffer.buffer("x".repeat(64)));
    assertThat(sentFrames()).as("sent without waiting for the queued tasks").isEqualTo(1);
  }

  @Test
  void framesStillUnsentWhenTheChannelClosesAreNotPipelineErrors() {
    SocketWriter writer = new SocketWriter(TextFrames.FLUSH_AFTER_WRITES, false);
    List<Throwable> errors = new ArrayList<>();
    channel =
        new EmbeddedChannel(
            writer,
            new ChannelInboundHandlerAdapter() {
              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                errors.add(cause);
              }
            });
    writer.hold();
    for (int i = 0; i < 3; i++) {
      writer.write(Buffer.buffer("unsent"));
    }
    channel.close();
    assertThat(errors).isEmpty();
  }
}
