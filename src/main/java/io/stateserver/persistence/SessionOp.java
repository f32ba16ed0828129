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
   * Replies null. {@code connectedAt} is the {@code now} of the Open or Resume of the connection
   * that dropped.
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

  /** Replies an {@link Expired}. */
  record FindExpired(long now, long graceMs, int max) implements SessionOp {}

  /** Replies a Boolean: whether this call ended the session. */
  record MarkEnded(String id, long now, long graceMs) implements SessionOp {}

  /** Replies an Integer: how many ended sessions were deleted. */
  record PruneEnded(long endedBefore) implements SessionOp {}

  /**
   * Replies an Integer: how many lease rows of nodes that stopped renewing before {@code
   * leaseBefore}, and that no live session names, were deleted.
   */
  record PruneDeadNodes(long leaseBefore) implements SessionOp {}

  /** Expired sessions as a reply: ids and their client ids, index-aligned. */
  record Expired(java.util.List<io.stateserver.session.SessionRow> sessions) {}
}
