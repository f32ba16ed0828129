package io.stateserver.session;

import java.util.HashMap;
import java.util.Map;

/**
 * What a node knows of its own lease and of the other nodes' leases, and the two decisions that
 * follow from it: whether the node may end sessions, and whether it must send its clients away.
 * Plain state driven by {@link SessionVerticle} with the clock's readings, so that each rule is
 * tested without waiting.
 *
 * <p>A node judges other nodes' sessions dead by their leases, which only a node that reaches the
 * database can renew. When the whole database was away for longer than the grace, the other nodes'
 * leases may have run out more than the grace ago too, and the node that gets back first must not
 * take them for dead before they have had the same chance to renew (or to send their clients away,
 * and the clients to resume within the grace). So after such a break, a node ends no session until
 * it has held its lease again for a lease and a grace; a clustered node does the same after it
 * starts, for it does not know what came before. A shorter break only pauses the ending of sessions
 * until the next renewal succeeds. (The grace is a cautious threshold: with a grace of two renewal
 * periods or less, a single failed renewal already makes a long break.) A crashed node's sessions
 * end that much later after a long break.
 */
final class LeaseState {

  /** What a failed renewal asks of the node. */
  enum AfterFailure {
    /** Nothing changes for the clients. */
    NOTHING,
    /** The lease ran out while another node holds one: send the clients away (first time). */
    SEND_AWAY_FIRST,
    /** Still lost: send away the clients that connected since. */
    SEND_AWAY_AGAIN,
    /** Was lost, but no other node holds a lease any more: the clients stay from now on. */
    CLIENTS_STAY
  }

  /** What a renewal that reached the database ended. */
  enum Renewal {
    /** No break: the previous renewal succeeded too (or this is the first). */
    AS_USUAL,
    /** A break shorter than the grace: sessions end again from now on. */
    AFTER_SHORT_BREAK,
    /** A break of the grace or longer: no session ends for a lease and a grace from now. */
    AFTER_LONG_BREAK
  }

  private final SessionTiming timing;
  private final boolean clustered;
  // until when the latest lease this node wrote runs (epoch ms, 0 before the first)
  private long heldUntil;
  // when the latest renewal that counted succeeded (epoch ms)
  private long renewedAt;
  // a renewal sent after the latest one that counted failed, or one succeeded too late to count
  private boolean broken;
  private long endNoSessionBefore;
  private boolean lost;
  // the other nodes' leases, as they announced them (clustered)
  private final Map<String, Long> others = new HashMap<>();

  /**
   * @param timing lease, renewal and grace periods
   * @param clustered whether other nodes exist whose leases count
   */
  LeaseState(SessionTiming timing, boolean clustered) {
    this.timing = timing;
    this.clustered = clustered;
  }

  /**
   * A renewal reached the database. It counts only if the lease it wrote still runs: one that
   * succeeded later than that (the request waited) holds nothing, and is a break. One sent before a
   * renewal that succeeded already (replies can come out of order) is old news.
   *
   * @param leaseUntil the lease it wrote (taken when it was sent)
   * @param now when it succeeded
   */
  Renewal renewed(long leaseUntil, long now) {
    if (heldUntil != 0 && leaseUntil <= heldUntil) {
      return Renewal.AS_USUAL;
    }
    if (leaseUntil <= now) {
      broken = true;
      return Renewal.AS_USUAL;
    }
    boolean first = heldUntil == 0;
    boolean ranOut = !first && heldUntil <= now;
    long breakMs = now - renewedAt;
    heldUntil = Math.max(heldUntil, leaseUntil);
    renewedAt = now;
    if (first) {
      if (clustered) {
        endNoSessionBefore = now + timing.leaseMs() + timing.graceMs();
      }
      return Renewal.AS_USUAL;
    }
    if (!broken && !ranOut) {
      return Renewal.AS_USUAL;
    }
    broken = false;
    lost = false;
    if (breakMs < timing.graceMs()) {
      return Renewal.AFTER_SHORT_BREAK;
    }
    endNoSessionBefore = Math.max(endNoSessionBefore, now + timing.leaseMs() + timing.graceMs());
    return Renewal.AFTER_LONG_BREAK;
  }

  /** Another node announced its lease. */
  void otherHeld(String nodeId, long until) {
    others.merge(nodeId, until, Math::max);
  }

  /**
   * A renewal failed. Once the lease this node last wrote has run out, another node that holds its
   * own lease counts this node's sessions as ended when the grace has passed too, though the
   * clients are still connected here: so they are sent away, to resume on such a node within the
   * grace; again after each failed renewal while it lasts, for the connections that opened
   * meanwhile. Not while no other node holds a lease (the whole database is away, or the node is
   * alone): then no node ends the sessions, and the clients stay. Decided on failures only, so that
   * a pause of this JVM cannot pass for a lost lease.
   *
   * @param leaseUntil the lease the failed renewal would have written (taken when it was sent)
   * @param now when it failed
   */
  AfterFailure renewalFailed(long leaseUntil, long now) {
    if (leaseUntil <= heldUntil) {
      // sent before a renewal that succeeded since (its request timed out late): old news
      return AfterFailure.NOTHING;
    }
    broken = true;
    if (!clustered || heldUntil == 0 || now < heldUntil) {
      return AfterFailure.NOTHING;
    }
    // A node counts only if it renewed within the last two renewal periods: when the whole
    // database is away, the others' last leases still run for a few seconds, but are not renewed.
    long fresh = Math.max(0, timing.leaseMs() - 2 * timing.renewEveryMs());
    others.values().removeIf(until -> until - now <= fresh);
    if (others.isEmpty()) {
      boolean wasLost = lost;
      lost = false;
      return wasLost ? AfterFailure.CLIENTS_STAY : AfterFailure.NOTHING;
    }
    boolean first = !lost;
    lost = true;
    return first ? AfterFailure.SEND_AWAY_FIRST : AfterFailure.SEND_AWAY_AGAIN;
  }

  /**
   * Whether this node may end sessions now: it holds its lease, no renewal failed since the last
   * that succeeded, and a lease and a grace have passed since it started (clustered) or its last
   * long break ended.
   */
  boolean mayEndSessions(long now) {
    return !broken && heldUntil > now && now >= endNoSessionBefore;
  }

  /** Until when the latest lease this node wrote runs (epoch ms). */
  long heldUntil() {
    return heldUntil;
  }

  /** How many other nodes held a lease at the last failed renewal. */
  int othersHolding() {
    return others.size();
  }
}
