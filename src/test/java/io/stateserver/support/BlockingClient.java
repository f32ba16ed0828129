package io.stateserver.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A {@link TestClient} driven from a plain test thread, for multi-process tests whose steps
 * (writes, kills, reconnects) read best in sequence.
 *
 * <p>TestClient is not thread-safe: its frame lists and waiters belong to the event loop that runs
 * its socket. So the client is connected from a context of its own and every call hops onto that
 * context; the test thread only waits for the outcome, bounded by a timeout. A request whose
 * connection closes before the reply fails at once instead of waiting out the timeout.
 */
public final class BlockingClient implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Context context;
  private final TestClient client;

  private BlockingClient(Context context, TestClient client) {
    this.context = context;
    this.client = client;
  }

  public static BlockingClient connect(Vertx vertx, int port, String token) {
    return connect(vertx, port, token, null);
  }

  /** Connects and waits for the {@code hello} frame. */
  public static BlockingClient connect(Vertx vertx, int port, String token, String query) {
    Context context = vertx.getOrCreateContext();
    TestClient client =
        await(onContext(context, () -> TestClient.connect(vertx, port, token, query)));
    BlockingClient blocking = new BlockingClient(context, client);
    blocking.hello();
    return blocking;
  }

  public JsonObject hello() {
    return call(client::hello);
  }

  /** Sends a request and returns its final reply; fails if the connection closes first. */
  public JsonObject request(String op, Object... fields) {
    return call(
        () -> {
          Promise<JsonObject> outcome = Promise.promise();
          client.request(op, fields).onComplete(outcome::tryComplete, outcome::tryFail);
          client
              .closed()
              .onComplete(
                  code ->
                      outcome.tryFail(
                          new IllegalStateException(
                              "connection closed [code: " + code.result() + "]")));
          return outcome.future();
        });
  }

  /** The first change frame (received so far or later) for a key at or above a version. */
  public JsonObject change(String key, long minVersion) {
    return call(() -> client.change(key, minVersion));
  }

  /**
   * As {@link #change(String, long)}, waiting at most {@code within} instead of {@link #TIMEOUT}.
   */
  public JsonObject change(String key, long minVersion, Duration within) {
    return await(onContext(context, () -> client.change(key, minVersion)), within);
  }

  /** A copy of every frame received so far, in order. */
  public List<JsonObject> frames() {
    return call(() -> Future.succeededFuture(List.copyOf(client.frames())));
  }

  /** The versions of the change frames received so far for {@code key}, in arrival order. */
  public List<Long> changeVersions(String key) {
    return frames().stream()
        .filter(f -> "change".equals(f.getString("type")) && key.equals(f.getString("key")))
        .map(f -> f.getLong("version"))
        .toList();
  }

  /** Every reply frame (snapshot chunks included) of the request sent last. */
  public List<JsonObject> repliesToLastRequest() {
    return call(() -> Future.succeededFuture(List.copyOf(client.replies(client.lastId()))));
  }

  public Future<Short> closed() {
    return client.closed();
  }

  /** Waits for the server to close the connection and returns the close code. */
  public short awaitClosed() {
    return await(client.closed());
  }

  @Override
  public void close() {
    try {
      call(() -> client.close().otherwiseEmpty());
    } catch (RuntimeException alreadyGone) {
      // the server or the test closed it already
    }
  }

  private <T> T call(Supplier<Future<T>> action) {
    return await(onContext(context, action));
  }

  private static <T> Future<T> onContext(Context context, Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(
        v -> {
          try {
            action.get().onComplete(promise);
          } catch (RuntimeException e) {
            promise.fail(e);
          }
        });
    return promise.future();
  }

  /** Waits for a future from a test thread, at most {@link #TIMEOUT}. */
  public static <T> T await(Future<T> future) {
    return await(future, TIMEOUT);
  }

  private static <T> T await(Future<T> future, Duration within) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no outcome within " + within, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
