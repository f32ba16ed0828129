package io.stateserver.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client written on a plain {@link Socket}, for abuse the real clients refuse to
 * produce: half-sent upgrades, endless continuation frames, ping floods, frames with any opcode. A
 * reader thread records every frame the server sends and the close code.
 */
public final class RawWebSocket implements AutoCloseable {
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CONTINUATION = 0x0;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;

  /** One frame from the server. */
  public record Frame(int opcode, boolean fin, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final List<Frame> frames = new ArrayList<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  // completes when reading ends: true at the end of the stream (the server shut its side down),
  // false on a reset or another error
  private final CompletableFuture<Boolean> eof = new CompletableFuture<>();

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  /** Opens a TCP connection and does nothing else (slowloris starts here). */
  public static Socket tcp(String localAddress, int port) throws IOException {
    Socket s = new Socket();
    if (localAddress != null) {
      s.bind(new InetSocketAddress(localAddress, 0));
    }
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  /** The upgrade request's head, without its final blank line when {@code complete} is false. */
  public static String upgradeRequest(int port, String token, boolean complete) {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    return "GET /v1/ws HTTP/1.1\r\n"
        + "Host: 127.0.0.1:"
        + port
        + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: "
        + Base64.getEncoder().encodeToString(nonce)
        + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
        + (complete ? "\r\n" : "");
  }

  /** Upgrades and starts reading; fails unless the server answers 101. */
  public static RawWebSocket connect(int port, String token) throws IOException {
    return connect(null, port, token);
  }

  public static RawWebSocket connect(String localAddress, int port, String token)
      throws IOException {
    Socket s = tcp(localAddress, port);
    s.setSoTimeout(20_000);
    s.getOutputStream().write(upgradeRequest(port, token, true).getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    String head = readHead(s.getInputStream());
    if (!head.startsWith("HTTP/1.1 101")) {
      s.close();
      throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(""));
    }
    s.setSoTimeout(0);
    RawWebSocket ws = new RawWebSocket(s);
    Thread reader = new Thread(ws::readLoop, "raw-ws-reader");
    reader.setDaemon(true);
    reader.start();
    return ws;
  }

  /**
   * Reads until the connection ends; returns the time it took, or -1 when it was still open after
   * {@code maxMs}.
   */
  public static long awaitEof(Socket s, long maxMs) throws IOException {
    long start = System.nanoTime();
    s.setSoTimeout((int) maxMs);
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) >= 0) {
        if (System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(maxMs)) {
          return -1;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      return -1;
    } catch (SocketException e) {
      // reset by the server: ended too
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during upgrade: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  // ---- sending ----

  /** Sends one masked frame (clients must mask). Returns false once the socket is unusable. */
  public boolean send(int opcode, boolean fin, byte[] payload) {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write((fin ? 0x80 : 0) | opcode);
    int len = payload.length;
    if (len < 126) {
      f.write(0x80 | len);
    } else if (len < 65536) {
      f.write(0x80 | 126);
      f.write(len >>> 8);
      f.write(len & 0xff);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) (((long) len >>> (8 * i)) & 0xff));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    f.writeBytes(mask);
    byte[] masked = new byte[len];
    for (int i = 0; i < len; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    f.writeBytes(masked);
    try {
      synchronized (out) {
        out.write(f.toByteArray());
        out.flush();
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public boolean sendText(String text) {
    return send(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
  }

  // ---- receiving ----

  private void readLoop() {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        Frame frame = new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
        synchronized (this) {
          frames.add(frame);
          notifyAll();
        }
        if (frame.opcode() == CLOSE) {
          closeCode.complete(
              payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005);
        }
      }
    } catch (EOFException e) {
      closeCode.complete(1006);
      eof.complete(true);
    } catch (IOException e) {
      closeCode.complete(1006);
    } finally {
      eof.complete(false);
    }
  }

  public synchronized List<Frame> frames() {
    return List.copyOf(frames);
  }

  /** Text frames received so far. */
  public synchronized List<String> texts() {
    return frames.stream().filter(f -> f.opcode() == TEXT).map(Frame::text).toList();
  }

  /** Waits until a text frame containing {@code needle} has arrived; returns it or null. */
  public synchronized String awaitText(String needle, long maxMs) {
    long deadline = System.currentTimeMillis() + maxMs;
    while (true) {
      for (Frame f : frames) {
        if (f.opcode() == TEXT && f.text().contains(needle)) {
          return f.text();
        }
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0 || eof.isDone()) {
        return null;
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /** The close code the server sent (1006 when the connection ended without one). */
  public int closeCode(long maxMs) {
    try {
      return closeCode.get(maxMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the server did not close the connection", e);
    }
  }

  /**
   * Waits until the server's side of the connection has ended; true for an orderly end of the
   * stream, false for a reset (or when it did not end within {@code maxMs}).
   */
  public boolean endedInOrder(long maxMs) {
    try {
      return eof.get(maxMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  public boolean isClosed() {
    return closeCode.isDone();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // already gone
    }
  }
}
