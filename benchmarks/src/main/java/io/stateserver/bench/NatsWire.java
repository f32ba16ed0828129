package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The NATS text protocol over NATS's WebSocket listener: INFO, CONNECT, SUB, PUB, MSG, PING/PONG. A
 * subscription is live once the PONG that answers the PING sent after SUB has arrived (NATS handles
 * one connection's commands in order). NATS keeps no state, so a publish is a plain PUB.
 */
final class NatsWire implements Wire {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final String CONNECT =
      "CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"java\",\"version\":\"bench\","
          + "\"protocol\":1,\"headers\":false}\r\nPING\r\n";

  @Override
  public String topic(String key) {
    return key.replace('/', '.');
  }

  @Override
  public Future<Conn> connect(
      WebSocketClient client,
      String host,
      int port,
      String clientId,
      Role role,
      ConnEvents events) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/");
    // Handlers before connecting: NATS sends INFO right behind the upgrade.
    ClientWebSocket ws = client.webSocket();
    NatsConn conn = new NatsConn(ws, events);
    return ws.connect(options).compose(connected -> conn.handshake());
  }

  private static final class NatsConn extends FramedConn {
    private final Queue<Promise<Void>> pongs = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sids = new AtomicInteger();
    private final StreamBuffer in = new StreamBuffer();

    NatsConn(WebSocket ws, ConnEvents events) {
      super(ws, events);
    }

    Future<Conn> handshake() {
      Promise<Void> pong = Promise.promise();
      pongs.add(pong);
      send(CONNECT);
      return pong.future().map(v -> this);
    }

    private Future<Void> send(String text) {
      return ws.writeBinaryMessage(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    protected void onMessage(Buffer message) {
      Buffer buf = in.append(message);
      int pos = in.position();
      int end = buf.length();
      while (pos < end) {
        int eol = indexOfCrlf(buf, pos, end);
        if (eol < 0) {
          break;
        }
        byte first = buf.getByte(pos);
        if (first == 'M') { // MSG <subject> <sid> [reply-to] <#bytes>
          int size = lastNumber(buf, pos, eol);
          int payloadEnd = eol + 2 + size;
          if (payloadEnd + 2 > end) {
            break;
          }
          long sent = Payload.sentTime(buf, eol + 2, payloadEnd);
          if (sent >= 0) {
            events.delivered(sent);
          }
          pos = payloadEnd + 2;
          continue;
        }
        if (first == 'P' && buf.getByte(pos + 1) == 'I') {
          send("PONG\r\n");
        } else if (first == 'P' && buf.getByte(pos + 1) == 'O') {
          Promise<Void> waiting = pongs.poll();
          if (waiting != null) {
            waiting.tryComplete();
          }
        } else if (first == '-') {
          events.error(buf.getString(pos, eol).trim());
        }
        pos = eol + 2;
      }
      in.consumedTo(pos);
    }

    private static int indexOfCrlf(Buffer buf, int from, int end) {
      for (int i = from; i + 1 < end; i++) {
        if (buf.getByte(i) == CRLF[0] && buf.getByte(i + 1) == CRLF[1]) {
          return i;
        }
      }
      return -1;
    }

    private static int lastNumber(Buffer buf, int from, int to) {
      int start = to;
      while (start > from && buf.getByte(start - 1) != ' ') {
        start--;
      }
      int value = 0;
      for (int i = start; i < to; i++) {
        value = value * 10 + (buf.getByte(i) - '0');
      }
      return value;
    }

    @Override
    protected void onClosed() {
      Promise<Void> p;
      while ((p = pongs.poll()) != null) {
        p.tryFail("connection closed");
      }
    }

    @Override
    public Future<Void> subscribe(String key) {
      Promise<Void> pong = Promise.promise();
      pongs.add(pong);
      send("SUB " + key + " " + sids.incrementAndGet() + "\r\nPING\r\n");
      return pong.future();
    }

    @Override
    public void publish(String key, Buffer value) {
      Buffer frame = Buffer.buffer(key.length() + value.length() + 24);
      frame.appendString("PUB " + key + " " + value.length() + "\r\n");
      frame.appendBuffer(value).appendBytes(CRLF);
      ws.writeBinaryMessage(frame);
    }

    @Override
    public Future<Void> write(String key, Buffer value) {
      return Future.failedFuture("NATS core publish has no write acknowledgement");
    }
  }
}
