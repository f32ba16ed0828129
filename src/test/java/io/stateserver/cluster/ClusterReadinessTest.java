package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ClusterReadinessTest {

  @Test
  void nodeThatIsNotClusteredIsAlwaysUsable(Vertx vertx, VertxTestContext ctx) {
    ClusterReadiness.isUsable(vertx, 1_000)
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isTrue()).completeNow()));
  }

  @Test
  void aClusterThatDoesNotAnswerInTimeIsNotUsable(Vertx vertx, VertxTestContext ctx) {
    // the procedure never completes, as a blocking Hazelcast query that hangs
    ClusterReadiness.isUsable(vertx, promise -> {}, 50)
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isFalse()).completeNow()));
  }

  @Test
  void aClusterThatAnswersKoOrFailsIsNotUsable(Vertx vertx, VertxTestContext ctx) {
    var checkpoint = ctx.checkpoint(3);
    ClusterReadiness.isUsable(vertx, promise -> promise.complete(Status.KO()), 5_000)
        .onComplete(
            ctx.succeeding(
                usable -> {
                  ctx.verify(() -> assertThat(usable).isFalse());
                  checkpoint.flag();
                }));
    ClusterReadiness.isUsable(
            vertx, promise -> promise.fail(new IllegalStateException("shutting down")), 5_000)
        .onComplete(
            ctx.succeeding(
                usable -> {
                  ctx.verify(() -> assertThat(usable).isFalse());
                  checkpoint.flag();
                }));
    ClusterReadiness.isUsable(
            vertx,
            promise -> {
              throw new IllegalStateException("thrown by the procedure");
            },
            5_000)
        .onComplete(
            ctx.succeeding(
                usable -> {
                  ctx.verify(() -> assertThat(usable).isFalse());
                  checkpoint.flag();
                }));
  }

  @Test
  void aClusterThatAnswersOkInTimeIsUsable(Vertx vertx, VertxTestContext ctx) {
    ClusterReadiness.isUsable(
            vertx, promise -> vertx.setTimer(20, id -> promise.complete(Status.OK())), 5_000)
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isTrue()).completeNow()));
  }
}
