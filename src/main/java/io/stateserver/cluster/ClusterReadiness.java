package io.stateserver.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this node's cluster is usable, for {@code GET /health/ready}.
 *
 * <p>Clustered, it asks vertx-hazelcast's {@link ClusterHealthCheck}: the Hazelcast member is
 * running and its partitions are safe (no migration in progress, backups in sync). That query
 * blocks, so the check runs it on a worker thread of Vert.x's shared pool, the pool the JDBC
 * client's statements run on too. Probes that come while a query runs therefore share its answer
 * rather than start another: a probe's time limit answers the probe, not the query, and a member
 * stuck in a migration would otherwise hold one more worker thread per probe. A node that is not
 * clustered has nothing to wait for and is always usable.
 */
public final class ClusterReadiness {

  /** The name under which {@link #procedure} is meant to be registered in health checks. */
  public static final String CHECK_NAME = "cluster";

  private final Vertx vertx;
  private final Handler<Promise<Status>> procedure;
  private final AtomicReference<Future<Status>> inFlight = new AtomicReference<>();

  public ClusterReadiness(Vertx vertx) {
    this(vertx, procedure(vertx));
  }

  /** Asks {@code procedure} instead of Hazelcast (tests). */
  ClusterReadiness(Vertx vertx, Handler<Promise<Status>> procedure) {
    this.vertx = vertx;
    this.procedure = procedure;
  }

  /**
   * Completes with true when the cluster is usable (or Vert.x is not clustered), with false when it
   * is not or has not said so within {@code timeoutMs}; never fails. The time limit matters because
   * Hazelcast's answer comes from a blocking query: a member stuck in a partition migration or a
   * merge would otherwise hold every readiness probe (and its HTTP request) for as long as it is
   * stuck.
   */
  public Future<Boolean> isUsable(long timeoutMs) {
    Promise<Boolean> usable = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeoutMs), id -> usable.tryComplete(false));
    query()
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              usable.tryComplete(ar.succeeded() && ar.result().isOk());
            });
    return usable.future();
  }

  /** The query in flight, or a new one when none is. */
  private Future<Status> query() {
    Future<Status> running = inFlight.get();
    if (running != null) {
      return running;
    }
    Promise<Status> status = Promise.promise();
    Future<Status> started = status.future();
    if (!inFlight.compareAndSet(null, started)) {
      return query(); // another thread started one just now
    }
    started.onComplete(ar -> inFlight.compareAndSet(started, null));
    try {
      procedure.handle(status);
    } catch (RuntimeException e) {
      status.tryFail(e);
    }
    return started;
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
