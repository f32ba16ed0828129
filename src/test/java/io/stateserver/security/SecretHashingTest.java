package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class SecretHashingTest {

  @Test
  void hashesRunOnTheirOwnPoolNotOnTheOneTheDatabaseClientUses(Vertx vertx, VertxTestContext ctx) {
    new SecretHashing(vertx, 1, 4, () -> {})
        .run(() -> Thread.currentThread().getName())
        .onComplete(
            ctx.succeeding(
                thread ->
                    ctx.verify(() -> assertThat(thread).startsWith(SecretHashing.POOL_NAME))
                        .completeNow()));
  }

  @Test
  void pastTheBoundAHashIsRefusedUnavailableAndAdmittedAgainOnceOnesEnd(
      Vertx vertx, VertxTestContext ctx) {
    AtomicInteger refusals = new AtomicInteger();
    SecretHashing hashing = new SecretHashing(vertx, 1, 2, refusals::incrementAndGet);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> running = hashing.run(() -> release.await(5, TimeUnit.SECONDS) ? "a" : "late");
    Future<String> waiting = hashing.run(() -> "b");
    hashing
        .run(() -> "refused")
        .onComplete(
            ctx.failing(
                refused -> {
                  ctx.verify(
                      () -> {
                        assertThat(refused).isInstanceOf(StateException.class);
                        StateException e = (StateException) refused;
                        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                        assertThat(e.details().getLong("retryAfterMs")).isPositive();
                        assertThat(refusals).as("counted").hasValue(1);
                      });
                  release.countDown();
                  Future.all(running, waiting)
                      .compose(both -> hashing.run(() -> "c"))
                      .onComplete(
                          ctx.succeeding(
                              admitted ->
                                  ctx.verify(
                                          () -> {
                                            assertThat(running.result()).isEqualTo("a");
                                            assertThat(waiting.result()).isEqualTo("b");
                                            assertThat(admitted).isEqualTo("c");
                                            assertThat(refusals).hasValue(1);
                                          })
                                      .completeNow()));
                }));
  }
}
