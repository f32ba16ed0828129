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

  static Future<TestClient> connect(Vertx vertx, String token, String query) {
    return TestClient.connect(vertx, server.port(), token, query).compose(c -> c.hello().map(c));
  }
}
