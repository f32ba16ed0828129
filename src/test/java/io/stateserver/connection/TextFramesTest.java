package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TextFrames#encode} against Netty's own WebSocket frame decoder, as a client reads it. */
class TextFramesTest {

  /** A JSON string of exactly {@code length} UTF-8 bytes, with a two-byte character inside. */
  private static String json(int length) {
    if (length < 6) {
      return "1".repeat(length);
    }
    return "\"é" + "x".repeat(length - 4) + "\"";
  }

  /** Every length class of the header: 7 bits, 16 bits and 64 bits, at and around each edge. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 125, 126, 127, 65535, 65536, 70000})
  void aClientDecodesTheFrameAsOneFinalTextFrameWithTheSameText(int length) {
    String text = json(length);
    assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(length);
    ByteBuf frame = TextFrames.encode(ByteBufAllocator.DEFAULT, Buffer.buffer(text));

    // a client expects unmasked frames from a server
    EmbeddedChannel client =
        new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
    client.writeInbound(frame);
    TextWebSocketFrame decoded = client.readInbound();

    assertThat(decoded).isNotNull();
    try {
      assertThat(decoded.isFinalFragment()).isTrue();
      assertThat(decoded.rsv()).isZero();
      assertThat(decoded.text()).isEqualTo(text);
      assertThat((Object) client.readInbound()).as("exactly one frame").isNull();
    } finally {
      decoded.release();
      client.finishAndReleaseAll();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 300})
  void theFrameIsTheHeaderThenThePayloadAndNothingElse(int length) {
    ByteBuf frame = TextFrames.encode(ByteBufAllocator.DEFAULT, Buffer.buffer(json(length)));
    try {
      int header = length < 126 ? 2 : 4;
      assertThat(frame.readableBytes()).isEqualTo(header + length);
      assertThat(frame.getUnsignedByte(0)).as("FIN and opcode text").isEqualTo((short) 0x81);
      assertThat(frame.getUnsignedByte(1) & 0x80).as("not masked").isZero();
    } finally {
      frame.release();
    }
  }
}
