package io.stateserver.cluster;

/**
 * How far back a node re-reads the state table after a cluster membership change, so that every
 * subscriber eventually gets the newest version of the keys it follows (PROTOCOL.md section 3) even
 * when a change was committed but its broadcast never reached this node:
 *
 * <ul>
 *   <li>A member left (crashed, or cut off by a network split): it may have committed writes whose
 *       broadcasts died with it. They were written before it was noticed gone, and noticing takes
 *       at most Hazelcast's heartbeat timeout, so re-read from {@code lookback} before the removal.
 *   <li>A member joined: if members had left before, the cluster may be healing from a split,
 *       during which the other side's broadcasts never arrived here. Re-read from {@code lookback}
 *       before the oldest removal not yet covered by such a sweep (a removal is covered once a
 *       sweep that started after it has completed).
 * </ul>
 *
 * Times are epoch ms. {@code updated_at} comes from the writing node's clock, so {@code lookback}
 * also covers commit latency and clock skew between nodes. Not thread-safe: one verticle owns it.
 */
final class CatchUpWindow {
  private static final long NONE = Long.MIN_VALUE;

  private final long lookbackMs;
  private long oldestUncoveredRemoval = NONE;
  private long newestRemoval = NONE;

  CatchUpWindow(long lookbackMs) {
    if (lookbackMs < 0) {
      throw new IllegalArgumentException("lookback must not be negative");
    }
    this.lookbackMs = lookbackMs;
  }

  /**
   * A member left at {@code now}.
   *
   * @return the time from which to re-read
   */
  long memberLeft(long now) {
    if (oldestUncoveredRemoval == NONE) {
      oldestUncoveredRemoval = now;
    }
    newestRemoval = Math.max(newestRemoval, now);
    return now - lookbackMs;
  }

  /**
   * A member joined at {@code now}.
   *
   * @return the time from which to re-read
   */
  long memberJoined(long now) {
    long from = oldestUncoveredRemoval == NONE ? now : Math.min(oldestUncoveredRemoval, now);
    return from - lookbackMs;
  }

  /**
   * A sweep that started at {@code startedAt} re-read everything from the time {@link
   * #memberJoined} gave: the removals before its start are covered. A removal during the sweep
   * keeps all of them uncovered (conservative: the next join re-reads a little more).
   */
  void joinSweepCompleted(long startedAt) {
    if (oldestUncoveredRemoval != NONE && newestRemoval <= startedAt) {
      oldestUncoveredRemoval = NONE;
    }
  }

  long lookbackMs() {
    return lookbackMs;
  }
}
