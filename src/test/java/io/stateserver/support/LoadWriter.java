package io.stateserver.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client on a thread of its own that writes keys {@code load/<name>/<n>} (a small rotating set)
 * one request at a time and records every acknowledged write, for crash tests. When its connection
 * breaks it goes on with the next node of its list; with none left it stops. A write that was not
 * acknowledged does not count: it may or may not have happened.
 */
public final class LoadWriter {
  private static final Logger log = LoggerFactory.getLogger(LoadWriter.class);

  /** One acknowledged write; the writer's sequence number is the value's {@code seq}. */
  public record Ack(String key, long version, long seq, long nanos, int port) {}

  private final Vertx vertx;
  private final String name;
  private final String token;
  private final List<ServerProcess> nodes;
  private final int keys;
  private final Map<String, Ack> latest = new ConcurrentHashMap<>();
  private final AtomicInteger acks = new AtomicInteger();
  private final Map<Integer, AtomicInteger> acksByPort = new ConcurrentHashMap<>();
  private final AtomicLong firstFallbackAck = new AtomicLong();
  private final AtomicLong longestGap = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private volatile Ack last;
  private Thread thread;

  /**
   * @param nodes the node to write to, then the ones to fall back to in order
   * @param keys how many distinct keys to rotate over
   */
  public LoadWriter(Vertx vertx, String name, String token, List<ServerProcess> nodes, int keys) {
    this.vertx = vertx;
    this.name = name;
    this.token = token;
    this.nodes = List.copyOf(nodes);
    this.keys = keys;
  }

  public static String prefix(String name) {
    return "load/" + name + "/";
  }

  public LoadWriter start() {
    thread = new Thread(this::run, "writer-" + name);
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Stops after the request in flight (bounded by the client's timeout). */
  public void stop() throws InterruptedException {
    running.set(false);
    thread.join(TimeUnit.SECONDS.toMillis(40));
  }

  private void run() {
    long seq = 0;
    int nodeIndex = 0;
    BlockingClient client = null;
    long lastAckNanos = System.nanoTime();
    while (running.get() && nodeIndex < nodes.size()) {
      ServerProcess node = nodes.get(nodeIndex);
      try {
        if (client == null) {
          client = BlockingClient.connect(vertx, node.port(), token);
        }
        seq++;
        String key = prefix(name) + (seq % keys);
        JsonObject reply =
            client.request(
                "set", "key", key, "value", new JsonObject().put("seq", seq).put("by", name));
        if (!reply.getBoolean("ok")) {
          errors.add(reply.encode());
          continue;
        }
        long now = System.nanoTime();
        longestGap.accumulateAndGet((now - lastAckNanos) / 1_000_000, Math::max);
        lastAckNanos = now;
        Ack ack = new Ack(key, reply.getLong("version"), seq, now, node.port());
        latest.put(key, ack);
        last = ack;
        acks.incrementAndGet();
        int onThisNode =
            acksByPort.computeIfAbsent(node.port(), p -> new AtomicInteger()).incrementAndGet();
        if (onThisNode == 1 && nodeIndex > 0) {
          firstFallbackAck.set(now);
        }
      } catch (RuntimeException broken) {
        log.info(
            "writer lost its connection [writer: {}, node: {}, cause: {}]",
            name,
            node,
            broken.getMessage());
        if (client != null) {
          client.close();
          client = null;
        }
        nodeIndex++;
      }
    }
    if (client != null) {
      client.close();
    }
  }

  public int acks() {
    return acks.get();
  }

  public int acksOn(ServerProcess node) {
    AtomicInteger count = acksByPort.get(node.port());
    return count == null ? 0 : count.get();
  }

  /** {@link System#nanoTime()} of the first acknowledgement by a fallback node, or 0. */
  public long firstAckOnFallbackNanos() {
    return firstFallbackAck.get();
  }

  /** The longest time between two consecutive acknowledgements. */
  public long longestGapMillis() {
    return longestGap.get();
  }

  /** The newest acknowledged write of every key (it implies all older ones of that key). */
  public Map<String, Ack> latestAcks() {
    return new HashMap<>(latest);
  }

  public Ack last() {
    return last;
  }

  /** Replies that were errors; a healthy run has none. */
  public List<String> errors() {
    return errors;
  }
}
