package io.stateserver.connection;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Percent-decoding of a key in the path and of query parameters that refuses bytes UTF-8 cannot
 * read. {@code URLDecoder} and Netty's {@link QueryStringDecoder} replace them with U+FFFD, so
 * {@code a%ffb} and {@code a%EF%BF%BDb} would name one key. Here a component is first decoded one
 * byte per char (ISO-8859-1, which also keeps the raw bytes of the request line, which the HTTP
 * decoder hands over one byte per char), then those bytes are read as UTF-8 with {@link
 * CodingErrorAction#REPORT}.
 */
final class PercentDecoding {
  private PercentDecoding() {}

  /** Thrown for a component that is not validly percent-encoded or whose bytes are not UTF-8. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A path component: {@code +} is itself (a key never holds one, and {@link
   * io.stateserver.protocol.Keys} refuses it by name rather than as a space).
   */
  static String pathComponent(String raw) throws Malformed {
    String bytes;
    try {
      bytes =
          QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"), StandardCharsets.ISO_8859_1);
    } catch (IllegalArgumentException e) {
      throw new Malformed("not validly percent-encoded");
    }
    return utf8(bytes);
  }

  /**
   * The parameters of a raw query string, each value still one byte per char: read a value with
   * {@link #utf8}. A query that is not validly percent-encoded throws.
   */
  static Map<String, List<String>> queryParameters(String query) throws Malformed {
    try {
      return new QueryStringDecoder(query, StandardCharsets.ISO_8859_1, false).parameters();
    } catch (IllegalArgumentException e) {
      throw new Malformed("not validly percent-encoded");
    }
  }

  /** Reads bytes held one per char (ISO-8859-1) as strict UTF-8. */
  static String utf8(String bytesAsChars) throws Malformed {
    int length = bytesAsChars.length();
    boolean ascii = true;
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      char c = bytesAsChars.charAt(i);
      if (c > 0xFF) {
        // not a byte: nothing the HTTP decoder hands over, so nothing to guess at
        throw new Malformed("not valid UTF-8");
      }
      ascii &= c < 0x80;
      bytes[i] = (byte) c;
    }
    if (ascii) {
      return bytesAsChars;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new Malformed("not valid UTF-8");
    }
  }
}
