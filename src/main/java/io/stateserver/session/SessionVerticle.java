package io.stateserver.session;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.SessionOp;
import io.stateserver.state.WriteCommand;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps sessions honest across the cluster (one instance per node). It renews the leases of this
 * node's connected sessions, and on every node it ends sessions that dropped more than the grace
 * ago, or whose node stopped renewing (killed): their ephemeral keys are deleted through the normal
 * write path (the last will) and the client's presence is recomputed. Every node may reap any
 * session; the database makes each end happen once.
 */
public final class SessionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SessionVerticle.class);
  private static final int REAP_BATCH = 200;

  private final String nodeId;
  private final SessionTiming timing;
  private long renewTimer = -1;
  private long reapTimer = -1;
  private boolean reaping;

  public SessionVerticle(String nodeId, SessionTiming timing) {
    this.nodeId = nodeId;
    this.timing = timing;
  }

  @Override
  public Future<?> start() {
    // The node's lease row exists before any connection is accepted: the expiry sweep finds a
    // node's sessions through it. The timers start only once it does.
    return renew()
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
    renew().onFailure(t -> log.warn("lease renewal failed [cause: {}]", t.getMessage()));
    pruneEnded();
  }

  private Future<Void> renew() {
    long leaseUntil = System.currentTimeMillis() + timing.leaseMs();
    return Bus.request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.RenewLeases(nodeId, leaseUntil))
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
