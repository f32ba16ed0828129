package io.stateserver.cluster;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * How far back a node re-reads the state table after a cluster membership change, so that every
 * subscriber eventually gets the newest version of the keys it follows (PROTOCOL.md section 3) even
 * when a change was committed but its broadcast never reached this node:
 *
 * <ul>
 *   <li>A member left (crashed, or cut off by a network split): it may have committed writes whose
 *       broadcasts died with it. They were written before it was noticed gone, and noticing takes
 *       at most Hazelcast's heartbeat timeout, so re-read from {@code lookback} before the removal.
 *   <li>A member joined at an address that had left before: the cluster may be healing from a
 *       split, and that member's side went on writing without its broadcasts reaching this node.
 *       Re-read from {@code lookback} before that address left. A member at a new address re-reads
 *       only {@code lookback}.
 *   <li>This node merged into another cluster (Hazelcast's split-brain healing): every member it
 *       had lost may be back, so re-read from {@code lookback} before the oldest departure.
 * </ul>
 *
 * A departure stays recorded until a re-read that started after it was last seen has covered it.
 * Departures older than a day are forgotten (a member that never came back).
 *
 * <p>Times are epoch ms. {@code updated_at} comes from the writing node's clock, so {@code
 * lookback} also covers commit latency and clock skew between nodes. Not thread-safe: one verticle
 * owns it.
 */
final class CatchUpWindow {
  static final long FORGET_AFTER_MS = 24 * 60 * 60 * 1000L;

  private record Departure(long first, long last) {}

  private final long lookbackMs;
  private final Map<String, Departure> departures = new HashMap<>();

  CatchUpWindow(long lookbackMs) {
    if (lookbackMs < 0) {
      throw new IllegalArgumentException("lookback must not be negative");
    }
    this.lookbackMs = lookbackMs;
  }

  /**
   * The member at {@code address} left at {@code now}.
   *
   * @return the time from which to re-read
   */
  long memberLeft(String address, long now) {
    departures.merge(
        address, new Departure(now, now), (old, next) -> new Departure(old.first(), now));
    departures.values().removeIf(d -> d.last() < now - FORGET_AFTER_MS);
    return now - lookbackMs;
  }

  /**
   * A member joined at {@code address} at {@code now}.
   *
   * @return the time from which to re-read
   */
  long memberJoined(String address, long now) {
    Departure d = departures.get(address);
    return (d == null ? now : Math.min(d.first(), now)) - lookbackMs;
  }

  /**
   * This node merged into another cluster at {@code now}.
   *
   * @return the time from which to re-read
   */
  long merged(long now) {
    long from = now;
    for (Departure d : departures.values()) {
      from = Math.min(from, d.first());
    }
    return from - lookbackMs;
  }

  /**
   * A re-read that started at {@code startedAt}, from the time {@link #memberJoined} or {@link
   * #merged} gave, has completed: the departures of those addresses (all of them when {@code
   * addresses} is null) are covered up to its start. One seen again after the start stays recorded,
   * from that time.
   */
  void caughtUp(Set<String> addresses, long startedAt) {
    for (Iterator<Map.Entry<String, Departure>> it = departures.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Departure> e = it.next();
      if (addresses != null && !addresses.contains(e.getKey())) {
        continue;
      }
      Departure d = e.getValue();
      if (d.last() <= startedAt) {
        it.remove();
      } else {
        e.setValue(new Departure(d.last(), d.last()));
      }
    }
  }

  long lookbackMs() {
    return lookbackMs;
  }
}
