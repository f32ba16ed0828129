package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.metrics.ServerMetrics;
import io.stateserver.support.TestClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PROTOCOL.md section 3: a subscriber that stops reading holds at most one pending change per key
 * it follows (conflation), never slows the others, and catches up with the newest version of every
 * key, versions strictly increasing, once it reads again. Run over plain WebSocket ({@link
 * SlowConsumerIT}) and over TLS ({@link SlowConsumerTlsIT}), where the socket's back-pressure has
 * to pass through the TLS handler.
 */
@ExtendWith(VertxExtension.class)
abstract class SlowConsumerScenario {
  private static final int KEYS = 10;
  private static final int WRITES = 20_000;

  /** 20000 writes of ~2 KB: far more than the socket buffers of a reader that stopped reading. */
  private static final String PAD = "x".repeat(2000);

  /** The writer pipelines all its writes; rate limits are not what this test is about. */
  static final String[] UNLIMITED_RATES = {
    "--limits.rate.messagesPerSecond=1000000",
    "--limits.rate.burst=1000000",
    "--limits.rate.bytesPerSecond=2000000000"
  };

  abstract TestServer server();

  abstract WebSocketClientOptions clientOptions();

  /**
   * Sends {@code frames} from {@code from} on, a chunk per event-loop turn: all at once held the
   * client's event loop for over a second, past the tests' blocked-thread limit.
   */
  private static Future<Void> sendAll(TestClient client, List<String> frames, int from) {
    int to = Math.min(frames.size(), from + 500);
    for (int i = from; i < to; i++) {
      client.sendRaw(frames.get(i));
    }
    if (to == frames.size()) {
      return Future.succeededFuture();
    }
    Promise<Void> next = Promise.promise();
    Vertx.currentContext().runOnContext(v -> sendAll(client, frames, to).onComplete(next));
    return next.future();
  }

  // On the method: Vert.x's @Timeout is not inherited, so on this class the subclasses would not
  // see it and would get the default 30 s.
  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void aReaderThatStopsReadingIsConflatedAndDoesNotSlowTheOthers(
      Vertx vertx, VertxTestContext ctx) {
    ServerMetrics metrics = server().server().metrics();
    // encoded here, not in the event-loop task that sends them: 20,000 encodings there held the
    // test client's event loop for over half a second
    List<String> writes = new ArrayList<>(WRITES);
    for (int i = 0; i < WRITES; i++) {
      writes.add(
          new JsonObject()
              .put("op", "set")
              .put("key", key(i % KEYS))
              .put("value", new JsonObject().put("i", i).put("pad", PAD))
              .encode());
    }
    AtomicReference<TestClient> writer = new AtomicReference<>();
    AtomicReference<TestClient> slow = new AtomicReference<>();
    AtomicReference<TestClient> fast = new AtomicReference<>();
    Map<String, Long> finalVersions = new HashMap<>();
    AtomicLong maxPendingChanges = new AtomicLong();
    AtomicLong maxPendingBytes = new AtomicLong();
    long sampler =
        vertx.setPeriodic(
            10,
            id -> {
              maxPendingChanges.accumulateAndGet(metrics.outboundChangesPending(), Math::max);
              maxPendingBytes.accumulateAndGet(metrics.outboundBytesPending(), Math::max);
            });

    Future.all(connect(vertx), connect(vertx), connect(vertx))
        .compose(
            all -> {
              writer.set(all.resultAt(0));
              slow.set(all.resultAt(1));
              fast.set(all.resultAt(2));
              return Future.all(
                  slow.get().request("sub", "pattern", "load/#"),
                  fast.get().request("sub", "pattern", "load/#"));
            })
        .compose(
            subs -> {
              slow.get().socket().pause();
              // Without an id a successful write gets no reply, so nothing piles up client-side.
              // Replies come in request order, and a list waits for the connection's writes.
              return sendAll(writer.get(), writes, 0)
                  .compose(sent -> writer.get().request("list", "pattern", "load/#"));
            })
        .compose(
            list -> {
              ctx.verify(
                  () -> {
                    assertThat(list.getBoolean("ok")).isTrue();
                    // no write failed (a failure is sent even without an id)
                    assertThat(writer.get().frames())
                        .noneMatch(f -> Boolean.FALSE.equals(f.getBoolean("ok")));
                  });
              list.getJsonArray("entries").stream()
                  .map(JsonObject.class::cast)
                  .forEach(e -> finalVersions.put(e.getString("key"), e.getLong("version")));
              ctx.verify(() -> assertThat(finalVersions).hasSize(KEYS));
              // the reading subscriber gets every newest version while the other one is stuck
              return Future.all(
                  finalVersions.entrySet().stream()
                      .map(e -> fast.get().change(e.getKey(), e.getValue()))
                      .toList());
            })
        .compose(
            caughtUp -> {
              ctx.verify(
                  () -> {
                    // the stuck reader holds pending changes, one per key at most
                    assertThat(metrics.outboundChangesPending()).isBetween(1L, (long) KEYS);
                    assertThat(maxPendingChanges.get()).isLessThanOrEqualTo(2L * KEYS);
                    // tens of megabytes were written; what waits is a few frames per key
                    assertThat(maxPendingBytes.get()).isLessThan(2L * KEYS * 8 * 1024);
                  });
              slow.get().socket().resume();
              return Future.all(
                  finalVersions.entrySet().stream()
                      .map(e -> slow.get().change(e.getKey(), e.getValue()))
                      .toList());
            })
        .onComplete(
            ctx.succeeding(
                done ->
                    ctx.verify(
                        () -> {
                          vertx.cancelTimer(sampler);
                          assertStrictlyIncreasingPerKey(slow.get().changes(), finalVersions);
                          assertStrictlyIncreasingPerKey(fast.get().changes(), finalVersions);
                          // the slow reader skipped intermediate versions
                          assertThat(slow.get().changes()).hasSizeLessThan(WRITES);
                          ctx.completeNow();
                        })));
  }

  private static void assertStrictlyIncreasingPerKey(
      List<JsonObject> changes, Map<String, Long> finalVersions) {
    Map<String, List<Long>> byKey = new HashMap<>();
    for (JsonObject c : changes) {
      byKey.computeIfAbsent(c.getString("key"), k -> new ArrayList<>()).add(c.getLong("version"));
    }
    assertThat(byKey.keySet()).isEqualTo(finalVersions.keySet());
    byKey.forEach(
        (key, versions) -> {
          assertThat(versions).as("versions of %s", key).isSorted().doesNotHaveDuplicates();
          assertThat(versions.get(versions.size() - 1))
              .as("last version of %s", key)
              .isEqualTo(finalVersions.get(key));
        });
  }

  private static String key(int i) {
    return "load/k" + i;
  }

  private Future<TestClient> connect(Vertx vertx) {
    return TestClient.connect(vertx, clientOptions(), server().port(), server().adminToken(), null)
        .compose(c -> c.hello().map(c));
  }
}
