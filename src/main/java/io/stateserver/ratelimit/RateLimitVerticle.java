package io.stateserver.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Housekeeping of the node's {@link RateLimits}: forgets idle buckets and leases now and then, so
 * that memory follows active clients and addresses. The checks themselves run on the connections'
 * event loops.
 */
public final class RateLimitVerticle extends VerticleBase {
  private static final long EVICT_MS = 10_000;
  private final RateLimits limits;
  private long evictTimer = -1;

  public RateLimitVerticle(RateLimits limits) {
    this.limits = limits;
  }

  @Override
  public Future<?> start() {
    // eviction touches the Hazelcast-free local maps only; the shared map expires by itself
    evictTimer = vertx.setPeriodic(EVICT_MS, id -> limits.evictIdle());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(evictTimer);
    return Future.succeededFuture();
  }
}
