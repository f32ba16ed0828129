package io.stateserver.connection;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.cluster.ClusterReadiness;
import io.stateserver.persistence.ReadQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health/live} (the process answers), {@code /health/ready} (the database answers within
 * {@value #PROBE_TIMEOUT_MS} ms and, when clustered, Hazelcast says within as long that the cluster
 * is usable) and {@code /metrics} (Prometheus text format).
 */
final class HealthRoutes {
  /**
   * How long readiness waits for the database's answer, and for the cluster's, before it says that
   * one is DOWN. A database that hangs instead of refusing (a failover, a full connection pool, a
   * silent network path) would otherwise hold every probe for the event bus's 30 s: far past any
   * probe's own timeout (Kubernetes' default is 1 s), so the orchestrator learns nothing better
   * than "timed out", and a load balancer or an operator waits half a minute for a 503. A healthy
   * database answers {@code SELECT 1} in milliseconds, so 2 s leaves room for a busy one.
   */
  static final long PROBE_TIMEOUT_MS = 2_000;

  private final ConnectionContext ctx;
  private final PrometheusMeterRegistry registry;
  private final ClusterReadiness clusterReadiness;

  HealthRoutes(ConnectionContext ctx, PrometheusMeterRegistry registry) {
    this.ctx = ctx;
    this.registry = registry;
    this.clusterReadiness = new ClusterReadiness(ctx.vertx());
  }

  void mount(Router router) {
    router.get("/health/live").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router
        .get("/metrics")
        .handler(
            rc ->
                rc.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape()));
  }

  private void ready(RoutingContext rc) {
    Future<Boolean> database =
        Bus.<Boolean>request(
                ctx.vertx().eventBus(),
                Addresses.PERSISTENCE_READ,
                new ReadQuery.Ping(),
                PROBE_TIMEOUT_MS)
            .otherwise(false);
    Future<Boolean> cluster =
        ctx.config().cluster().enabled()
            ? clusterReadiness.isUsable(PROBE_TIMEOUT_MS)
            : Future.succeededFuture(true);
    Future.all(database, cluster)
        .onComplete(
            ar -> {
              boolean db = database.result() != null && database.result();
              boolean cl = cluster.result() != null && cluster.result();
              JsonObject body =
                  new JsonObject()
                      .put("status", db && cl ? "UP" : "DOWN")
                      .put("database", db ? "UP" : "DOWN")
                      .put(
                          "cluster",
                          ctx.config().cluster().enabled() ? (cl ? "UP" : "DOWN") : "OFF")
                      .put("node", ctx.nodeId());
              json(rc, db && cl ? 200 : 503, body);
            });
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
