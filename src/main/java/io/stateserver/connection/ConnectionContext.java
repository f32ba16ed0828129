package io.stateserver.connection;

import io.stateserver.config.ServerConfig;
import io.stateserver.metrics.ServerMetrics;
import io.stateserver.ratelimit.RateLimits;
import io.stateserver.security.AccessPolicy;
import io.stateserver.security.TokenVerifier;
import io.stateserver.session.SessionTiming;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What every connection of one connection-verticle instance shares: configuration, the instance's
 * subscription index and deadline wheel, the node-wide live-session registry, the security
 * components and the node's view of the fleet switch-over.
 */
record ConnectionContext(
    Vertx vertx,
    ServerConfig config,
    SubscriptionIndex<ClientConnection> index,
    DeadlineWheel deadlines,
    LiveSessions liveSessions,
    AccessPolicy access,
    TokenVerifier verifier,
    ServerMetrics metrics,
    SessionTiming sessionTiming,
    RateLimits rateLimits,
    Switchover switchover) {

  String nodeId() {
    return config.nodeId();
  }

  /** The {@code limits} object of the hello frame. */
  JsonObject helloLimits() {
    ServerConfig.Limits l = config.limits();
    return new JsonObject()
        .put("maxFrameBytes", l.maxFrameBytes())
        .put("maxValueBytes", l.maxValueBytes())
        .put("maxSubscriptions", l.maxSubscriptions())
        .put("sessionGraceMs", l.sessionGraceMs())
        .put("rate", rateLimits.helloRate());
  }
}
