package io.stateserver.persistence;

import io.stateserver.bus.Bus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit without timers: one batch is in flight at a time, and everything submitted meanwhile
 * (up to {@code maxBatch}) forms the next one. The queue belongs to the context it was created on;
 * {@link #submit} may be called from any thread, and each result is delivered on the submitter's
 * context.
 *
 * <p>An item that waited {@link #GIVE_UP_MS} for its batch fails without running (a stalled
 * database): its requester gives up at {@link Bus#REQUEST_TIMEOUT_MS} and answers {@code
 * unavailable}, so a write run after that could land after its client was told it had not, and the
 * requester's retry of a session statement would queue beside the original.
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

  /**
   * How long an item may wait for its batch: under the requesters' timeout by enough for the hops
   * to the queue and back, so that the refusal reaches the requester before it gives up.
   */
  static final long GIVE_UP_MS = Bus.REQUEST_TIMEOUT_MS - 5_000;

  private static final Logger log = LoggerFactory.getLogger(GroupCommitQueue.class);

  private record Pending<C, R>(C item, Promise<R> promise, Context caller, long submittedAt) {}

  private final Context context;
  private final int maxBatch;
  private final BatchRunner<C, R> runner;
  private final long giveUpNanos;
  private final LongSupplier nanoTime;
  private final Supplier<Throwable> givenUp;
  private final ArrayDeque<Pending<C, R>> queue = new ArrayDeque<>();
  // From submit until the task that hands the result to the submitter runs, so that idle() (read
  // by the drain on another thread) cannot miss an item on its way to the queue's context.
  private final AtomicInteger unanswered = new AtomicInteger();
  private boolean running;

  GroupCommitQueue(Vertx vertx, int maxBatch, BatchRunner<C, R> runner) {
    this(
        vertx,
        maxBatch,
        runner,
        TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MS),
        System::nanoTime,
        DatabaseFailures::unavailable);
  }

  /**
   * @param giveUpNanos how long an item may wait for its batch
   * @param nanoTime the clock the wait is measured with
   * @param givenUp the failure of an item that waited longer
   */
  GroupCommitQueue(
      Vertx vertx,
      int maxBatch,
      BatchRunner<C, R> runner,
      long giveUpNanos,
      LongSupplier nanoTime,
      Supplier<Throwable> givenUp) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    this.context = vertx.getOrCreateContext();
    this.maxBatch = maxBatch;
    this.runner = runner;
    this.giveUpNanos = giveUpNanos;
    this.nanoTime = nanoTime;
    this.givenUp = givenUp;
  }

  Future<R> submit(C item) {
    Promise<R> promise = Promise.promise();
    Pending<C, R> pending =
        new Pending<>(item, promise, Vertx.currentContext(), nanoTime.getAsLong());
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
    List<Pending<C, R>> expired = null;
    long now = nanoTime.getAsLong();
    while (batch.size() < maxBatch && !queue.isEmpty()) {
      Pending<C, R> next = queue.poll();
      if (now - next.submittedAt() > giveUpNanos) {
        expired = expired == null ? new ArrayList<>() : expired;
        expired.add(next);
      } else {
        batch.add(next);
      }
    }
    if (expired != null) {
      log.warn(
          "queued items given up before they ran: the database is slow or stalled"
              + " [items: {}, waited over: {} ms]",
          expired.size(),
          TimeUnit.NANOSECONDS.toMillis(giveUpNanos));
      for (Pending<C, R> p : expired) {
        complete(p, Future.failedFuture(givenUp.get()));
      }
    }
    if (batch.isEmpty()) {
      return; // every queued item was given up
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
