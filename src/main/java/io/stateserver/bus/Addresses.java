package io.stateserver.bus;

/**
 * Every event-bus address of the server, in one place. "Local" addresses are registered with {@code
 * localConsumer} and never leave the node; "cluster" addresses cross nodes and carry only messages
 * with a real wire encoding.
 */
public final class Addresses {
  private Addresses() {}

  /**
   * Local, request/reply: a {@code WriteRequest} to the state verticle; replies a {@code
   * WriteOutcome}.
   */
  public static final String STATE_WRITE = "state.write";

  /** Local, request/reply: a read query to the persistence verticle. */
  public static final String PERSISTENCE_READ = "persistence.read";

  /** Local, request/reply: a session-table operation to the persistence verticle. */
  public static final String PERSISTENCE_SESSION = "persistence.session";

  /**
   * Cluster, publish: a committed {@code ChangeEvent}; exactly one consumer per node (the fan-out).
   */
  public static final String CHANGES = "state.changes";

  /**
   * Cluster, publish: a {@code BroadcastBeacon} (the number a node's broadcast changes stood at a
   * beacon earlier), every second from each clustered node; also published locally by the session
   * verticle with the numbers the other nodes recorded in the database. Its consumer is the
   * fan-out, beside {@link #CHANGES}, which compares it with the changes that arrived.
   */
  public static final String BEACONS = "state.beacons";

  /**
   * Local, publish: a {@code BroadcastGaps.Gap} (broadcasts from another node that never arrived),
   * from the fan-out to the catch-up verticle, which re-reads what they carried.
   */
  public static final String BROADCAST_GAPS = "cluster.gaps";

  /**
   * Local, publish: an {@code EncodedChange} (the change frame encoded once on this node) to every
   * connection verticle instance, which hands it to its own matching sockets.
   */
  public static final String FANOUT = "connection.fanout";

  /**
   * Cluster, publish: a {@code SessionControl} (close a session's connection on whichever node has
   * it).
   */
  public static final String SESSION_CONTROL = "session.control";

  /**
   * Local, request/reply: a {@code RegistryOp} (token request, client administration) to the node's
   * registry verticle; replies per operation.
   */
  public static final String REGISTRY = "security.registry";

  /**
   * Cluster, publish: an {@code AccessChange} (client disabled or enabled, token revoked), sent
   * after the change is committed; one consumer per node (the registry verticle), which updates the
   * node's deny list and so closes matching connections.
   */
  public static final String ACCESS_CHANGES = "security.access";

  /**
   * Local, publish: a {@code LeaseLost} from the session verticle when this clustered node's lease
   * ran out because it could not renew it; every connection verticle instance sends its clients
   * away, to resume their sessions on another node before the other nodes end them.
   */
  public static final String LEASE_LOST = "session.lease-lost";

  /**
   * Cluster, publish: a {@code LeaseHeld} from each node's session verticle after every renewal
   * that reached the database; consumed by the session verticle of every other node.
   */
  public static final String LEASES = "session.leases";
}
