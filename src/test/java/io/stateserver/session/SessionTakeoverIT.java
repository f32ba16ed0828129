package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.Eventually;
import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
