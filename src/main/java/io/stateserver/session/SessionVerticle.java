package io.stateserver.session;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.SessionOp;
import io.stateserver.state.BroadcastBeacon;
import io.stateserver.state.BroadcastCounter;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps sessions honest across the cluster (one instance per node). It renews the leases of this
 * node's connected sessions, and on every node it ends sessions that dropped more than the grace
 * ago, or whose node stopped renewing (killed): their ephemeral keys are deleted through the normal
 * write path (the last will) and the client's presence is recomputed. Every node may reap any
 * session; the database makes each end happen once. After a long break in reaching the database, a
 * node ends no session until the others have had the time to renew theirs ({@link LeaseState}).
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

  /** How many sessions of each kind (dropped; of a dead node) one reaping looks at, at most. */
  static final int REAP_BATCH = 200;

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
  // numbers this node's renewals, so that one that lands after a later one changes nothing
  private long renewals;
  private long renewTimer = -1;
  private long reapTimer = -1;
  private boolean reaping;
  // each reaping goes on where the last one stopped, so sessions whose end keeps failing (found
  // first, every time) cannot hide the ones behind them
  private SessionOp.ExpiredFrom reapFrom = SessionOp.ExpiredFrom.START;
  private final EndRetries endRetries = new EndRetries();
  // clients whose presence update failed after their session ended: nothing else would redo it
  private final Set<String> presenceOwed = new HashSet<>();
  private final LeaseState lease;

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
    this.lease = new LeaseState(timing, followOtherNodes);
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
        .compose(v -> dropEarlierRun())
        .compose(v -> renew())
        .onSuccess(
            v -> {
              renewTimer = vertx.setPeriodic(timing.renewEveryMs(), id -> renewLeases());
              reapTimer = vertx.setPeriodic(timing.reapEveryMs(), id -> reap());
            });
  }

  /**
   * Before the first renewal: the sessions an earlier run of this node id left connected (it
   * crashed) are marked dropped, as of when its lease ran out, so that they end one grace after
   * that unless their clients resume. This run serves none of them, and its renewals would
   * otherwise keep them alive for good.
   *
   * <p>The id's lease may still be running: the earlier run died moments ago, or another process
   * runs under this id (two nodes given one {@code STATE_NODE_ID}, or a new instance started before
   * the old one stopped). So the start waits for the lease to run out and reads it again: a lease
   * renewed meanwhile means a live process, whose sessions are not this run's to end, and this node
   * refuses to start.
   */
  private Future<Void> dropEarlierRun() {
    return leaseOfThisId()
        .compose(
            lease -> {
              long now = System.currentTimeMillis();
              if (lease == null || lease.leaseUntil() <= now) {
                return Future.succeededFuture(lease);
              }
              log.info(
                  "lease of this node id still running, waiting for it to end [node: {}, ms: {}]",
                  nodeId,
                  lease.leaseUntil() - now);
              long waitMs =
                  Math.min(lease.leaseUntil() - now, timing.leaseMs()) + timing.renewEveryMs();
              return Future.<Void>future(p -> vertx.setTimer(waitMs, id -> p.complete()))
                  .compose(v -> leaseOfThisId())
                  .compose(
                      again ->
                          again == null || again.equals(lease)
                              ? Future.succeededFuture(lease)
                              : Future.failedFuture(
                                  new IllegalStateException(
                                      "node id "
                                          + nodeId
                                          + " is in use: another process renews its lease; give"
                                          + " each node its own STATE_NODE_ID")));
            })
        .compose(
            lease ->
                lease == null
                    ? Future.succeededFuture(0)
                    : Bus.<Integer>request(
                        vertx.eventBus(),
                        Addresses.PERSISTENCE_SESSION,
                        new SessionOp.DropEarlierRun(
                            nodeId, Math.min(lease.leaseUntil(), System.currentTimeMillis()))))
        .onSuccess(
            dropped -> {
              if (dropped > 0) {
                log.info(
                    "sessions of an earlier run of this node marked dropped [node: {}, sessions: {}]",
                    nodeId,
                    dropped);
              }
            })
        .mapEmpty();
  }

  private Future<SessionOp.Lease> leaseOfThisId() {
    return Bus.request(
        vertx.eventBus(), Addresses.PERSISTENCE_SESSION, new SessionOp.LeaseOf(nodeId));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(reapTimer);
    return Future.succeededFuture();
  }

  private void renewLeases() {
    renew();
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
      lease.otherHeld(held.nodeId(), held.until());
    }
  }

  private void renewed(long leaseUntil) {
    switch (lease.renewed(leaseUntil, System.currentTimeMillis())) {
      case AS_USUAL -> {}
      case AFTER_SHORT_BREAK -> log.info("lease renewed again [node: {}]", nodeId);
      case AFTER_LONG_BREAK ->
          log.info(
              "lease renewed again after a long break, ending no session for a lease and a grace"
                  + " [node: {}, for: {} ms]",
              nodeId,
              timing.leaseMs() + timing.graceMs());
    }
    if (followOtherNodes) {
      vertx.eventBus().publish(Addresses.LEASES, new LeaseHeld(nodeId, leaseUntil));
    }
  }

  /** Sends the clients away while the lease is lost ({@link LeaseState#renewalFailed}). */
  private void renewalFailed(long leaseUntil, Throwable failure) {
    log.warn("lease renewal failed [cause: {}]", failure.getMessage());
    long now = System.currentTimeMillis();
    switch (lease.renewalFailed(leaseUntil, now)) {
      case NOTHING -> {
        return;
      }
      case CLIENTS_STAY -> {
        log.info("no other node holds a lease either: clients stay [node: {}]", nodeId);
        return;
      }
      case SEND_AWAY_FIRST ->
          log.warn(
              "lease ran out unrenewed, sending clients to other nodes [node: {}, ran out: {} ms"
                  + " ago, nodes holding a lease: {}]",
              nodeId,
              now - lease.heldUntil(),
              lease.othersHolding());
      case SEND_AWAY_AGAIN -> {}
    }
    vertx
        .eventBus()
        .publish(Addresses.LEASE_LOST, new LeaseLost(nodeId, lease.heldUntil()), LOCAL_ONLY);
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
                nodeId,
                leaseUntil,
                recorded.origin(),
                recorded.seq(),
                recorded.sampledAt(),
                ++renewals))
        .onSuccess(v -> renewed(leaseUntil))
        .onFailure(t -> renewalFailed(leaseUntil, t))
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
    long now = System.currentTimeMillis();
    if (reaping || !lease.mayEndSessions(now)) {
      return;
    }
    reaping = true;
    EventBus bus = vertx.eventBus();
    Future.join(new ArrayList<>(presenceOwed).stream().map(this::refreshPresence).toList())
        .transform(
            owed ->
                Bus.<SessionOp.Expired>request(
                    bus,
                    Addresses.PERSISTENCE_SESSION,
                    new SessionOp.FindExpired(now, timing.graceMs(), REAP_BATCH, reapFrom)))
        .compose(
            expired -> {
              reapFrom = expired.next();
              return Future.join(
                  expired.sessions().stream()
                      .filter(s -> endRetries.due(s.id(), now))
                      .map(s -> endSession(s, now))
                      .toList());
            })
        .onComplete(
            ar -> {
              reaping = false;
              if (ar.failed()) {
                log.warn("session reaping failed [cause: {}]", ar.cause().getMessage());
              }
            });
  }

  /**
   * The end begins (no resume takes the session after that), then the ephemeral keys go, then the
   * session row is marked ended, then presence: a crash midway is retried, for a session whose end
   * began is found again. So is a last will the database refused ({@link EndRetries}), and a
   * presence update ({@link #presenceOwed}).
   */
  private Future<Void> endSession(SessionRow session, long now) {
    return Bus.<Boolean>request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.BeginEnd(session.id(), now, timing.graceMs()))
        .compose(
            begun ->
                // not begun: a resume won (its connection keeps the keys), or the session ended
                begun ? finishEnd(session, now) : Future.<Void>succeededFuture())
        .onSuccess(v -> endRetries.ended(session.id()))
        .onFailure(t -> endRetries.failed(session.id(), now));
  }

  private Future<Void> finishEnd(SessionRow session, long now) {
    EventBus bus = vertx.eventBus();
    boolean givingUp = endRetries.givingUp(session.id(), now);
    return Bus.<ReadQuery.Keys>request(
            bus, Addresses.PERSISTENCE_READ, new ReadQuery.OwnedBy(session.id()))
        .compose(
            owned ->
                Future.all(
                    owned.keys().stream()
                        .map(
                            key ->
                                // a last will the database refused fails the end: the session
                                // is not marked ended, and a later reaping tries again
                                lastWill(key, session, givingUp))
                        .toList()))
        .compose(
            v ->
                Bus.<Boolean>request(
                        bus,
                        Addresses.PERSISTENCE_SESSION,
                        new SessionOp.MarkEnded(session.id(), now, timing.graceMs()))
                    // it may have ended all the same (a reply lost): then nothing else would
                    // update the client's presence
                    .onFailure(t -> presenceOwed.add(session.clientId())))
        .compose(
            ended -> {
              if (!ended) {
                return Future.succeededFuture();
              }
              log.info("session ended [id: {}, client: {}]", session.id(), session.clientId());
              // ended: a failed presence update is owed (refreshPresence), not the end's failure
              return refreshPresence(session.clientId()).otherwiseEmpty();
            });
  }

  private Future<Void> lastWill(String key, SessionRow session, boolean givingUp) {
    Future<WriteOutcome> made =
        Bus.<WriteOutcome>request(
                vertx.eventBus(),
                Addresses.STATE_WRITE,
                new WriteCommand.EndEphemeral(key, session.id()))
            .compose(WriteOutcome::orFailure);
    if (!givingUp) {
      return made.mapEmpty();
    }
    return made.<Void>mapEmpty()
        .recover(
            t -> {
              log.error(
                  "last will failing for an hour, ending the session without it [session: {}, key:"
                      + " {}, cause: {}]",
                  session.id(),
                  key,
                  t.getMessage());
              return Future.succeededFuture();
            });
  }

  /**
   * Recomputes the client's presence; if that fails, it is owed, and tried again at each reaping
   * until it succeeds (the client's ended session is not found again).
   */
  private Future<Void> refreshPresence(String clientId) {
    return Bus.<WriteOutcome>request(
            vertx.eventBus(),
            Addresses.STATE_WRITE,
            new WriteCommand.RefreshPresence(PresenceKeys.of(clientId), clientId))
        .compose(WriteOutcome::orFailure)
        .<Void>mapEmpty()
        .onSuccess(v -> presenceOwed.remove(clientId))
        .onFailure(
            t -> {
              if (presenceOwed.add(clientId)) {
                log.warn(
                    "presence update failed, retrying [client: {}, cause: {}]",
                    clientId,
                    t.getMessage());
              }
            });
  }
}
