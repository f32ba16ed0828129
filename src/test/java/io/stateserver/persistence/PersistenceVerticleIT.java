package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.bus.Codecs;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The persistence verticle's event-bus side, on embedded H2. */
@ExtendWith(VertxExtension.class)
// Under the event bus's 30 s reply timeout: a request left unanswered cannot pass as refused.
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class PersistenceVerticleIT {
  private static final int REQUESTS = 200;

  @TempDir Path tmp;

  /**
   * Requests that race the verticle's undeployment are either answered or refused as {@code
   * unavailable} (retryable), never failed as {@code internal} on a database closed under them.
   */
  @Test
  void requestsThatRaceTheStopAreAnsweredOrRefusedAsUnavailable(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Codecs.register(vertx.eventBus());
    var verticle = new PersistenceVerticle(TestDatabases.freshH2(tmp), 65536, BatchListener.NONE);
    List<Future<Object>> replies = new ArrayList<>();
    vertx
        .deployVerticle(verticle)
        .compose(
            deployment -> {
              sendRequests(vertx, replies);
              // Undeploy while those are under way, and send more while it stops.
              Future<Void> undeployed = vertx.undeploy(deployment);
              sendRequests(vertx, replies);
              return undeployed;
            })
        .transform(undeployed -> Future.join(replies))
        .onComplete(
            ar ->
                ctx.verify(
                    () -> {
                      List<ErrorCode> refusals = new ArrayList<>();
                      int answered = 0;
                      for (Future<Object> reply : replies) {
                        if (reply.succeeded()) {
                          answered++;
                        } else {
                          assertThat(reply.cause()).isInstanceOf(StateException.class);
                          refusals.add(((StateException) reply.cause()).code());
                        }
                      }
                      assertThat(answered + refusals.size()).isEqualTo(2 * REQUESTS);
                      assertThat(refusals).allMatch(code -> code == ErrorCode.UNAVAILABLE);
                      // The race is real: some were taken before the stop, some refused.
                      assertThat(answered).isPositive();
                      assertThat(refusals).isNotEmpty();
                      ctx.completeNow();
                    }));
  }

  /** Reads and session operations, alternately. */
  private static void sendRequests(Vertx vertx, List<Future<Object>> replies) {
    for (int i = 0; i < REQUESTS; i++) {
      boolean read = i % 2 == 0;
      replies.add(
          Bus.request(
              vertx.eventBus(),
              read ? Addresses.PERSISTENCE_READ : Addresses.PERSISTENCE_SESSION,
              read
                  ? new ReadQuery.Get("k/" + i)
                  : new SessionOp.PruneEnded(System.currentTimeMillis())));
    }
  }
}
