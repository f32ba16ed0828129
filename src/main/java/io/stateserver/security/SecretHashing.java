package io.stateserver.security;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs secret hashes ({@link SecretHasher}: about 0.4 s of CPU each) on worker threads of their
 * own, with a bound on how many may be admitted at once.
 *
 * <p>On Vert.x's shared worker pool they would queue ahead of the JDBC client's statements, which
 * run on that pool: a burst of token requests (a fleet coming back after a power cut; the token
 * budgets are per client id and per address, so a fleet is not limited as a whole) would hold up
 * reads, snapshots, readiness and the renewal of the node's session lease, and a node that cannot
 * renew its lease sends every client away. Past the bound a hash is refused {@code unavailable}
 * with a retry time, as a busy database's requests are, rather than kept waiting for many seconds.
 */
final class SecretHashing {
  static final String POOL_NAME = "secret-hashing";

  /** Admitted hashes per thread, running or waiting: at most about 6 s of waiting. */
  static final int PENDING_PER_THREAD = 16;

  static final long RETRY_AFTER_MS = 1_000;

  private final WorkerExecutor executor;
  private final int maxPending;
  private final AtomicInteger pending = new AtomicInteger();
  private final Runnable onRefused;

  /**
   * @param onRefused told of every hash refused past the bound (metrics)
   */
  SecretHashing(Vertx vertx, int threads, int maxPending, Runnable onRefused) {
    this.executor = vertx.createSharedWorkerExecutor(POOL_NAME, threads);
    this.maxPending = maxPending;
    this.onRefused = onRefused;
  }

  /** Half the cores, so that hashing leaves the event loops and the database writer CPU. */
  static SecretHashing forThisMachine(Vertx vertx, Runnable onRefused) {
    return new SecretHashing(vertx, threadsForThisMachine(), maxPendingForThisMachine(), onRefused);
  }

  static int threadsForThisMachine() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  static int maxPendingForThisMachine() {
    return threadsForThisMachine() * PENDING_PER_THREAD;
  }

  /** Runs {@code hash} on the pool, or fails {@code unavailable} when the bound is reached. */
  <T> Future<T> run(Callable<T> hash) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      onRefused.run();
      return Future.failedFuture(
          new StateException(
              ErrorCode.UNAVAILABLE,
              "too many secret checks in progress",
              new JsonObject().put("retryAfterMs", RETRY_AFTER_MS)));
    }
    return executor.executeBlocking(hash, false).andThen(done -> pending.decrementAndGet());
  }
}
