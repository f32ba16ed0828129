package io.stateserver.persistence;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Group commit without timers: one batch is in flight at a time, and everything submitted meanwhile
 * (up to {@code maxBatch}) forms the next one. The queue belongs to the context it was created on;
 * {@link #submit} may be called from any thread, and each result is delivered on the submitter's
 * context.
 *
 * <p>An item that waited longer than {@link #MAX_WAIT} before its batch started is refused as
 * {@code unavailable} instead of run. Why: its requester gave up after the event bus's 30 s and
 * answered {@code unavailable} for it; run later, it would be applied although the client was told
 * it was not. The wait is kept well under 30 s, so that the refusal itself reaches the requester
 * first. Only a stalled database makes items wait that long.
 *
 * @param <C> a queued item
 * @param <R> its result
 */
final class GroupCommitQueue<C, R> {
  /**
   * Runs one batch; the returned list holds one result per item, in order. A failed future fails
   * every item of the batch.
   */
  @FunctionalInterface
  interface BatchRunner<C, R> {
    Future<List<Future<R>>> run(List<C> batch);
  }

  /** The longest an item waits for its batch to start before it is refused. */
  static final Duration MAX_WAIT = Duration.ofSeconds(20);

  private record Pending<C, R>(C item, Promise<R> promise, Context caller, long queuedAt) {}

  private final Context context;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final BatchRunner<C, R> runner;
  private final ArrayDeque<Pending<C, R>> queue = new ArrayDeque<>();
  // From submit until the task that hands the result to the submitter runs, so that idle() (read
  // by the drain on another thread) cannot miss an item on its way to the queue's context.
  private final AtomicInteger unanswered = new AtomicInteger();
  private boolean running;

  GroupCommitQueue(Vertx vertx, int maxBatch, BatchRunner<C, R> runner) {
    this(vertx, maxBatch, MAX_WAIT, runner);
  }

  /** As above, refusing items that waited longer than {@code maxWait} (tests choose). */
  GroupCommitQueue(Vertx vertx, int maxBatch, Duration maxWait, BatchRunner<C, R> runner) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    this.context = vertx.getOrCreateContext();
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWait.toNanos();
    this.runner = runner;
  }

  Future<R> submit(C item) {
    Promise<R> promise = Promise.promise();
    Pending<C, R> pending = new Pending<>(item, promise, Vertx.currentContext(), System.nanoTime());
    unanswered.incrementAndGet();
    context.runOnContext(
        v -> {
          queue.add(pending);
          runNext();
        });
    return promise.future();
  }

  /** True when every item submitted so far has its result; safe from any thread. */
  boolean idle() {
    return unanswered.get() == 0;
  }

  /** The items waiting for a batch (approximate from other threads). */
  int queued() {
    return queue.size();
  }

  /** The context the batches are started from (for retry timers). */
  Context context() {
    return context;
  }

  private void runNext() {
    if (running || queue.isEmpty()) {
      return;
    }
    List<Pending<C, R>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    long now = System.nanoTime();
    while (batch.size() < maxBatch && !queue.isEmpty()) {
      Pending<C, R> next = queue.poll();
      if (now - next.queuedAt() > maxWaitNanos) {
        complete(next, Future.failedFuture(waitedTooLong()));
      } else {
        batch.add(next);
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    running = true;
    Future<List<Future<R>>> results;
    try {
      results = runner.run(batch.stream().map(Pending::item).toList());
    } catch (RuntimeException e) {
      results = Future.failedFuture(e);
    }
    results.onComplete(
        ar ->
            context.runOnContext(
                v -> {
                  for (int i = 0; i < batch.size(); i++) {
                    complete(
                        batch.get(i),
                        ar.failed() ? Future.failedFuture(ar.cause()) : ar.result().get(i));
                  }
                  running = false;
                  runNext();
                }));
  }

  private static StateException waitedTooLong() {
    return new StateException(
        ErrorCode.UNAVAILABLE,
        "the database is too slow to answer",
        new JsonObject().put("retryAfterMs", DatabaseFailures.RETRY_AFTER_MS));
  }

  private void complete(Pending<C, R> pending, Future<R> result) {
    Context caller = pending.caller();
    if (caller == null || caller == Vertx.currentContext()) {
      answer(pending, result);
    } else {
      caller.runOnContext(v -> answer(pending, result));
    }
  }

  private void answer(Pending<C, R> pending, Future<R> result) {
    unanswered.decrementAndGet();
    pending.promise().handle(result);
  }
}
