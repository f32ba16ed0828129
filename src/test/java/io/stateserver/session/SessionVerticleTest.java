package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Codecs;
import io.stateserver.persistence.DatabaseFailures;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.SessionOp;
import io.stateserver.state.BroadcastCounter;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The session verticle against stand-ins for the persistence and state verticles on the event bus,
 * which answer as a database would that fails the writes it is asked for.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SessionVerticleTest {
  private static final String KEY = "devices/pi-1/online";

  @Test
  void aSessionIsNotMarkedEndedWhileTheDatabaseRefusesItsLastWill(
      Vertx vertx, VertxTestContext ctx) {
    EventBus bus = vertx.eventBus();
    Codecs.register(bus);
    SessionRow expired = new SessionRow("s1", "pi-1", "n1", false, 1_000L, 2_000L, 3_000L, false);
    List<String> seen = new ArrayList<>();
    int[] refusalsLeft = {2};
    bus.<SessionOp>localConsumer(
        Addresses.PERSISTENCE_SESSION,
        m -> {
          SessionOp op = m.body();
          if (op instanceof SessionOp.FindExpired) {
            m.reply(new SessionOp.Expired(List.of(expired)));
          } else if (op instanceof SessionOp.MarkEnded) {
            seen.add("ended");
            ctx.verify(
                () ->
                    assertThat(seen)
                        .as("ended only once its last will was made")
                        .containsExactly("refused", "refused", "deleted", "ended"));
            m.reply(true);
            ctx.completeNow();
          } else if (op instanceof SessionOp.PruneEnded || op instanceof SessionOp.PruneDeadNodes) {
            m.reply(0);
          } else {
            m.reply(null); // the lease renewals
          }
        });
    bus.<ReadQuery>localConsumer(
        Addresses.PERSISTENCE_READ, m -> m.reply(new ReadQuery.Keys(List.of(KEY))));
    bus.<WriteCommand>localConsumer(
        Addresses.STATE_WRITE,
        m -> {
          if (m.body() instanceof WriteCommand.EndEphemeral && refusalsLeft[0]-- > 0) {
            seen.add("refused");
            m.reply(WriteOutcome.failure(DatabaseFailures.unavailable()));
          } else {
            if (m.body() instanceof WriteCommand.EndEphemeral) {
              seen.add("deleted");
            }
            m.reply(WriteOutcome.success(null, null));
          }
        });

    vertx
        .deployVerticle(
            new SessionVerticle(
                "n1", SessionTiming.forGrace(1_000), new BroadcastCounter("n1/a"), false))
        .onComplete(ctx.succeeding(id -> {}));
  }

  @Test
  void aPresenceUpdateThatFailedAfterASessionEndedIsTriedAgain(Vertx vertx, VertxTestContext ctx) {
    EventBus bus = vertx.eventBus();
    Codecs.register(bus);
    SessionRow expired = new SessionRow("s1", "pi-1", "n1", false, 1_000L, 2_000L, 3_000L, false);
    boolean[] ended = {false};
    int[] presenceUpdates = {0};
    bus.<SessionOp>localConsumer(
        Addresses.PERSISTENCE_SESSION,
        m -> {
          SessionOp op = m.body();
          if (op instanceof SessionOp.FindExpired) {
            // an ended session is not found again
            m.reply(new SessionOp.Expired(ended[0] ? List.of() : List.of(expired)));
          } else if (op instanceof SessionOp.MarkEnded) {
            ctx.verify(() -> assertThat(ended[0]).as("ended once").isFalse());
            ended[0] = true;
            m.reply(true);
          } else if (op instanceof SessionOp.PruneEnded || op instanceof SessionOp.PruneDeadNodes) {
            m.reply(0);
          } else {
            m.reply(null);
          }
        });
    bus.<ReadQuery>localConsumer(
        Addresses.PERSISTENCE_READ, m -> m.reply(new ReadQuery.Keys(List.of())));
    bus.<WriteCommand>localConsumer(
        Addresses.STATE_WRITE,
        m -> {
          if (m.body() instanceof WriteCommand.RefreshPresence refresh) {
            ctx.verify(() -> assertThat(refresh.clientId()).isEqualTo("pi-1"));
            if (++presenceUpdates[0] == 1) {
              m.reply(WriteOutcome.failure(DatabaseFailures.unavailable()));
            } else {
              m.reply(WriteOutcome.success(null, null));
              ctx.completeNow(); // the update owed since the session ended
            }
          } else {
            m.reply(WriteOutcome.success(null, null));
          }
        });

    vertx
        .deployVerticle(
            new SessionVerticle(
                "n1", SessionTiming.forGrace(1_000), new BroadcastCounter("n1/a"), false))
        .onComplete(ctx.succeeding(id -> {}));
  }
}
