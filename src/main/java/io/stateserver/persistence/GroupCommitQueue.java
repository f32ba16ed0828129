package io.stateserver.persistence;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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

  private record Pending<C, R>(C item, Promise<R> promise, Context caller) {}

  private final Context context;
  private final int maxBatch;
  private final BatchRunner<C, R> runner;
  private final ArrayDeque<Pending<C, R>> queue = new ArrayDeque<>();
  // From submit until the task that hands the result to the submitter runs, so that idle() (read
  // by the drain on another thread) cannot miss an item on its way to the queue's context.
  private final AtomicInteger unanswered = new AtomicInteger();
  private boolean running;

  GroupCommitQueue(Vertx vertx, int maxBatch, BatchRunner<C, R> runner) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    this.context = vertx.getOrCreateContext();
    this.maxBatch = maxBatch;
    this.runner = runner;
  }

  Future<R> submit(C item) {
    Promise<R> promise = Promise.promise();
    Pending<C, R> pending = new Pending<>(item, promise, Vertx.currentContext());
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
    running = true;
    List<Pending<C, R>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (batch.size() < maxBatch && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
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
