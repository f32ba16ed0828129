package io.stateserver.state;

import java.util.TreeSet;

/**
 * When keys written with {@code ttlMs} through this node expire, so that the node deletes each at
 * its time rather than at the next periodic sweep (up to a sweep interval late: 20 times a 50 ms
 * TTL). Times are rounded up to {@link #BUCKET_MS}, so keys expiring together share one sweep, and
 * at most {@link #MAX_TIMES} are kept (the latest go first): the periodic sweep, which finds every
 * expired key in the database whoever wrote it, still covers what this forgets. Not thread-safe:
 * the state verticle's.
 */
final class ExpirySchedule {
  /** Keys expiring within this much of each other are swept together. */
  static final long BUCKET_MS = 10;

  /** Times remembered at most (a few hundred KiB). */
  static final int MAX_TIMES = 10_000;

  private final TreeSet<Long> times = new TreeSet<>();

  /**
   * A key expires at {@code at} (epoch ms, or later).
   *
   * @return true when that is now the earliest time to sweep at: the caller's timer must move
   */
  boolean add(long at) {
    long bucket = -Math.floorDiv(-at, BUCKET_MS) * BUCKET_MS; // rounded up
    if (times.size() >= MAX_TIMES && bucket > times.last()) {
      return false;
    }
    if (!times.add(bucket)) {
      return false;
    }
    if (times.size() > MAX_TIMES) {
      times.pollLast();
    }
    return times.first() == bucket;
  }

  /** Forgets the times at or before {@code now}: a sweep at {@code now} finds their keys. */
  void sweptAt(long now) {
    times.headSet(now, true).clear();
  }

  /** The earliest time to sweep at, or -1 when none is known. */
  long next() {
    return times.isEmpty() ? -1 : times.first();
  }
}
