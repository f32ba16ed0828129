package io.stateserver.session;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.SessionOp;
import io.stateserver.state.BroadcastBeacon;
import io.stateserver.state.BroadcastCounter;
import io.stateserver.state.WriteCommand;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps sessions honest across the cluster (one instance per node). It renews the leases of this
 * node's connected sessions, and on every node it ends sessions that dropped more than the grace
 * ago, or whose node stopped renewing (killed): their ephemeral keys are deleted through the normal
 * write path (the last will) and the client's presence is recomputed. Every node may reap any
 * session; the database makes each end happen once.
 *
 * <p>The lease row also records how far this node's change broadcasts had got {@value
 * #BROADCAST_LAG_RENEWALS} renewals earlier, and when clustered the verticle reads the other nodes'
 * records after each renewal and hands them to the fan-out as beacons ({@code
 * cluster.BroadcastGaps}). Through the database, a node finds broadcasts it missed even while the
 * event-bus connection from their sender stays broken, or the cluster is split. The lag keeps a
 * change still on its way over the event bus from counting as missed.
 */
public final class SessionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SessionVerticle.class);
  private static final int REAP_BATCH = 200;

  /** How many renewals old the recorded broadcast number is (a few seconds). */
  static final int BROADCAST_LAG_RENEWALS = 3;

  /**
   * How long after its lease ran out a node's lease row is kept (once no live session names it).
   * Long enough that only a dead node's row goes: a node that was merely frozen renews, and so
   * makes its row again, as soon as it runs.
   */
  static final long DEAD_NODE_ROW_KEPT_MS = 3_600_000;

  /** The other nodes' records go to this node's fan-out only. */
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final String nodeId;
  private final SessionTiming timing;
  private final BroadcastCounter broadcasts;
  private final boolean followOtherNodes;
  private final Deque<BroadcastBeacon> broadcastsSampled = new ArrayDeque<>();
  private long renewTimer = -1;
  private long reapTimer = -1;
  private boolean reaping;
  // until when the latest lease this node wrote runs; whether it ran out unrenewed (clustered)
  private long leaseHeldUntil;
  private boolean leaseLost;
  // the other nodes' leases, as they announced them (clustered)
  private final Map<String, Long> otherLeases = new HashMap<>();

  /**
   * @param nodeId this node's id (its lease row)
   * @param timing lease and grace periods
   * @param broadcasts this node's broadcast numbering, recorded with the lease
   * @param followOtherNodes whether clustered: read the other nodes' records, and send the clients
   *     away when the lease runs out unrenewed
   */
  public SessionVerticle(
      String nodeId, SessionTiming timing, BroadcastCounter broadcasts, boolean followOtherNodes) {
    this.nodeId = nodeId;
    this.timing = timing;
    this.broadcasts = broadcasts;
    this.followOtherNodes = followOtherNodes;
  }

  @Override
  public Future<?> start() {
    // The node's lease row exists before any connection is accepted: the expiry sweep finds a
    // node's sessions through it. The timers start only once it does.
    Future<Void> listening =
        followOtherNodes
            ? vertx
                .eventBus()
                .<LeaseHeld>consumer(Addresses.LEASES, m -> onLeaseHeld(m.body()))
                .completion()
            : Future.succeededFuture();
    return listening
        .compose(v -> renew())
        .onSuccess(
            v -> {
              renewTimer = vertx.setPeriodic(timing.renewEveryMs(), id -> renewLeases());
              reapTimer = vertx.setPeriodic(timing.reapEveryMs(), id -> reap());
            });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(reapTimer);
    return Future.succeededFuture();
  }

  private void renewLeases() {
    renew()
        .onSuccess(
            v -> {
              if (leaseLost && leaseHeldUntil > System.currentTimeMillis()) {
                leaseLost = false;
                log.info("lease renewed again [node: {}]", nodeId);
              }
            })
        .onFailure(
            t -> {
              log.warn("lease renewal failed [cause: {}]", t.getMessage());
              leaseRanOut();
            });
    if (followOtherNodes) {
      readOtherNodesBroadcasts()
          .onFailure(
              t ->
                  log.warn(
                      "reading other nodes' broadcast numbers failed [cause: {}]", t.getMessage()));
    }
    pruneEnded();
    pruneDeadNodes();
  }

  private void onLeaseHeld(LeaseHeld held) {
    if (!nodeId.equals(held.nodeId())) {
      otherLeases.merge(held.nodeId(), held.until(), Math::max);
    }
  }

  /**
   * After a renewal failed: once the lease this node last wrote has run out, another node that
   * holds its own lease counts this node's sessions as ended when the grace has passed too, and
   * runs their last wills and turns presence offline, though the clients are still connected here.
   * So the node sends its clients away (through {@link LeaseLost}), to resume their sessions on
   * such a node within the grace; again after each failed renewal while it lasts, for the
   * connections that opened meanwhile. Not while no other node holds a lease (the whole database is
   * away, or the node is alone): then no node can end the sessions, and the clients stay. Decided
   * on failures only, so that a pause of this JVM cannot pass for a lost lease.
   */
  private void leaseRanOut() {
    long now = System.currentTimeMillis();
    if (!followOtherNodes || leaseHeldUntil == 0 || now < leaseHeldUntil) {
      return;
    }
    // A node counts only if it renewed within the last two renewal periods: when the whole
    // database is away, the others' last leases still run for a few seconds, but are not renewed.
    long fresh = Math.max(0, timing.leaseMs() - 2 * timing.renewEveryMs());
    otherLeases.values().removeIf(until -> until - now <= fresh);
    if (otherLeases.isEmpty()) {
      if (leaseLost) {
        leaseLost = false;
        log.info("no other node holds a lease either: clients stay [node: {}]", nodeId);
      }
      return;
    }
    if (!leaseLost) {
      leaseLost = true;
      log.warn(
          "lease ran out unrenewed, sending clients to other nodes [node: {}, ran out: {} ms ago,"
              + " nodes holding a lease: {}]",
          nodeId,
          now - leaseHeldUntil,
          otherLeases.size());
    }
    vertx
        .eventBus()
        .publish(Addresses.LEASE_LOST, new LeaseLost(nodeId, leaseHeldUntil), LOCAL_ONLY);
  }

  private Future<Void> renew() {
    long now = System.currentTimeMillis();
    long leaseUntil = now + timing.leaseMs();
    broadcastsSampled.addLast(new BroadcastBeacon(broadcasts.origin(), broadcasts.last(), now));
    BroadcastBeacon recorded =
        broadcastsSampled.size() > BROADCAST_LAG_RENEWALS
            ? broadcastsSampled.removeFirst()
            : new BroadcastBeacon(broadcasts.origin(), 0, now);
    return Bus.request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.RenewLeases(
                nodeId, leaseUntil, recorded.origin(), recorded.seq(), recorded.sampledAt()))
        .onSuccess(
            v -> {
              leaseHeldUntil = Math.max(leaseHeldUntil, leaseUntil);
              if (followOtherNodes) {
                vertx.eventBus().publish(Addresses.LEASES, new LeaseHeld(nodeId, leaseUntil));
              }
            })
        .mapEmpty();
  }

  /**
   * The other live nodes' records, to the fan-out as beacons (this node only: local delivery). A
   * row whose lease ran out more than a lease ago is a dead node's, and left out.
   */
  private Future<Void> readOtherNodesBroadcasts() {
    long leaseNotBefore = System.currentTimeMillis() - timing.leaseMs();
    return Bus.<SessionOp.Broadcasts>request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.NodeBroadcasts(nodeId, leaseNotBefore))
        .onSuccess(
            recorded ->
                recorded
                    .beacons()
                    .forEach(b -> vertx.eventBus().publish(Addresses.BEACONS, b, LOCAL_ONLY)))
        .mapEmpty();
  }

  /**
   * Ended sessions are kept for one grace period (for a late resume to find and refuse), then go.
   */
  private void pruneEnded() {
    long endedBefore = System.currentTimeMillis() - timing.graceMs();
    Bus.<Integer>request(
            vertx.eventBus(), Addresses.PERSISTENCE_SESSION, new SessionOp.PruneEnded(endedBefore))
        .onSuccess(
            deleted -> {
              if (deleted > 0) {
                log.debug("ended sessions pruned [count: {}]", deleted);
              }
            })
        .onFailure(t -> log.warn("pruning ended sessions failed [cause: {}]", t.getMessage()));
  }

  /** Every restart leaves a lease row under a new node id; a dead node's row goes after an hour. */
  private void pruneDeadNodes() {
    long leaseBefore = System.currentTimeMillis() - DEAD_NODE_ROW_KEPT_MS;
    Bus.<Integer>request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.PruneDeadNodes(leaseBefore))
        .onSuccess(
            deleted -> {
              if (deleted > 0) {
                log.info("lease rows of dead nodes deleted [count: {}]", deleted);
              }
            })
        .onFailure(
            t -> log.warn("pruning dead nodes' lease rows failed [cause: {}]", t.getMessage()));
  }

  private void reap() {
    if (reaping) {
      return;
    }
    reaping = true;
    long now = System.currentTimeMillis();
    EventBus bus = vertx.eventBus();
    Bus.<SessionOp.Expired>request(
            bus,
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.FindExpired(now, timing.graceMs(), REAP_BATCH))
        .compose(
            expired ->
                Future.join(expired.sessions().stream().map(s -> endSession(s, now)).toList()))
        .onComplete(
            ar -> {
              reaping = false;
              if (ar.failed()) {
                log.warn("session reaping failed [cause: {}]", ar.cause().getMessage());
              }
            });
  }

  /** Ephemeral keys first, then the session row, then presence: a crash midway is retried. */
  private Future<Void> endSession(SessionRow session, long now) {
    EventBus bus = vertx.eventBus();
    return Bus.<ReadQuery.Keys>request(
            bus, Addresses.PERSISTENCE_READ, new ReadQuery.OwnedBy(session.id()))
        .compose(
            owned ->
                Future.all(
                    owned.keys().stream()
                        .map(
                            key ->
                                Bus.request(
                                    bus,
                                    Addresses.STATE_WRITE,
                                    new WriteCommand.EndEphemeral(key, session.id())))
                        .toList()))
        .compose(
            v ->
                Bus.<Boolean>request(
                    bus,
                    Addresses.PERSISTENCE_SESSION,
                    new SessionOp.MarkEnded(session.id(), now, timing.graceMs())))
        .compose(
            ended -> {
              if (!ended) {
                return Future.succeededFuture();
              }
              log.info("session ended [id: {}, client: {}]", session.id(), session.clientId());
              return Bus.request(
                      bus,
                      Addresses.STATE_WRITE,
                      new WriteCommand.RefreshPresence(
                          PresenceKeys.of(session.clientId()), session.clientId()))
                  .mapEmpty();
            });
  }
}
