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
import io.vertx.core.eventbus.Message;
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
            m.reply(new SessionOp.Expired(List.of(expired), SessionOp.ExpiredFrom.START));
          } else if (op instanceof SessionOp.MarkEnded) {
            seen.add("ended");
            ctx.verify(
                () ->
                    assertThat(seen)
                        .as("ended only once its last will was made")
                        .containsExactly("refused", "refused", "deleted", "ended"));
            m.reply(true);
            ctx.completeNow();
          } else {
            answerHousekeeping(m);
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

    deployNode(vertx, ctx);
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
            m.reply(
                new SessionOp.Expired(
                    ended[0] ? List.of() : List.of(expired), SessionOp.ExpiredFrom.START));
          } else if (op instanceof SessionOp.MarkEnded) {
            ctx.verify(() -> assertThat(ended[0]).as("ended once").isFalse());
            ended[0] = true;
            m.reply(true);
          } else {
            answerHousekeeping(m);
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

    deployNode(vertx, ctx);
  }

  @Test
  void sessionsWhoseEndKeepsFailingDoNotHideTheExpiredSessionsBehindThem(
      Vertx vertx, VertxTestContext ctx) {
    EventBus bus = vertx.eventBus();
    Codecs.register(bus);
    // a full batch of sessions whose last will the database refuses, found first, and one more
    List<SessionRow> expired = new ArrayList<>();
    for (int i = 0; i <= SessionVerticle.REAP_BATCH; i++) {
      String id = String.format("s%04d", i);
      expired.add(new SessionRow(id, "pi-" + i, "n1", false, 1_000L, 2_000L, 3_000L, false));
    }
    String last = expired.get(SessionVerticle.REAP_BATCH).id();
    bus.<SessionOp>localConsumer(
        Addresses.PERSISTENCE_SESSION,
        m -> {
          SessionOp op = m.body();
          if (op instanceof SessionOp.FindExpired find) {
            m.reply(page(expired, find));
          } else if (op instanceof SessionOp.MarkEnded end) {
            ctx.verify(
                () -> assertThat(end.id()).as("the only end that can succeed").isEqualTo(last));
            m.reply(true);
            ctx.completeNow();
          } else {
            answerHousekeeping(m);
          }
        });
    bus.<ReadQuery>localConsumer(
        Addresses.PERSISTENCE_READ,
        m -> {
          String session = ((ReadQuery.OwnedBy) m.body()).session();
          m.reply(new ReadQuery.Keys(session.equals(last) ? List.of() : List.of("k/" + session)));
        });
    bus.<WriteCommand>localConsumer(
        Addresses.STATE_WRITE,
        m ->
            m.reply(
                m.body() instanceof WriteCommand.EndEphemeral
                    ? WriteOutcome.failure(DatabaseFailures.unavailable())
                    : WriteOutcome.success(null, null)));

    deployNode(vertx, ctx);
  }

  @Test
  void aSessionWhoseEndCouldNotBeginBecauseAResumeWonKeepsItsKeysAndIsNotEnded(
      Vertx vertx, VertxTestContext ctx) {
    EventBus bus = vertx.eventBus();
    Codecs.register(bus);
    SessionRow expired = new SessionRow("s1", "pi-1", "n1", false, 1_000L, 2_000L, 3_000L, false);
    int[] begins = {0};
    bus.<SessionOp>localConsumer(
        Addresses.PERSISTENCE_SESSION,
        m -> {
          SessionOp op = m.body();
          if (op instanceof SessionOp.FindExpired) {
            m.reply(new SessionOp.Expired(List.of(expired), SessionOp.ExpiredFrom.START));
          } else if (op instanceof SessionOp.BeginEnd begin) {
            ctx.verify(() -> assertThat(begin.id()).isEqualTo("s1"));
            m.reply(false); // resumed since the search found it
            if (++begins[0] == 2) {
              ctx.completeNow(); // a second reaping: the first one finished, and did nothing
            }
          } else if (op instanceof SessionOp.MarkEnded) {
            ctx.failNow("a session a resume took was marked ended");
          } else {
            answerHousekeeping(m);
          }
        });
    bus.<ReadQuery>localConsumer(
        Addresses.PERSISTENCE_READ, m -> m.reply(new ReadQuery.Keys(List.of(KEY))));
    bus.<WriteCommand>localConsumer(
        Addresses.STATE_WRITE,
        m -> {
          if (m.body() instanceof WriteCommand.EndEphemeral) {
            ctx.failNow("the last will of a session a resume took ran");
          }
          m.reply(WriteOutcome.success(null, null));
        });

    deployNode(vertx, ctx);
  }

  /** What the database returns for a search: the dropped sessions past its place, in id order. */
  private static SessionOp.Expired page(List<SessionRow> dropped, SessionOp.FindExpired find) {
    List<SessionRow> found =
        dropped.stream()
            .filter(s -> s.id().compareTo(find.from().droppedAfter()) > 0)
            .limit(find.max())
            .toList();
    String after = found.size() < find.max() ? "" : found.get(found.size() - 1).id();
    return new SessionOp.Expired(found, new SessionOp.ExpiredFrom(after, ""));
  }

  /** Lease renewals and pruning, which these tests do not look at. */
  private static void answerHousekeeping(Message<SessionOp> m) {
    if (m.body() instanceof SessionOp.PruneEnded
        || m.body() instanceof SessionOp.PruneDeadNodes
        || m.body() instanceof SessionOp.DropEarlierRun) {
      m.reply(0);
    } else if (m.body() instanceof SessionOp.BeginEnd) {
      m.reply(true);
    } else {
      m.reply(null);
    }
  }

  private static void deployNode(Vertx vertx, VertxTestContext ctx) {
    vertx
        .deployVerticle(
            new SessionVerticle(
                "n1", SessionTiming.forGrace(1_000), new BroadcastCounter("n1/a"), false))
        .onComplete(ctx.succeeding(id -> {}));
  }
}
