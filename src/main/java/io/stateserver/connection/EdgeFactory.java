package io.stateserver.connection;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stateserver.config.ServerConfig;
import io.stateserver.metrics.ServerMetrics;
import io.stateserver.ratelimit.RateLimits;
import io.stateserver.security.AccessPolicy;
import io.stateserver.security.TokenVerifier;
import io.stateserver.session.SessionTiming;
import io.vertx.ext.web.Router;

/**
 * Builds connection verticles with everything they share, so that the app wires the edge in one
 * line. Each verticle gets its own subscription index (it is single-threaded).
 */
public final class EdgeFactory {
  private final ServerConfig config;
  private final LiveSessions liveSessions;
  private final AccessPolicy access;
  private final TokenVerifier verifier;
  private final ServerMetrics metrics;
  private final SessionTiming timing;
  private final PrometheusMeterRegistry registry;
  private final RateLimits rateLimits;
  private final Switchover switchover;
  private final int port;

  public EdgeFactory(
      ServerConfig config,
      LiveSessions liveSessions,
      AccessPolicy access,
      TokenVerifier verifier,
      ServerMetrics metrics,
      SessionTiming timing,
      PrometheusMeterRegistry registry,
      RateLimits rateLimits,
      Switchover switchover) {
    this.config = config;
    this.liveSessions = liveSessions;
    this.access = access;
    this.verifier = verifier;
    this.metrics = metrics;
    this.timing = timing;
    this.registry = registry;
    this.rateLimits = rateLimits;
    this.switchover = switchover;
    this.port = listenPort(config.http().port());
  }

  /**
   * The port every instance listens on. Port 0 ("any free port") becomes -1, Vert.x's shared random
   * port: with 0 each instance would bind a port of its own, and listening on the port the first
   * one got fails (that server is registered as a random-port server, not under its number).
   */
  static int listenPort(int configured) {
    return configured == 0 ? -1 : configured;
  }

  public ConnectionVerticle newVerticle() {
    return new ConnectionVerticle(
        port,
        vertx ->
            new ConnectionContext(
                vertx,
                config,
                new SubscriptionIndex<>(),
                DeadlineWheel.forConnections(config.http()),
                liveSessions,
                access,
                verifier,
                metrics,
                timing,
                rateLimits,
                switchover),
        ctx -> {
          Router router = Router.router(ctx.vertx());
          new HealthRoutes(ctx, registry).mount(router);
          new HttpApi(ctx).mount(router);
          new TokenEndpoint(ctx).mount(router);
          new AdminApi(ctx).mount(router);
          HttpErrors.mount(router);
          return router;
        });
  }
}
