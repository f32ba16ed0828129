package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.persistence.SessionOp;
import io.stateserver.support.Eventually;
import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PROTOCOL.md section 2: resuming a session that is still open elsewhere (the old socket's death
 * went unnoticed) moves the session to the new connection and closes the old one normally.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SessionTakeoverIT {
  private static final long GRACE_MS = 1000;
  private static final long PAST_GRACE_MS = GRACE_MS * 3;

  @RegisterExtension
  static final SharedServer server = new SharedServer("--limits.sessionGraceMs=" + GRACE_MS);

  @Test
  void resumingAnOpenSessionClosesTheOldConnectionAndKeepsTheSession(
      Vertx vertx, VertxTestContext ctx) {
    String key = "devices/pi-take/alive";
    String device = server.token("pi-take", "device");
    AtomicReference<TestClient> old = new AtomicReference<>();
    AtomicReference<TestClient> fresh = new AtomicReference<>();
    AtomicReference<String> session = new AtomicReference<>();

    connect(vertx, device, null)
        .compose(
            c -> {
              old.set(c);
              session.set(c.hello().result().getString("session"));
              return c.request("set", "key", key, "value", true, "ephemeral", true);
            })
        .compose(set -> connect(vertx, device, "session=" + session.get()))
        .compose(
            c -> {
              fresh.set(c);
              ctx.verify(
                  () ->
                      assertThat(c.hello().result().getString("session")).isEqualTo(session.get()));
              return old.get().closed();
            })
        .compose(
            code -> {
              ctx.verify(() -> assertThat(code).isEqualTo((short) 1000));
              // the session lives on in the new connection: past the grace its key is still there
              return Eventually.after(vertx, PAST_GRACE_MS);
            })
        .compose(v -> fresh.get().request("get", "key", key))
        .compose(
            get -> {
              ctx.verify(() -> assertThat(get.getBoolean("exists")).isTrue());
              return connect(vertx, server.adminToken(), null);
            })
        .compose(admin -> admin.request("get", "key", "$sys/clients/pi-take"))
        .onComplete(
            ctx.succeeding(
                presence ->
                    ctx.verify(
                        () -> {
                          assertThat(presence.getJsonObject("value").getBoolean("online")).isTrue();
                          assertThat(presence.getJsonObject("value").getInteger("connections"))
                              .isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void twoResumesOfOneSessionAtOnceOnOneNodeLeaveOneConnectionOpenThatKeepsTheSession(
      Vertx vertx, VertxTestContext ctx) {
    // As devices whose old connections' death went unnoticed, each reconnecting twice at once. The
    // server runs two connection verticles, so the two resumes race on two event loops. The one
    // left open must own the session: past the grace its ephemeral key is there, and presence
    // counts it.
    int devices = 12;
    List<Future<TestClient>> survivors =
        IntStream.range(0, devices)
            .mapToObj(i -> resumeTwiceAtOnce(vertx, "pi-twice-" + i))
            .toList();
    Future.all(survivors)
        .compose(all -> Eventually.after(vertx, PAST_GRACE_MS))
        .compose(
            v ->
                Future.all(
                    IntStream.range(0, devices)
                        .mapToObj(
                            i ->
                                survivors
                                    .get(i)
                                    .result()
                                    .request("get", "key", "devices/pi-twice-" + i + "/alive"))
                        .toList()))
        .compose(
            gets -> {
              ctx.verify(
                  () ->
                      assertThat(gets.<JsonObject>list())
                          .allSatisfy(get -> assertThat(get.getBoolean("exists")).isTrue()));
              return connect(vertx, server.adminToken(), null);
            })
        .compose(
            admin ->
                Future.all(
                    IntStream.range(0, devices)
                        .mapToObj(i -> admin.request("get", "key", "$sys/clients/pi-twice-" + i))
                        .toList()))
        .onComplete(
            ctx.succeeding(
                presences ->
                    ctx.verify(
                        () -> {
                          assertThat(presences.<JsonObject>list())
                              .allSatisfy(
                                  p -> {
                                    JsonObject value = p.getJsonObject("value");
                                    assertThat(value.getBoolean("online")).isTrue();
                                    assertThat(value.getInteger("connections")).isEqualTo(1);
                                  });
                          ctx.completeNow();
                        })));
  }

  @Test
  void aResumeAnsweredOnlyAfterALaterResumeOfItsSessionRegisteredAndClosedClosesAsTakenOver(
      Vertx vertx, VertxTestContext ctx) {
    // The ordering the race above reaches only by chance, forced: the earlier resume commits, but
    // its answer is held until a later resume of the same session has committed, registered and
    // closed again. Nothing is left on the node to close the earlier connection when it
    // registers: it must learn from the session row that it lost, or it would stay open on a
    // session that ends under it one grace later.
    String device = "pi-late-answer";
    String key = "devices/" + device + "/alive";
    String token = server.token(device, "device");
    EventBus bus = server.server().vertx().eventBus();
    AtomicReference<String> session = new AtomicReference<>();
    AtomicReference<String> heldReplyTo = new AtomicReference<>();
    Promise<Runnable> held = Promise.promise();
    Handler<DeliveryContext<Object>> holdTheFirstResumeAnswer =
        dc -> {
          Message<Object> m = dc.message();
          if (m.body() instanceof SessionOp.Resume r
              && r.id().equals(session.get())
              && heldReplyTo.compareAndSet(null, m.replyAddress())) {
            dc.next();
          } else if (m.address().equals(heldReplyTo.get())) {
            Context sender = Vertx.currentContext();
            held.tryComplete(() -> sender.runOnContext(v -> dc.next()));
          } else {
            dc.next();
          }
        };
    AtomicReference<TestClient> earlier = new AtomicReference<>();
    AtomicReference<TestClient> admin = new AtomicReference<>();

    connect(vertx, token, null)
        .compose(
            first -> {
              session.set(first.hello().result().getString("session"));
              return first.request("set", "key", key, "value", true, "ephemeral", true);
            })
        .compose(
            set -> {
              bus.addOutboundInterceptor(holdTheFirstResumeAnswer);
              return TestClient.connect(vertx, server.port(), token, "session=" + session.get());
            })
        .compose(
            c -> {
              earlier.set(c);
              return held.future(); // its resume committed; its answer waits
            })
        .compose(
            release ->
                connect(vertx, token, "session=" + session.get())
                    .map(
                        later -> {
                          ctx.verify(
                              () ->
                                  assertThat(later.hello().result().getString("session"))
                                      .isEqualTo(session.get()));
                          return later;
                        }))
        .compose(later -> later.close())
        .compose(v -> connect(vertx, server.adminToken(), null))
        .compose(
            a -> {
              admin.set(a);
              // the later connection's drop is recorded: the session is dropped, nobody's
              return Eventually.poll(
                  vertx,
                  () -> a.request("get", "key", "$sys/clients/" + device),
                  p -> p.getJsonObject("value").getInteger("connections") == 0,
                  5_000);
            })
        .compose(
            dropped -> {
              held.future().result().run();
              return withDeadline(
                  vertx, earlier.get().closed(), 5_000, "the earlier connection stayed open");
            })
        .compose(
            code -> {
              ctx.verify(() -> assertThat(code).as("closed as taken over").isEqualTo((short) 1000));
              return Eventually.poll(
                  vertx,
                  () -> admin.get().request("get", "key", key),
                  get -> !get.getBoolean("exists"),
                  PAST_GRACE_MS * 2);
            })
        .onComplete(
            ar -> {
              bus.removeOutboundInterceptor(holdTheFirstResumeAnswer);
              ctx.verify(
                  () -> {
                    assertThat(ar.succeeded()).as("%s", ar.cause()).isTrue();
                    // the session ended: its last will ran, and no connection of it is left
                    assertThat(ar.result().getBoolean("exists")).isFalse();
                  });
              ctx.completeNow();
            });
  }

  @Test
  void aResumeThatReachesTheDatabaseAfterALaterResumeOfItsSessionOnTheNodeClosesAsTakenOver(
      Vertx vertx, VertxTestContext ctx) {
    // The other forced ordering: the earlier connection's resume is held on its way to the
    // database until a later connection's resume of the same session has committed and
    // registered. The row refuses the earlier one (on one node, resumes succeed in connected-at
    // order); it closes as taken over instead of starting a second session, and the later keeps
    // the session.
    String device = "pi-late-request";
    String key = "devices/" + device + "/alive";
    String token = server.token(device, "device");
    EventBus bus = server.server().vertx().eventBus();
    AtomicReference<String> session = new AtomicReference<>();
    Promise<Runnable> held = Promise.promise();
    Handler<DeliveryContext<Object>> holdTheFirstResume =
        dc -> {
          if (dc.message().body() instanceof SessionOp.Resume r
              && r.id().equals(session.get())
              && !held.future().isComplete()) {
            Context sender = Vertx.currentContext();
            held.tryComplete(() -> sender.runOnContext(v -> dc.next()));
          } else {
            dc.next();
          }
        };
    AtomicReference<TestClient> earlier = new AtomicReference<>();
    AtomicReference<TestClient> later = new AtomicReference<>();

    connect(vertx, token, null)
        .compose(
            first -> {
              session.set(first.hello().result().getString("session"));
              return first.request("set", "key", key, "value", true, "ephemeral", true);
            })
        .compose(
            set -> {
              bus.addOutboundInterceptor(holdTheFirstResume);
              return TestClient.connect(vertx, server.port(), token, "session=" + session.get());
            })
        .compose(
            c -> {
              earlier.set(c);
              return held.future(); // its resume is on its way to the database
            })
        .compose(release -> connect(vertx, token, "session=" + session.get()))
        .compose(
            c -> {
              later.set(c);
              ctx.verify(
                  () ->
                      assertThat(c.hello().result().getString("session")).isEqualTo(session.get()));
              held.future().result().run();
              return withDeadline(
                  vertx, earlier.get().closed(), 5_000, "the earlier connection stayed open");
            })
        .compose(
            code -> {
              ctx.verify(
                  () -> {
                    assertThat(code).as("closed as taken over").isEqualTo((short) 1000);
                    assertThat(earlier.get().frames())
                        .as("no hello: it started no session of its own")
                        .noneMatch(f -> "hello".equals(f.getString("type")));
                  });
              return Eventually.after(vertx, PAST_GRACE_MS);
            })
        .compose(v -> later.get().request("get", "key", key))
        .onComplete(
            ar -> {
              bus.removeOutboundInterceptor(holdTheFirstResume);
              ctx.verify(
                  () -> {
                    assertThat(ar.succeeded()).as("%s", ar.cause()).isTrue();
                    assertThat(later.get().closed().isComplete()).isFalse();
                    // the later connection kept the session, and with it the ephemeral key
                    assertThat(ar.result().getBoolean("exists")).isTrue();
                  });
              ctx.completeNow();
            });
  }

  private static <T> Future<T> withDeadline(Vertx vertx, Future<T> f, long ms, String what) {
    Promise<T> p = Promise.promise();
    long timer = vertx.setTimer(ms, id -> p.tryFail(what));
    f.onComplete(
        ar -> {
          vertx.cancelTimer(timer);
          p.tryComplete(ar.succeeded() ? ar.result() : null);
        });
    return p.future();
  }

  /**
   * Connects, writes an ephemeral key, then resumes the session twice at once; answers the one
   * connection of the three left open, once the others closed.
   */
  private static Future<TestClient> resumeTwiceAtOnce(Vertx vertx, String device) {
    String token = server.token(device, "device");
    return connect(vertx, token, null)
        .compose(
            first ->
                first
                    .request(
                        "set",
                        "key",
                        "devices/" + device + "/alive",
                        "value",
                        true,
                        "ephemeral",
                        true)
                    .compose(
                        set -> {
                          String session = first.hello().result().getString("session");
                          List<Future<TestClient>> again =
                              List.of(
                                  TestClient.connect(
                                      vertx, server.port(), token, "session=" + session),
                                  TestClient.connect(
                                      vertx, server.port(), token, "session=" + session));
                          return Future.all(again)
                              .map(
                                  v -> List.of(first, again.get(0).result(), again.get(1).result()))
                              .compose(
                                  three ->
                                      Eventually.poll(
                                          vertx,
                                          () -> Future.succeededFuture(open(three)),
                                          open -> open.size() <= 1,
                                          5_000))
                              .compose(
                                  open -> {
                                    if (open.size() != 1) {
                                      return Future.failedFuture(
                                          "no connection left open of " + device + "'s session");
                                    }
                                    TestClient left = open.get(0);
                                    return left.hello()
                                        .map(
                                            hello -> {
                                              assertThat(hello.getString("session"))
                                                  .isEqualTo(session);
                                              return left;
                                            });
                                  });
                        }));
  }

  private static List<TestClient> open(List<TestClient> connections) {
    return connections.stream().filter(c -> !c.closed().isComplete()).toList();
  }

  static Future<TestClient> connect(Vertx vertx, String token, String query) {
    return TestClient.connect(vertx, server.port(), token, query).compose(c -> c.hello().map(c));
  }
}
