package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.Eventually;
import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PROTOCOL.md sections 2 and 4: an ephemeral key lives as long as its writer's session, which
 * survives a dropped socket for the grace period when the client resumes it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class EphemeralKeysIT {
  private static final long GRACE_MS = 1000;

  /** Long enough for a session dropped now to have ended (grace plus a reaper round or two). */
  private static final long PAST_GRACE_MS = GRACE_MS * 3;

  @RegisterExtension
  static final SharedServer server = new SharedServer("--limits.sessionGraceMs=" + GRACE_MS);

  @Test
  void resumedSessionKeepsItsEphemeralKeyAndAnEndedOneDeletesIt(Vertx vertx, VertxTestContext ctx) {
    String key = "devices/pi-will/alive";
    String device = server.token("pi-will", "device");
    AtomicReference<String> session = new AtomicReference<>();
    AtomicReference<TestClient> watcher = new AtomicReference<>();
    AtomicReference<Long> setVersion = new AtomicReference<>();

    connect(vertx, server.adminToken(), null)
        .compose(
            w -> {
              watcher.set(w);
              return w.request("sub", "pattern", "devices/pi-will/#");
            })
        .compose(sub -> connect(vertx, device, null))
        .compose(
            c -> {
              session.set(c.hello().result().getString("session"));
              return c.request("set", "key", key, "value", true, "ephemeral", true)
                  .compose(
                      set -> {
                        ctx.verify(() -> assertThat(set.getBoolean("ok")).isTrue());
                        setVersion.set(set.getLong("version"));
                        return c.close();
                      });
            })
        // reconnect at once, well within the grace
        .compose(v -> connect(vertx, device, "session=" + session.get()))
        .compose(
            resumed -> {
              ctx.verify(
                  () ->
                      assertThat(resumed.hello().result().getString("session"))
                          .isEqualTo(session.get()));
              // wait until a session dropped back then would have ended: the resume kept it
              return Eventually.after(vertx, PAST_GRACE_MS)
                  .compose(v -> resumed.request("get", "key", key))
                  .compose(
                      get -> {
                        ctx.verify(
                            () -> {
                              assertThat(get.getBoolean("exists")).isTrue();
                              assertThat(get.getLong("version")).isEqualTo(setVersion.get());
                            });
                        return resumed.close();
                      });
            })
        // now do not resume: the session ends after the grace and takes the key with it
        .compose(v -> watcher.get().change(key, setVersion.get() + 1))
        .compose(
            change -> {
              ctx.verify(
                  () -> {
                    assertThat(change.getBoolean("deleted")).isTrue();
                    assertThat(change.getLong("version")).isEqualTo(setVersion.get() + 1);
                    assertThat(change.getString("by")).isEqualTo("$server");
                    assertThat(change.containsKey("value")).isFalse();
                  });
              return watcher.get().request("get", "key", key);
            })
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          assertThat(get.getBoolean("exists")).isFalse();
                          ctx.completeNow();
                        })));
  }

  @Test
  void overwritingAnEphemeralKeyWithoutTheFlagMakesItOutliveTheSession(
      Vertx vertx, VertxTestContext ctx) {
    String key = "devices/pi-keep/state";
    String device = server.token("pi-keep", "device");
    connect(vertx, device, null)
        .compose(
            c ->
                c.request("set", "key", key, "value", 1, "ephemeral", true)
                    .compose(set -> c.request("set", "key", key, "value", 2))
                    .compose(set -> c.close()))
        .compose(v -> Eventually.after(vertx, PAST_GRACE_MS))
        .compose(v -> connect(vertx, server.adminToken(), null))
        .compose(admin -> admin.request("get", "key", key))
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          assertThat(get.getBoolean("exists")).isTrue();
                          assertThat(get.getInteger("value")).isEqualTo(2);
                          ctx.completeNow();
                        })));
  }

  @Test
  void resumingAnUnknownSessionStartsANewOne(Vertx vertx, VertxTestContext ctx) {
    connect(vertx, server.token("pi-new", "device"), "session=no-such-session")
        .onComplete(
            ctx.succeeding(
                c ->
                    ctx.verify(
                        () -> {
                          String session = c.hello().result().getString("session");
                          assertThat(session).isNotBlank().isNotEqualTo("no-such-session");
                          ctx.completeNow();
                        })));
  }

  @Test
  void resumingAnEndedSessionStartsANewOneWithoutTheOldKeys(Vertx vertx, VertxTestContext ctx) {
    String key = "devices/pi-late/alive";
    String device = server.token("pi-late", "device");
    AtomicReference<String> session = new AtomicReference<>();
    AtomicReference<TestClient> admin = new AtomicReference<>();
    connect(vertx, server.adminToken(), null)
        .compose(
            a -> {
              admin.set(a);
              return connect(vertx, device, null);
            })
        .compose(
            c -> {
              session.set(c.hello().result().getString("session"));
              return c.request("set", "key", key, "value", true, "ephemeral", true)
                  .compose(set -> c.close());
            })
        // the session has ended once the client shows offline
        .compose(
            v ->
                PresenceIT.presence(
                    vertx, admin.get(), "$sys/clients/pi-late", p -> !p.getBoolean("online")))
        .compose(p -> connect(vertx, device, "session=" + session.get()))
        .compose(
            late -> {
              ctx.verify(
                  () ->
                      assertThat(late.hello().result().getString("session"))
                          .isNotBlank()
                          .isNotEqualTo(session.get()));
              return late.request("get", "key", key);
            })
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          assertThat(get.getBoolean("exists")).isFalse();
                          ctx.completeNow();
                        })));
  }

  @Test
  void resumingAnotherClientsSessionStartsANewOne(Vertx vertx, VertxTestContext ctx) {
    connect(vertx, server.token("pi-owner", "device"), null)
        .compose(
            owner -> {
              String session = owner.hello().result().getString("session");
              return connect(vertx, server.token("pi-thief", "device"), "session=" + session)
                  .map(
                      thief -> {
                        ctx.verify(
                            () ->
                                assertThat(thief.hello().result().getString("session"))
                                    .isNotEqualTo(session));
                        return owner;
                      });
            })
        // the owner keeps its connection
        .compose(owner -> owner.request("ping"))
        .onComplete(
            ctx.succeeding(
                pong ->
                    ctx.verify(
                        () -> {
                          assertThat(pong.getBoolean("ok")).isTrue();
                          ctx.completeNow();
                        })));
  }

  static Future<TestClient> connect(Vertx vertx, String token, String query) {
    return TestClient.connect(vertx, server.port(), token, query).compose(c -> c.hello().map(c));
  }
}
