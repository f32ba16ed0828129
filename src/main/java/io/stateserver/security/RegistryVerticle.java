package io.stateserver.security;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.config.ServerConfig;
import io.stateserver.persistence.Database;
import io.stateserver.persistence.DatabaseFailures;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.stateserver.ratelimit.RejectionKind;
import io.stateserver.ratelimit.TokenRequestLimiter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's client registry (one instance per node): answers {@link RegistryOp}s from the HTTP
 * edge, limits token requests, and keeps the node's {@link DenyList} current.
 *
 * <p>Consistency of disable and revoke: the change is committed to the database first, then an
 * {@link AccessChange} is published cluster-wide; every node's instance applies it to its deny list
 * (closing live connections) as soon as it arrives, normally within milliseconds. Each node also
 * re-reads the deny state from the database every {@value #REFRESH_MS} ms, which bounds the window
 * for changes whose message was lost and for changes made with the command-line tool (which has no
 * cluster connection) to that period.
 */
public final class RegistryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RegistryVerticle.class);
  static final long REFRESH_MS = 5_000;
  private static final long EVICT_MS = 60_000;

  private final Supplier<Database> database;
  private final ServerConfig config;
  private final DenyList denyList;
  private final SecretHasher hasher;
  private final TokenRequestLimiter limiter;
  private final Consumer<String> onRateLimited;
  private ClientService clients;
  private final TokenIssuer issuer;
  private long refreshTimer = -1;
  private long evictTimer = -1;
  private boolean refreshing;

  /**
   * @param database the database, available once the persistence verticle has started
   * @param issuer signs the tokens of {@code POST /v1/token} (built at start-up, off the event
   *     loop)
   * @param onRateLimited told the {@code RejectionKind} of every refused token request (metrics)
   */
  public RegistryVerticle(
      Supplier<Database> database,
      ServerConfig config,
      DenyList denyList,
      SecretHasher hasher,
      TokenIssuer issuer,
      Consumer<String> onRateLimited) {
    this.issuer = issuer;
    this.onRateLimited = onRateLimited;
    this.database = database;
    this.config = config;
    this.denyList = denyList;
    this.hasher = hasher;
    this.limiter = new TokenRequestLimiter(config.limits().tokenRequests());
  }

  @Override
  public Future<?> start() {
    clients =
        new ClientService(
            vertx,
            database.get(),
            hasher,
            config.roles(),
            () -> onRateLimited.accept(RejectionKind.SECRET_CHECKS));
    var bus = vertx.eventBus();
    var requests = bus.<RegistryOp>localConsumer(Addresses.REGISTRY, this::onRequest);
    var changes = bus.<AccessChange>consumer(Addresses.ACCESS_CHANGES, m -> onChange(m.body()));
    return refresh()
        .compose(v -> Future.all(requests.completion(), changes.completion()))
        .onSuccess(
            v -> {
              refreshTimer = vertx.setPeriodic(REFRESH_MS, id -> refresh());
              evictTimer = vertx.setPeriodic(EVICT_MS, id -> evict());
              log.info(
                  "client registry ready [disabled: {}, revoked: {}]",
                  denyList.disabledCount(),
                  denyList.revokedCount());
            });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(refreshTimer);
    vertx.cancelTimer(evictTimer);
    return Future.succeededFuture();
  }

  private void onChange(AccessChange change) {
    log.info("access change [kind: {}, subject: {}]", change.kind(), change.subject());
    denyList.apply(change);
  }

  /**
   * Forgets idle token-request buckets and deletes expired revocations from the database; the rows
   * only expire with their tokens, so this need not run with every refresh.
   */
  private void evict() {
    limiter.evictIdle();
    clients
        .purgeRevocations(revocationsExpiredBefore())
        .onFailure(t -> log.warn("revocation purge failed [cause: {}]", t.getMessage()));
  }

  /**
   * A revocation is kept for the leeway past its token's expiry, which verification allows too: one
   * is purged only when {@link TokenVerifier} refuses a token with that {@code exp} as expired.
   */
  private long revocationsExpiredBefore() {
    return System.currentTimeMillis() / 1000 - config.jwt().leewaySeconds();
  }

  /** Re-reads the deny state from the database. */
  private Future<Void> refresh() {
    if (refreshing) {
      return Future.succeededFuture();
    }
    refreshing = true;
    long expiredBefore = revocationsExpiredBefore();
    long started = denyList.readStarted();
    return clients
        .denyState(expiredBefore)
        .onSuccess(
            snapshot -> {
              int added = denyList.sync(snapshot, started);
              if (added > 0) {
                log.info("deny list refreshed from the database [new: {}]", added);
              }
              denyList.pruneRevoked(expiredBefore);
            })
        .<Void>mapEmpty()
        .onFailure(t -> log.warn("deny list refresh failed [cause: {}]", t.getMessage()))
        .onComplete(ar -> refreshing = false);
  }

  private void onRequest(Message<RegistryOp> message) {
    Future<?> result;
    try {
      result = handle(message.body());
    } catch (StateException e) {
      result = Future.failedFuture(e);
    }
    Bus.replyWith(message, result.recover(DatabaseFailures::asUnavailable));
  }

  private Future<?> handle(RegistryOp op) {
    if (op instanceof RegistryOp.IssueToken t) {
      return issueToken(t);
    } else if (op instanceof RegistryOp.Register r) {
      return clients.register(r.clientId(), r.roles());
    } else if (op instanceof RegistryOp.ListClients) {
      return clients.list().map(RegistryOp.Clients::new);
    } else if (op instanceof RegistryOp.SetEnabled s) {
      return clients
          .setEnabled(s.clientId(), s.enabled())
          .onSuccess(
              v ->
                  publish(
                      s.enabled()
                          ? AccessChange.enabled(s.clientId())
                          : AccessChange.disabled(s.clientId())))
          .map(s.clientId());
    } else if (op instanceof RegistryOp.RotateSecret r) {
      return clients.rotateSecret(r.clientId());
    } else if (op instanceof RegistryOp.Revoke r) {
      if (r.expiresAt() < revocationsExpiredBefore()) {
        // It would be purged at the next refresh, so "revoked" would be untrue within 5 s; and a
        // token that did expire then is refused already. Most likely not the token's exp.
        return Future.failedFuture(
            StateException.badRequest(
                "field 'expiresAt' is more than the clock leeway in the past: give the token's exp,"
                    + " or none"));
      }
      return clients
          .revoke(r.jti(), r.expiresAt())
          .onSuccess(v -> publish(AccessChange.revoked(r.jti(), r.expiresAt())))
          .map(r.jti());
    }
    return Future.failedFuture(new IllegalArgumentException("unknown registry op " + op));
  }

  private Future<RegistryOp.IssuedToken> issueToken(RegistryOp.IssueToken request) {
    TokenRequestLimiter.Verdict verdict =
        limiter.tryAcquire(request.clientId(), request.remoteAddress());
    long waitMs = verdict.waitMs();
    if (waitMs > 0) {
      onRateLimited.accept(verdict.kind());
      return Future.failedFuture(
          new StateException(
              ErrorCode.RATE_LIMITED,
              "too many token requests",
              new JsonObject().put("retryAfterMs", waitMs)));
    }
    long lifetime = config.jwt().tokenLifetimeSeconds();
    return clients
        .authenticate(request.clientId(), request.secret())
        .map(
            client ->
                new RegistryOp.IssuedToken(
                    issuer.issue(client.clientId(), client.roles(), lifetime), lifetime));
  }

  /** Tells every node, this one included, about a change already in the database. */
  private void publish(AccessChange change) {
    vertx.eventBus().publish(Addresses.ACCESS_CHANGES, change);
  }
}
