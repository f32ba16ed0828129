package io.stateserver.bench;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The JSON value every publisher sends: {@code {"bt":<intended send time, ns>,"p":"xxx..."}},
 * padded to a fixed size. The same bytes travel as a state value, an MQTT payload and a NATS
 * message, so every system carries exactly the same data.
 */
public final class Payload {
  private static final byte[] MARKER = "\"bt\":".getBytes(StandardCharsets.US_ASCII);

  private Payload() {}

  /** A JSON object of about {@code size} bytes carrying {@code sentNanos}. */
  public static Buffer of(long sentNanos, int size) {
    String head = "{\"bt\":" + sentNanos + ",\"p\":\"";
    int pad = Math.max(0, size - head.length() - 2);
    StringBuilder sb = new StringBuilder(size + 8).append(head);
    for (int i = 0; i < pad; i++) {
      sb.append((char) ('a' + (i % 26)));
    }
    return Buffer.buffer(sb.append("\"}").toString());
  }

  /** The send time carried in {@code buf} from {@code from} on, or -1 when there is none. */
  public static long sentTime(Buffer buf, int from, int to) {
    int limit = to - MARKER.length;
    outer:
    for (int i = from; i <= limit; i++) {
      for (int j = 0; j < MARKER.length; j++) {
        if (buf.getByte(i + j) != MARKER[j]) {
          continue outer;
        }
      }
      long value = 0;
      int k = i + MARKER.length;
      boolean any = false;
      while (k < to) {
        byte b = buf.getByte(k);
        if (b < '0' || b > '9') {
          break;
        }
        value = value * 10 + (b - '0');
        any = true;
        k++;
      }
      return any ? value : -1;
    }
    return -1;
  }
}
