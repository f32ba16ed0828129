package io.stateserver.cluster;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * How far back a node re-reads the state table after a cluster membership change, so that every
 * subscriber eventually gets the newest version of the keys it follows (PROTOCOL.md section 3) even
 * when a change was committed but its broadcast never reached this node:
 *
 * <ul>
 *   <li>A member left (crashed, or cut off by a network split): it may have committed writes whose
 *       broadcasts died with it. They were written before it was noticed gone, and noticing takes
 *       at most Hazelcast's heartbeat timeout, so re-read from {@code lookback} before the removal.
 *   <li>A member joined at an address that had left: the cluster may be healing from a split, and
 *       that member's side went on writing without its broadcasts reaching this node. Re-read from
 *       {@code lookback} before that address first left.
 *   <li>A member this node has not seen leave: it may have started, and written, on the other side
 *       of a split. Re-read from {@code lookback} before the later of its start and this node's (a
 *       member attribute, {@link #STARTED_AT_ATTRIBUTE}); for a node that has just started, that is
 *       about {@code lookback}.
 * </ul>
 *
 * A departure stays recorded until a completed re-read from a join of that address covers it:
 * {@link #caughtUp} clears it only if the address had not left again after the join the re-read was
 * for. At most {@value #MAX_DEPARTURES} addresses are remembered (the oldest go first).
 *
 * <p>Times are epoch ms. {@code updated_at} comes from the writing node's clock, so {@code
 * lookback} also covers commit latency and clock skew between nodes. Not thread-safe: one verticle
 * owns it.
 */
final class CatchUpWindow {
  /** The Hazelcast member attribute holding a node's start time (epoch ms, decimal). */
  static final String STARTED_AT_ATTRIBUTE = "stateserver.startedAt";

  static final int MAX_DEPARTURES = 1024;

  private record Departure(long first, long last) {}

  private final long lookbackMs;
  private final long startedAt;
  private final Map<String, Departure> departures = new HashMap<>();

  /**
   * @param lookbackMs see the class comment
   * @param startedAt when this node started
   */
  CatchUpWindow(long lookbackMs, long startedAt) {
    if (lookbackMs < 0) {
      throw new IllegalArgumentException("lookback must not be negative");
    }
    this.lookbackMs = lookbackMs;
    this.startedAt = startedAt;
  }

  /**
   * The member at {@code address} left at {@code now}.
   *
   * @return the time from which to re-read
   */
  long memberLeft(String address, long now) {
    departures.merge(
        address, new Departure(now, now), (old, next) -> new Departure(old.first(), now));
    if (departures.size() > MAX_DEPARTURES) {
      departures.entrySet().stream()
          .min(Comparator.comparingLong(e -> e.getValue().last()))
          .map(Map.Entry::getKey)
          .ifPresent(departures::remove);
    }
    return now - lookbackMs;
  }

  /**
   * A member joined at {@code address} at {@code now}.
   *
   * @param memberStartedAt the member's start time, or null when it did not say
   * @return the time from which to re-read
   */
  long memberJoined(String address, Long memberStartedAt, long now) {
    Departure d = departures.get(address);
    long from;
    if (d != null) {
      from = d.first();
    } else if (memberStartedAt != null) {
      from = Math.max(startedAt, memberStartedAt);
    } else {
      from = now;
    }
    return Math.min(from, now) - lookbackMs;
  }

  /**
   * Re-reads for joins have completed: {@code backAt} maps each joined address to the time it
   * joined. A departure recorded no later than that is covered; one recorded after it (the member
   * left again) stays, from that time.
   */
  void caughtUp(Map<String, Long> backAt) {
    backAt.forEach(
        (address, joinedAt) -> {
          Departure d = departures.get(address);
          if (d == null) {
            return;
          }
          if (d.last() <= joinedAt) {
            departures.remove(address);
          } else {
            departures.put(address, new Departure(d.last(), d.last()));
          }
        });
  }

  long lookbackMs() {
    return lookbackMs;
  }
}
