package io.stateserver.persistence;

/** Session-table operations sent to the persistence verticle at {@code persistence.session}. */
public sealed interface SessionOp {

  /** Replies null. */
  record Open(String id, String clientId, String nodeId, long now, long leaseUntil)
      implements SessionOp {}

  /** Replies a Boolean: whether the session could be resumed. */
  record Resume(String id, String clientId, String nodeId, long now, long leaseUntil, long graceMs)
      implements SessionOp {}

  /**
   * Replies a Boolean: whether the session was still this connection's and is now dropped. {@code
   * connectedAt} is the {@code now} of the Open or Resume of the connection that dropped.
   */
  record Drop(String id, String nodeId, long connectedAt, long now) implements SessionOp {}

  /**
   * Replies null. Also records how far the node's broadcasts had got ({@code
   * state.BroadcastBeacon}). {@code renewalSeq} numbers the node's renewals, from 1 at its start.
   */
  record RenewLeases(
      String nodeId,
      long leaseUntil,
      String origin,
      long broadcastSeq,
      long sampledAt,
      long renewalSeq)
      implements SessionOp {}

  /**
   * Replies a {@link Broadcasts}: the broadcast numbers the other nodes whose lease runs until
   * {@code leaseNotBefore} or later recorded.
   */
  record NodeBroadcasts(String nodeId, long leaseNotBefore) implements SessionOp {}

  /** The other nodes' recorded broadcast numbers, as a reply. */
  record Broadcasts(java.util.List<io.stateserver.state.BroadcastBeacon> beacons) {}

  /**
   * Replies an {@link Expired}: up to {@code max} dropped and up to {@code max} connected expired
   * sessions, each kind after its id in {@code from}.
   */
  record FindExpired(long now, long graceMs, int max, ExpiredFrom from) implements SessionOp {}

  /**
   * Where a search for expired sessions goes on from: past these ids, in the database's order, for
   * each kind. Why: a session whose end keeps failing is found again at every reaping, and always
   * at the head of the list; without a place to go on from, a batch full of those would hide every
   * session behind them.
   *
   * @param droppedAfter the last dropped session seen, or "" for the start
   * @param connectedAfter the last connected session (of a node whose lease ran out) seen, or ""
   */
  record ExpiredFrom(String droppedAfter, String connectedAfter) {
    /** From the start, for both kinds. */
    public static final ExpiredFrom START = new ExpiredFrom("", "");
  }

  /** Replies the {@link Lease} of {@code nodeId}, or null when it has none. */
  record LeaseOf(String nodeId) implements SessionOp {}

  /** A node's lease row: until when, and its last renewal's number and origin (the run). */
  record Lease(long leaseUntil, Long renewalSeq, String origin) {}

  /**
   * Replies an Integer: how many sessions still recorded as connected on {@code nodeId} were marked
   * dropped at {@code now}. Sent once, as the node starts and before it renews its lease or accepts
   * a connection: such sessions are an earlier run's of the same node id, which ended without
   * recording its drops (a crash, {@code kill -9}). This run's renewals would otherwise vouch for
   * them for good: their presence online, their ephemeral keys never deleted.
   */
  record DropEarlierRun(String nodeId, long now) implements SessionOp {}

  /**
   * Replies a Boolean: whether the session is still the connection's that opened or resumed it on
   * {@code nodeId} at {@code connectedAt} (connected, not ended): the last resume to commit owns a
   * session.
   */
  record Owns(String id, String nodeId, long connectedAt) implements SessionOp {}

  /**
   * Replies a Boolean: whether the session's end has begun (it was past its grace, or its end had
   * begun already) and it has not ended. No resume takes it after that.
   */
  record BeginEnd(String id, long now, long graceMs) implements SessionOp {}

  /**
   * Replies a Boolean: whether the session is connected on {@code nodeId} by a connection that
   * connected after {@code connectedAt} (asked when a resume connected at {@code connectedAt}
   * failed: a later one on the same node won the race).
   */
  record ResumedHereLater(String id, String clientId, String nodeId, long connectedAt)
      implements SessionOp {}

  /** Replies a Boolean: whether this call ended the session. */
  record MarkEnded(String id, long now, long graceMs) implements SessionOp {}

  /** Replies an Integer: how many ended sessions were deleted. */
  record PruneEnded(long endedBefore) implements SessionOp {}

  /**
   * Replies an Integer: how many lease rows of nodes that stopped renewing before {@code
   * leaseBefore}, and that no live session names, were deleted.
   */
  record PruneDeadNodes(long leaseBefore) implements SessionOp {}

  /**
   * Expired sessions as a reply, and where the next search goes on from: past the last of each kind
   * found while a kind filled its batch, from the start again once it did not.
   */
  record Expired(java.util.List<io.stateserver.session.SessionRow> sessions, ExpiredFrom next) {}
}
