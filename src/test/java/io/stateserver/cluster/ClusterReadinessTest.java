package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
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
    List<Handler<Promise<Status>>> procedures =
        List.of(
            promise -> promise.complete(Status.KO()),
            promise -> promise.fail(new IllegalStateException("shutting down")),
            promise -> {
              throw new IllegalStateException("thrown by the procedure");
            });
    Checkpoint answered = ctx.checkpoint(procedures.size());
    for (Handler<Promise<Status>> procedure : procedures) {
      ClusterReadiness.isUsable(vertx, procedure, 5_000)
          .onComplete(
              ctx.succeeding(
                  usable -> {
                    ctx.verify(() -> assertThat(usable).isFalse());
                    answered.flag();
                  }));
    }
  }

  @Test
  void aClusterThatAnswersOkInTimeIsUsable(Vertx vertx, VertxTestContext ctx) {
    ClusterReadiness.isUsable(
            vertx, promise -> vertx.setTimer(20, id -> promise.complete(Status.OK())), 5_000)
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isTrue()).completeNow()));
  }
}
