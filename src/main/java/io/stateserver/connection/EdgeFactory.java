package io.stateserver.connection;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stateserver.config.ServerConfig;
import io.stateserver.metrics.ServerMetrics;
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
  private final int port;

  public EdgeFactory(
      ServerConfig config,
      LiveSessions liveSessions,
      AccessPolicy access,
      TokenVerifier verifier,
      ServerMetrics metrics,
      SessionTiming timing,
      PrometheusMeterRegistry registry) {
    this.config = config;
    this.liveSessions = liveSessions;
    this.access = access;
    this.verifier = verifier;
    this.metrics = metrics;
    this.timing = timing;
    this.registry = registry;
    // Vert.x binds port 0 once per server, so instances would each get their own random port; a
    // negative port is Vert.x's "one random port shared by every server asking for it".
    this.port = config.http().port() == 0 ? -1 : config.http().port();
  }

  public ConnectionVerticle newVerticle() {
    return new ConnectionVerticle(
        port,
        vertx ->
            new ConnectionContext(
                vertx,
                config,
                new SubscriptionIndex<>(),
                liveSessions,
                access,
                verifier,
                metrics,
                timing),
        ctx -> {
          Router router = Router.router(ctx.vertx());
          new HealthRoutes(ctx, registry).mount(router);
          new HttpApi(ctx).mount(router);
          return router;
        });
  }
}
