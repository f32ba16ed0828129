package io.stateserver.cluster;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Runs catch-up sweeps one at a time. A sweep requested while another runs, and a sweep that
 * failed, merge into the next one (the earlier {@code since}, every return it covers); a failed
 * sweep runs again after {@code retryMs}, under one retry timer however many fail, unless a new
 * request takes it along first. A runner that throws counts as a failed sweep, and a completion
 * callback that throws does not stop the pending sweep: nothing can leave the scheduler wedged.
 *
 * <p>Not thread-safe: one verticle's context owns it. The runner, the timer and the callback are
 * given in, so that the order of sweeps is tested without a cluster (see {@code
 * SweepSchedulerTest}).
 */
final class SweepScheduler {
  /**
   * One re-read: from {@code since}; once it completes, the departures of the addresses in {@code
   * backAt} (address to the time it joined) are covered ({@link CatchUpWindow#caughtUp}).
   */
  record Sweep(long since, Map<String, Long> backAt) {
    Sweep {
      backAt = Map.copyOf(backAt);
    }

    Sweep merge(Sweep other) {
      Map<String, Long> union = new HashMap<>(backAt);
      other.backAt.forEach((address, at) -> union.merge(address, at, Math::max));
      return new Sweep(Math.min(since, other.since), union);
    }
  }

  /** Reads and re-delivers the rows written since a time; completes with how many it read. */
  @FunctionalInterface
  interface Runner {
    Future<Long> sweep(long since);
  }

  /** Runs an action once, after a delay (a Vert.x timer on the owner's context). */
  @FunctionalInterface
  interface Timer {
    void after(long delayMs, Runnable action);
  }

  /** Told about each completed sweep: what it covered, the rows it read, the ms it took. */
  @FunctionalInterface
  interface Completion {
    void completed(Sweep sweep, long rows, long tookMs);
  }

  /** Told about each failed sweep, which runs again later. */
  @FunctionalInterface
  interface Failure {
    void failed(Sweep sweep, Throwable cause);
  }

  private final Runner runner;
  private final Timer timer;
  private final long retryMs;
  private final Completion completion;
  private final Failure failure;
  private final LongSupplier clock;
  private boolean stopped;
  private boolean sweeping;
  private boolean retryScheduled;
  private Sweep pending;

  SweepScheduler(
      Runner runner,
      Timer timer,
      long retryMs,
      Completion completion,
      Failure failure,
      LongSupplier clock) {
    this.runner = runner;
    this.timer = timer;
    this.retryMs = retryMs;
    this.completion = completion;
    this.failure = failure;
    this.clock = clock;
  }

  /** Runs a sweep now, or merges it into the one that runs after the sweep in progress. */
  void request(Sweep requested) {
    if (stopped) {
      return;
    }
    if (sweeping) {
      pending = pending == null ? requested : pending.merge(requested);
      return;
    }
    // A sweep waiting for its retry goes along now.
    Sweep sweep = pending == null ? requested : pending.merge(requested);
    pending = null;
    sweeping = true;
    long startedAt = clock.getAsLong();
    Future<Long> rows;
    try {
      rows = runner.sweep(sweep.since());
    } catch (RuntimeException e) {
      rows = Future.failedFuture(e);
    }
    rows.onComplete(
        ar -> {
          sweeping = false;
          try {
            if (ar.succeeded()) {
              completion.completed(sweep, ar.result(), clock.getAsLong() - startedAt);
            } else if (!stopped) {
              pending = pending == null ? sweep : pending.merge(sweep);
              scheduleRetry();
              failure.failed(sweep, ar.cause());
            }
          } finally {
            if (!retryScheduled) {
              runPending();
            }
          }
        });
  }

  /** No sweep starts after this; one in progress still reports its outcome. */
  void stop() {
    stopped = true;
  }

  /** Whether a sweep is running now (for tests and diagnostics). */
  boolean sweeping() {
    return sweeping;
  }

  private void scheduleRetry() {
    if (!retryScheduled) {
      retryScheduled = true;
      timer.after(
          retryMs,
          () -> {
            retryScheduled = false;
            runPending();
          });
    }
  }

  private void runPending() {
    if (pending != null && !sweeping) {
      Sweep next = pending;
      pending = null;
      request(next);
    }
  }
}
