package io.stateserver.state;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PROTOCOL.md section 3, {@code ttlMs}: expiry is a normal, broadcast deletion. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class TtlIT {
  private static final long TTL_MS = 500;

  /** Generous: the sweeper runs every second; only "it happens" is asserted, not when. */
  private static final long EXPIRY_DEADLINE_MS = 10_000;

  @RegisterExtension static final SharedServer server = new SharedServer();

  @Test
  void aKeyWithTtlExpiresAsABroadcastDeletion(Vertx vertx, VertxTestContext ctx) {
    String key = "ttl/expiring";
    AtomicReference<TestClient> admin = new AtomicReference<>();
    AtomicReference<Long> version = new AtomicReference<>();
    connect(vertx)
        .compose(
            a -> {
              admin.set(a);
              return a.request("sub", "pattern", "ttl/#");
            })
        .compose(
            sub -> admin.get().request("set", "key", key, "value", "soon gone", "ttlMs", TTL_MS))
        .compose(
            set -> {
              ctx.verify(() -> assertThat(set.getBoolean("ok")).isTrue());
              version.set(set.getLong("version"));
              return Eventually.poll(
                  vertx,
                  () -> admin.get().request("get", "key", key),
                  get -> !get.getBoolean("exists"),
                  EXPIRY_DEADLINE_MS);
            })
        .compose(gone -> admin.get().change(key, version.get() + 1))
        .onComplete(
            ctx.succeeding(
                change ->
                    ctx.verify(
                        () -> {
                          assertThat(change.getBoolean("deleted")).isTrue();
                          assertThat(change.getLong("version")).isEqualTo(version.get() + 1);
                          assertThat(change.getString("by")).isEqualTo("$server");
                          ctx.completeNow();
                        })));
  }

  @Test
  void aRewriteWithoutTtlBeforeExpiryCancelsTheExpiry(Vertx vertx, VertxTestContext ctx) {
    String key = "ttl/kept";
    AtomicReference<TestClient> admin = new AtomicReference<>();
    connect(vertx)
        .compose(
            a -> {
              admin.set(a);
              return a.request("set", "key", key, "value", 1, "ttlMs", TTL_MS);
            })
        .compose(set -> admin.get().request("set", "key", key, "value", 2))
        // a sweep or two after the first write's expiry would have been due
        .compose(set -> Eventually.after(vertx, TTL_MS + 2_500))
        .compose(v -> admin.get().request("get", "key", key))
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          assertThat(get.getBoolean("exists")).isTrue();
                          assertThat(get.getInteger("value")).isEqualTo(2);
                          assertThat(get.getLong("version")).isEqualTo(2L);
                          assertThat(admin.get().changes()).isEmpty();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aRewriteWithANewTtlPostponesTheExpiry(Vertx vertx, VertxTestContext ctx) {
    String key = "ttl/postponed";
    AtomicReference<TestClient> admin = new AtomicReference<>();
    connect(vertx)
        .compose(
            a -> {
              admin.set(a);
              return a.request("set", "key", key, "value", 1, "ttlMs", TTL_MS);
            })
        .compose(set -> admin.get().request("set", "key", key, "value", 2, "ttlMs", 60_000))
        .compose(set -> Eventually.after(vertx, TTL_MS + 2_500))
        .compose(v -> admin.get().request("get", "key", key))
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          assertThat(get.getBoolean("exists")).isTrue();
                          assertThat(get.getLong("version")).isEqualTo(2L);
                          ctx.completeNow();
                        })));
  }

  @Test
  void anInvalidTtlIsABadRequestAndWritesNothing(Vertx vertx, VertxTestContext ctx) {
    String key = "ttl/invalid";
    AtomicReference<TestClient> admin = new AtomicReference<>();
    connect(vertx)
        .compose(
            a -> {
              admin.set(a);
              return a.request("set", "key", key, "value", 1, "ttlMs", 0);
            })
        .compose(
            reply -> {
              ctx.verify(() -> assertBadRequest(reply));
              return admin.get().request("set", "key", key, "value", 1, "ttlMs", "soon");
            })
        .compose(
            reply -> {
              ctx.verify(() -> assertBadRequest(reply));
              return admin.get().request("get", "key", key);
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

  private static void assertBadRequest(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).isFalse();
    assertThat(reply.getJsonObject("error").getString("code")).isEqualTo("bad_request");
  }

  private static Future<TestClient> connect(Vertx vertx) {
    return TestClient.connect(vertx, server.port(), server.adminToken())
        .compose(c -> c.hello().map(c));
  }
}
