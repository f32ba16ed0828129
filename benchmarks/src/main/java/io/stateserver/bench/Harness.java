package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * The client engine: one Vert.x instance whose WebSocket clients open many connections. Past {@link
 * #PER_SOURCE_ADDRESS} connections it switches to the next 127.0.0.x source address, since one
 * source address has only about 28k ephemeral ports towards one server port.
 */
public final class Harness implements AutoCloseable {
  static final int PER_SOURCE_ADDRESS = 20_000;
  private static final int CONNECTS_IN_FLIGHT = 256;

  final Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();
  private final AtomicInteger opened = new AtomicInteger();

  Harness(int eventLoops) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
  }

  private synchronized WebSocketClient client(int index) {
    int address = index / PER_SOURCE_ADDRESS;
    while (clients.size() <= address) {
      WebSocketClientOptions o =
          new WebSocketClientOptions()
              .setMaxConnections(Integer.MAX_VALUE)
              .setConnectTimeout(30_000)
              .setTcpNoDelay(true)
              .setMaxFrameSize(1 << 20)
              .setMaxMessageSize(16 << 20)
              .setLocalAddress("127.0.0." + (clients.size() + 1));
      clients.add(vertx.createWebSocketClient(o));
    }
    return clients.get(address);
  }

  /** Connections opened so far by this harness (for the progress line). */
  int opened() {
    return opened.get();
  }

  /** What {@link #open} produced. */
  record Opened(List<Conn> conns, int failures, double seconds, Histogram connectMicros) {
    double perSecond() {
      return conns.size() / Math.max(seconds, 1e-9);
    }
  }

  /**
   * Opens {@code count} connections (at most {@value #CONNECTS_IN_FLIGHT} at a time), each then
   * subscribed to its keys; a connection counts as open once every subscription is live.
   */
  Opened open(
      Wire wire,
      Systems.Node node,
      int count,
      IntFunction<String> clientId,
      Wire.Role role,
      IntFunction<ConnEvents> events,
      IntFunction<List<String>> keys) {
    Conn[] conns = new Conn[count];
    Histogram micros = new Histogram(3);
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
    CountDownLatch done = new CountDownLatch(count);
    long start = Clock.now();
    for (int i = 0; i < count; i++) {
      final int index = i;
      acquire(inFlight);
      long t0 = Clock.now();
      wire.connect(
              client(opened.get()),
              Systems.HOST,
              node.port(),
              clientId.apply(i),
              role,
              events.apply(i))
          .compose(
              conn -> {
                conns[index] = conn;
                List<Future<Void>> subs = new ArrayList<>();
                for (String key : keys.apply(index)) {
                  subs.add(conn.subscribe(wire.topic(key)));
                }
                return Future.all(subs).map(conn);
              })
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  synchronized (micros) {
                    micros.recordValue((Clock.now() - t0) / 1000);
                  }
                  opened.incrementAndGet();
                } else {
                  failures.incrementAndGet();
                  firstFailure.compareAndSet(null, ar.cause().toString());
                  if (conns[index] != null) {
                    conns[index].close();
                    conns[index] = null;
                  }
                }
                inFlight.release();
                done.countDown();
              });
    }
    await(done, 600);
    double seconds = (Clock.now() - start) / 1e9;
    List<Conn> ok = new ArrayList<>();
    for (Conn c : conns) {
      if (c != null) {
        ok.add(c);
      }
    }
    if (firstFailure.get() != null) {
      System.err.printf(
          "%n%d of %d connections failed, first: %s%n", failures.get(), count, firstFailure.get());
    }
    return new Opened(Collections.unmodifiableList(ok), failures.get(), seconds, micros);
  }

  /** Closes connections and waits (bounded) for the closes to finish. */
  void closeAll(List<Conn> conns) {
    List<Future<Void>> closing = new ArrayList<>();
    for (Conn c : conns) {
      closing.add(c.close());
    }
    try {
      Future.join(closing).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // what did not close in time goes when the system under test stops
    }
    opened.addAndGet(-conns.size());
  }

  static <T> T await(Future<T> future, int seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }

  private static void acquire(Semaphore s) {
    try {
      s.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void await(CountDownLatch latch, int seconds) {
    try {
      if (!latch.await(seconds, TimeUnit.SECONDS)) {
        throw new IllegalStateException("connections did not finish opening in " + seconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(vertx.close(), 30);
  }
}
