package io.stateserver.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;

/**
 * Whether this node's cluster is usable, for {@code GET /health/ready}.
 *
 * <p>Clustered, it asks vertx-hazelcast's {@link ClusterHealthCheck}: the Hazelcast member is
 * running and its partitions are safe (no migration in progress, backups in sync). That query
 * blocks, so the check runs it on a worker thread. A node that is not clustered has nothing to wait
 * for and is always usable.
 */
public final class ClusterReadiness {

  /** The name under which {@link #procedure} is meant to be registered in health checks. */
  public static final String CHECK_NAME = "cluster";

  private ClusterReadiness() {}

  /**
   * Completes with true when the cluster is usable (or Vert.x is not clustered), with false when it
   * is not or has not said so within {@code timeoutMs}; never fails.
   */
  public static Future<Boolean> isUsable(Vertx vertx, long timeoutMs) {
    return isUsable(vertx, procedure(vertx), timeoutMs);
  }

  /**
   * As {@link #isUsable(Vertx, long)}, asking {@code procedure}. The time limit matters because
   * Hazelcast's answer comes from a blocking query: a member stuck in a partition migration or a
   * merge would otherwise hold every readiness probe (and its HTTP request) for as long as it is
   * stuck.
   */
  static Future<Boolean> isUsable(Vertx vertx, Handler<Promise<Status>> procedure, long timeoutMs) {
    Promise<Boolean> usable = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeoutMs), id -> usable.tryComplete(false));
    Promise<Status> status = Promise.promise();
    status
        .future()
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              usable.tryComplete(ar.succeeded() && ar.result().isOk());
            });
    try {
      procedure.handle(status);
    } catch (RuntimeException e) {
      status.tryFail(e);
    }
    return usable.future();
  }

  /**
   * A health-check procedure for {@code HealthChecks.register(CHECK_NAME, procedure(vertx))}: OK
   * when the cluster is usable or Vert.x is not clustered. A Hazelcast instance that is shutting
   * down makes the procedure fail, which health checks report as KO.
   */
  public static Handler<Promise<Status>> procedure(Vertx vertx) {
    if (!vertx.isClustered()) {
      return promise -> promise.complete(Status.OK());
    }
    return ClusterHealthCheck.createProcedure(vertx);
  }
}
