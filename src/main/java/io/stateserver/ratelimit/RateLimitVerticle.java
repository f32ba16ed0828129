package io.stateserver.ratelimit;

import io.stateserver.bus.Addresses;
import io.stateserver.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Answers {@link RateCheck}s for every connection of the node (one instance), so that a client's
 * connections on this node share one budget.
 */
public final class RateLimitVerticle extends VerticleBase {
  private final ClientRateLimiter limiter;
  private long evictTimer = -1;

  public RateLimitVerticle(ServerConfig.Rate rate) {
    this.limiter = new ClientRateLimiter(rate);
  }

  @Override
  public Future<?> start() {
    evictTimer = vertx.setPeriodic(10_000, id -> limiter.evictIdle(System.nanoTime()));
    return vertx
        .eventBus()
        .<RateCheck>localConsumer(
            Addresses.RATE_CHECK,
            msg ->
                msg.reply(
                    limiter.check(msg.body().clientId(), msg.body().bytes(), System.nanoTime())))
        .completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(evictTimer);
    return Future.succeededFuture();
  }
}
