package io.stateserver.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Notices broadcasts from other nodes that never arrived. Each node numbers the changes it
 * broadcasts (1, 2, 3, ... per start) and every second publishes a beacon with the number they
 * stood at a beacon earlier ({@code StateVerticle} says why earlier). One event-bus connection
 * carries changes from that node to this one in order, and every change a beacon counts was sent at
 * least a beacon interval before it. So a number that skips ahead, in a change or in a beacon,
 * means the changes in between were lost: the event-bus connection broke and was made again without
 * any membership change (which the catch-up after membership changes would have covered), or the
 * sender did not yet know this node's consumer of changes while it knew the one of beacons.
 *
 * <p>The first number heard from an origin only sets where it stands. Not thread-safe: one instance
 * per fan-out verticle.
 */
public final class BroadcastGaps {
  /** How often a clustered node publishes its beacon. */
  public static final long BEACON_INTERVAL_MS = 1_000;

  /** Origins remembered; the one heard from longest ago goes first (nodes restarted long ago). */
  static final int MAX_ORIGINS = 1_024;

  /**
   * Broadcasts of {@code origin} that never arrived.
   *
   * @param origin the sending node's incarnation
   * @param missed how many broadcasts are missing
   * @param lastHeardAt when the last contiguous broadcast or beacon of that origin arrived (this
   *     node's epoch ms), or when the sender took the last contiguous number read from its lease
   *     row (the sender's); every missed change was published after it, and committed at most a
   *     commit's latency (plus a beacon interval) before
   * @param via what showed the gap: {@value #VIA_CHANGE}, {@value #VIA_BEACON} or {@value
   *     #VIA_LEASE_RECORD}
   */
  public record Gap(String origin, long missed, long lastHeardAt, String via) {}

  static final String VIA_CHANGE = "change";
  static final String VIA_BEACON = "beacon";
  static final String VIA_LEASE_RECORD = "lease record";

  private static final class Origin {
    long seq;
    long heardAt;

    Origin(long seq, long heardAt) {
      this.seq = seq;
      this.heardAt = heardAt;
    }
  }

  private final String self;
  private final Map<String, Origin> origins =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Origin> eldest) {
          return size() > MAX_ORIGINS;
        }
      };

  /**
   * @param self this node's own incarnation: its broadcasts reach its own fan-out without the
   *     network, and are not tracked
   */
  public BroadcastGaps(String self) {
    this.self = self;
  }

  /**
   * A change numbered {@code seq} by {@code origin} arrived at {@code now}.
   *
   * @return the broadcasts missing before it, or null when none are
   */
  public Gap changeArrived(String origin, long seq, long now) {
    return arrived(origin, seq, seq - 1, now, VIA_CHANGE);
  }

  /**
   * A beacon of {@code origin} arrived at {@code now}: its last broadcast was number {@code seq}.
   *
   * @return the broadcasts missing up to it, or null when none are
   */
  public Gap beaconArrived(String origin, long seq, long now) {
    return arrived(origin, seq, seq, now, VIA_BEACON);
  }

  /**
   * {@code origin}'s lease row says its broadcasts stood at {@code seq} at {@code sampledAt} (its
   * clock). Unlike a beacon's, the number may be seconds old, and the same row may be read many
   * times: it counts as heard at {@code sampledAt}, never later, so a row that stopped changing
   * does not move the time a later gap is counted from.
   *
   * @return the broadcasts missing up to it, or null when none are
   */
  public Gap leaseRecordRead(String origin, long seq, long sampledAt, long now) {
    return arrived(origin, seq, seq, Math.min(now, sampledAt), VIA_LEASE_RECORD);
  }

  /** How many origins are remembered. */
  int size() {
    return origins.size();
  }

  /**
   * @param seq the number heard
   * @param expectedBefore the number this origin must stand at for nothing to be missing
   * @param heardAt when that number was current
   */
  private Gap arrived(String origin, long seq, long expectedBefore, long heardAt, String via) {
    if (origin == null || origin.equals(self)) {
      return null;
    }
    Origin o = origins.get(origin);
    if (o == null) {
      origins.put(origin, new Origin(seq, heardAt));
      return null;
    }
    if (seq < o.seq || (seq == o.seq && expectedBefore != seq)) {
      // heard before (a change never arrives twice over one connection; nothing to learn)
      return null;
    }
    Gap gap =
        expectedBefore > o.seq ? new Gap(origin, expectedBefore - o.seq, o.heardAt, via) : null;
    o.seq = seq;
    o.heardAt = Math.max(o.heardAt, heardAt);
    return gap;
  }
}
