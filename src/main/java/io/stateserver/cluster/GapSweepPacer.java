package io.stateserver.cluster;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Paces the sweeps that lost broadcasts ask for ({@link BroadcastGaps}). A lost broadcast now and
 * then is repaired at once. But while broadcasts go on being lost (a split cluster whose other side
 * goes on writing, an event-bus connection that swallows what it carries), every beacon and every
 * lease renewal shows a new gap, and every sweep reads the whole state table on this node. So a gap
 * sweep starts at least {@code minIntervalMs} after the previous one started, and at least {@code
 * durationFactor} times the last sweep's duration after it: sweeps that take seconds on a large
 * table come no more often than that lets them. Gaps meanwhile merge into one sweep, from the
 * earliest time any of them asks, which starts when the interval is over. What was missed thus
 * arrives at most one interval late, and nothing is dropped.
 *
 * <p>Not thread-safe: one verticle's context owns it. The timer, the clock and the sink are given
 * in, so that the pacing is tested without a cluster (see {@code GapSweepPacerTest}).
 */
final class GapSweepPacer {
  private final long minIntervalMs;
  private final long durationFactor;
  private final SweepScheduler.Timer timer;
  private final LongSupplier clock;
  private final Consumer<SweepScheduler.Sweep> sink;
  private long nextAt = Long.MIN_VALUE;
  private SweepScheduler.Sweep deferred;
  private boolean stopped;

  /**
   * @param minIntervalMs the least time from one gap sweep's start to the next
   * @param durationFactor how many times its duration a sweep keeps the next gap sweep waiting
   * @param timer runs the deferred sweep later
   * @param clock ms on a monotonic clock
   * @param sink starts a sweep ({@link SweepScheduler#request})
   */
  GapSweepPacer(
      long minIntervalMs,
      long durationFactor,
      SweepScheduler.Timer timer,
      LongSupplier clock,
      Consumer<SweepScheduler.Sweep> sink) {
    this.minIntervalMs = minIntervalMs;
    this.durationFactor = durationFactor;
    this.timer = timer;
    this.clock = clock;
    this.sink = sink;
  }

  /**
   * Starts the sweep now, or merges it into the one that starts when the interval is over.
   *
   * @return 0 when it started now, else the ms until the merged sweep starts
   */
  long request(SweepScheduler.Sweep sweep) {
    if (stopped) {
      return 0;
    }
    long now = clock.getAsLong();
    if (deferred != null) {
      deferred = deferred.merge(sweep);
      return Math.max(0, nextAt - now);
    }
    if (now >= nextAt) {
      release(sweep, now);
      return 0;
    }
    deferred = sweep;
    timer.after(nextAt - now, this::releaseDeferred);
    return nextAt - now;
  }

  /** A sweep (of any kind: they read the same table) took {@code tookMs}, ending now. */
  void sweepTook(long tookMs) {
    nextAt = Math.max(nextAt, clock.getAsLong() + Math.max(0, tookMs) * durationFactor);
  }

  /** No sweep starts after this; a deferred one is dropped. */
  void stop() {
    stopped = true;
    deferred = null;
  }

  private void releaseDeferred() {
    if (stopped || deferred == null) {
      return;
    }
    long now = clock.getAsLong();
    if (now < nextAt) {
      // a sweep that ended meanwhile moved the start further out
      timer.after(nextAt - now, this::releaseDeferred);
      return;
    }
    SweepScheduler.Sweep sweep = deferred;
    deferred = null;
    release(sweep, now);
  }

  private void release(SweepScheduler.Sweep sweep, long now) {
    nextAt = now + minIntervalMs;
    sink.accept(sweep);
  }
}
