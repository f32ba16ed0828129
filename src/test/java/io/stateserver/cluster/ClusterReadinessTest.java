package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ClusterReadinessTest {

  @Test
  void nodeThatIsNotClusteredIsAlwaysUsable(Vertx vertx, VertxTestContext ctx) {
    new ClusterReadiness(vertx)
        .isUsable(1_000)
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isTrue()).completeNow()));
  }

  @Test
  void aClusterThatDoesNotAnswerInTimeIsNotUsable(Vertx vertx, VertxTestContext ctx) {
    // the procedure never completes, as a blocking Hazelcast query that hangs
    new ClusterReadiness(vertx, promise -> {})
        .isUsable(50)
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
      new ClusterReadiness(vertx, procedure)
          .isUsable(5_000)
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
    new ClusterReadiness(vertx, promise -> vertx.setTimer(20, id -> promise.complete(Status.OK())))
        .isUsable(5_000)
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isTrue()).completeNow()));
  }

  @Test
  void probesThatComeWhileAQueryRunsShareItAndTheNextProbeAfterItAsksAgain(
      Vertx vertx, VertxTestContext ctx) {
    // each query holds a worker thread for as long as Hazelcast takes: a probe that times out must
    // not leave one more of them behind
    List<Promise<Status>> queries = new CopyOnWriteArrayList<>();
    ClusterReadiness readiness = new ClusterReadiness(vertx, queries::add);
    Future.all(readiness.isUsable(30), readiness.isUsable(30), readiness.isUsable(30))
        .compose(
            timedOut -> {
              ctx.verify(
                  () -> {
                    assertThat(timedOut.<Boolean>list()).containsExactly(false, false, false);
                    assertThat(queries).hasSize(1);
                  });
              Future<Boolean> sharing = readiness.isUsable(5_000);
              queries.get(0).complete(Status.OK());
              return sharing;
            })
        .compose(
            answered -> {
              ctx.verify(() -> assertThat(answered).as("the shared query's answer").isTrue());
              Future<Boolean> next = readiness.isUsable(5_000);
              ctx.verify(() -> assertThat(queries).as("a new query once one ended").hasSize(2));
              queries.get(1).complete(Status.KO());
              return next;
            })
        .onComplete(
            ctx.succeeding(usable -> ctx.verify(() -> assertThat(usable).isFalse()).completeNow()));
  }
}
