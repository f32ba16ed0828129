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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PROTOCOL.md section 4: {@code $sys/clients/<id>} follows a client's connections and sessions. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class PresenceIT {
  private static final long GRACE_MS = 1000;

  @RegisterExtension
  static final SharedServer server = new SharedServer("--limits.sessionGraceMs=" + GRACE_MS);

  @Test
  void presenceCountsConnectionsAndGoesOfflineWhenTheLastSessionEnds(
      Vertx vertx, VertxTestContext ctx) {
    String key = "$sys/clients/pi-presence";
    String device = server.token("pi-presence", "device");
    long testStart = System.currentTimeMillis();
    AtomicReference<TestClient> admin = new AtomicReference<>();
    AtomicReference<TestClient> first = new AtomicReference<>();
    AtomicReference<TestClient> second = new AtomicReference<>();
    AtomicReference<JsonObject> online = new AtomicReference<>();
    AtomicReference<Long> lastClosedAt = new AtomicReference<>();

    connect(vertx, server.adminToken())
        .compose(
            a -> {
              admin.set(a);
              return connect(vertx, device);
            })
        .compose(
            c -> {
              first.set(c);
              return presence(vertx, admin.get(), key, p -> p.getInteger("connections") == 1);
            })
        .compose(
            p -> {
              ctx.verify(
                  () -> {
                    assertThat(p.getBoolean("online")).isTrue();
                    assertSensibleTimes(p, testStart);
                  });
              online.set(p);
              return connect(vertx, device);
            })
        .compose(
            c -> {
              second.set(c);
              return presence(vertx, admin.get(), key, p -> p.getInteger("connections") == 2);
            })
        .compose(
            p -> {
              ctx.verify(
                  () -> {
                    assertThat(p.getBoolean("online")).isTrue();
                    // still the same online period
                    assertThat(p.getLong("since")).isEqualTo(online.get().getLong("since"));
                    assertSensibleTimes(p, testStart);
                  });
              return second.get().close();
            })
        .compose(v -> presence(vertx, admin.get(), key, p -> p.getInteger("connections") == 1))
        .compose(
            p -> {
              ctx.verify(() -> assertThat(p.getBoolean("online")).isTrue());
              // watch the key from now on: the change to offline must be broadcast
              return admin.get().request("sub", "pattern", "$sys/clients/#");
            })
        .compose(
            sub -> {
              ctx.verify(() -> assertThat(sub.getBoolean("ok")).isTrue());
              lastClosedAt.set(System.currentTimeMillis());
              return first.get().close();
            })
        .compose(
            v ->
                admin
                    .get()
                    .next(
                        f ->
                            "change".equals(f.getString("type"))
                                && key.equals(f.getString("key"))
                                && Boolean.FALSE.equals(
                                    f.getJsonObject("value").getBoolean("online"))))
        .onComplete(
            ctx.succeeding(
                change ->
                    ctx.verify(
                        () -> {
                          JsonObject p = change.getJsonObject("value");
                          assertThat(p.getInteger("connections")).isZero();
                          assertThat(change.getString("by")).isEqualTo("$server");
                          assertThat(p.getLong("since"))
                              .isLessThanOrEqualTo(System.currentTimeMillis());
                          // offline since the session ended, a grace after the last close;
                          // last seen at that close, not at the end
                          assertThat(p.getLong("lastSeen"))
                              .isGreaterThanOrEqualTo(lastClosedAt.get())
                              .isLessThanOrEqualTo(p.getLong("since") - GRACE_MS);
                          ctx.completeNow();
                        })));
  }

  @Test
  void presenceIsOfflineOnlyAfterTheGraceNotWhenTheSocketCloses(Vertx vertx, VertxTestContext ctx) {
    String key = "$sys/clients/pi-grace";
    AtomicReference<TestClient> admin = new AtomicReference<>();
    connect(vertx, server.adminToken())
        .compose(
            a -> {
              admin.set(a);
              return connect(vertx, server.token("pi-grace", "device"));
            })
        .compose(TestClient::close)
        .compose(v -> presence(vertx, admin.get(), key, p -> p.getInteger("connections") == 0))
        .compose(
            p -> {
              // dropped but resumable: still online
              ctx.verify(() -> assertThat(p.getBoolean("online")).isTrue());
              return presence(vertx, admin.get(), key, q -> !q.getBoolean("online"));
            })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void nobodyMayWriteSystemKeys(Vertx vertx, VertxTestContext ctx) {
    String own = "$sys/clients/pi-sys";
    AtomicReference<TestClient> device = new AtomicReference<>();
    connect(vertx, server.token("pi-sys", "device"))
        .compose(
            d -> {
              device.set(d);
              return d.request("set", "key", own, "value", new JsonObject().put("online", false));
            })
        .compose(
            reply -> {
              ctx.verify(() -> assertForbidden(reply));
              return device.get().request("delete", "key", own);
            })
        .compose(
            reply -> {
              ctx.verify(() -> assertForbidden(reply));
              return device
                  .get()
                  .request("patch", "key", own, "patch", new JsonObject().put("online", false));
            })
        .compose(
            reply -> {
              ctx.verify(() -> assertForbidden(reply));
              return connect(vertx, server.adminToken());
            })
        .compose(admin -> admin.request("set", "key", "$sys/clients/other", "value", 1))
        .compose(
            reply -> {
              ctx.verify(() -> assertForbidden(reply));
              return connect(vertx, server.adminToken());
            })
        .compose(admin -> admin.request("get", "key", own))
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          // the forbidden writes changed nothing
                          assertThat(get.getJsonObject("value").getBoolean("online")).isTrue();
                          assertThat(get.getJsonObject("value").getInteger("connections"))
                              .isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  private static void assertForbidden(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).isFalse();
    assertThat(reply.getJsonObject("error").getString("code")).isEqualTo("forbidden");
  }

  private static void assertSensibleTimes(JsonObject presence, long testStart) {
    long now = System.currentTimeMillis();
    assertThat(presence.getLong("since")).isBetween(testStart, now);
    assertThat(presence.getLong("lastSeen")).isBetween(presence.getLong("since"), now);
  }

  static Future<TestClient> connect(Vertx vertx, String token) {
    return TestClient.connect(vertx, server.port(), token).compose(c -> c.hello().map(c));
  }

  /** Polls the presence value until it satisfies {@code done}. */
  static Future<JsonObject> presence(
      Vertx vertx, TestClient admin, String key, Predicate<JsonObject> done) {
    return Eventually.poll(
        vertx,
        () ->
            admin
                .request("get", "key", key)
                .map(r -> r.getBoolean("exists") ? r.getJsonObject("value") : null),
        p -> p != null && done.test(p),
        10_000);
  }
}
