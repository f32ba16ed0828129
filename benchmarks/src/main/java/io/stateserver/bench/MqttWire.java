package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * MQTT 3.1.1 over WebSocket (subprotocol {@code mqtt}), QoS 0 only: CONNECT/CONNACK,
 * SUBSCRIBE/SUBACK, PUBLISH (retained, since the retained message is MQTT's notion of state),
 * PINGRESP and DISCONNECT. Just enough codec for the benchmark; keep-alive is off.
 */
final class MqttWire implements Wire {
  static final int CONNECT = 0x10;
  static final int CONNACK = 0x20;
  static final int PUBLISH = 0x30;
  static final int SUBSCRIBE = 0x82;
  static final int SUBACK = 0x90;
  static final int DISCONNECT = 0xE0;

  @Override
  public Future<Conn> connect(
      WebSocketClient client,
      String host,
      int port,
      String clientId,
      Role role,
      ConnEvents events) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost(host)
            .setPort(port)
            .setURI("/mqtt")
            .addSubProtocol("mqtt");
    // Handlers before connecting, so that no early packet can arrive without one.
    ClientWebSocket ws = client.webSocket();
    MqttConn conn = new MqttConn(ws, events);
    return ws.connect(options).compose(connected -> conn.handshake(clientId));
  }

  static Buffer connectPacket(String clientId) {
    Buffer body = Buffer.buffer();
    putString(body, "MQTT");
    body.appendByte((byte) 4); // protocol level 3.1.1
    body.appendByte((byte) 0x02); // clean session
    body.appendShort((short) 0); // keep-alive off
    putString(body, clientId);
    return packet(CONNECT, body);
  }

  static Buffer subscribePacket(int packetId, String topic) {
    Buffer body = Buffer.buffer().appendShort((short) packetId);
    putString(body, topic);
    body.appendByte((byte) 0); // QoS 0
    return packet(SUBSCRIBE, body);
  }

  static Buffer publishPacket(String topic, Buffer payload, boolean retain) {
    Buffer body = Buffer.buffer(topic.length() + payload.length() + 2);
    putString(body, topic);
    body.appendBuffer(payload);
    return packet(PUBLISH | (retain ? 1 : 0), body);
  }

  static Buffer packet(int type, Buffer body) {
    Buffer out = Buffer.buffer(body.length() + 5).appendByte((byte) type);
    int length = body.length();
    do {
      int digit = length % 128;
      length /= 128;
      out.appendByte((byte) (length > 0 ? digit | 0x80 : digit));
    } while (length > 0);
    return out.appendBuffer(body);
  }

  private static void putString(Buffer body, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    body.appendShort((short) bytes.length).appendBytes(bytes);
  }

  private static final class MqttConn extends FramedConn {
    private final Promise<Conn> connack = Promise.promise();
    private final Map<Integer, Promise<Void>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger packetIds = new AtomicInteger();
    private final StreamBuffer in = new StreamBuffer();

    MqttConn(WebSocket ws, ConnEvents events) {
      super(ws, events);
    }

    Future<Conn> handshake(String clientId) {
      ws.writeBinaryMessage(connectPacket(clientId));
      return connack.future();
    }

    @Override
    protected void onMessage(Buffer message) {
      Buffer buf = in.append(message);
      int pos = in.position();
      int end = buf.length();
      while (pos < end) {
        int type = buf.getByte(pos) & 0xFF;
        int length = 0;
        int multiplier = 1;
        int p = pos + 1;
        boolean complete = false;
        while (p < end) {
          byte digit = buf.getByte(p++);
          length += (digit & 0x7F) * multiplier;
          multiplier *= 128;
          if ((digit & 0x80) == 0) {
            complete = true;
            break;
          }
        }
        if (!complete || p + length > end) {
          break;
        }
        onPacket(type, buf, p, p + length);
        pos = p + length;
      }
      in.consumedTo(pos);
    }

    private void onPacket(int type, Buffer buf, int from, int to) {
      switch (type & 0xF0) {
        case PUBLISH -> {
          int topicLength = buf.getUnsignedShort(from);
          int payloadStart = from + 2 + topicLength + ((type & 0x06) != 0 ? 2 : 0);
          long sent = Payload.sentTime(buf, payloadStart, to);
          if (sent >= 0) {
            events.delivered(sent);
          }
        }
        case CONNACK -> {
          int rc = buf.getByte(from + 1);
          if (rc == 0) {
            connack.tryComplete(this);
          } else {
            events.error("connack_" + rc);
            connack.tryFail("connack return code " + rc);
          }
        }
        case SUBACK & 0xF0 -> {
          Promise<Void> waiting = pending.remove(buf.getUnsignedShort(from));
          boolean refused = (buf.getByte(from + 2) & 0x80) != 0;
          if (refused) {
            events.error("suback_refused");
          }
          if (waiting != null) {
            if (refused) {
              waiting.tryFail("subscription refused");
            } else {
              waiting.tryComplete();
            }
          }
        }
        default -> {}
      }
    }

    @Override
    protected void onClosed() {
      connack.tryFail("closed before connack");
      pending.values().forEach(p -> p.tryFail("connection closed"));
    }

    @Override
    public Future<Void> subscribe(String key) {
      int id = 1 + (packetIds.getAndIncrement() % 65535);
      Promise<Void> promise = Promise.promise();
      pending.put(id, promise);
      ws.writeBinaryMessage(subscribePacket(id, key)).onFailure(promise::tryFail);
      return promise.future();
    }

    @Override
    public void publish(String key, Buffer value) {
      ws.writeBinaryMessage(publishPacket(key, value, true));
    }

    @Override
    public Future<Void> write(String key, Buffer value) {
      return Future.failedFuture("MQTT QoS 0 has no write acknowledgement");
    }

    @Override
    public Future<Void> close() {
      ws.writeBinaryMessage(Buffer.buffer(new byte[] {(byte) DISCONNECT, 0}));
      return super.close();
    }
  }
}
