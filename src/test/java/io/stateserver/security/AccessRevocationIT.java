package io.stateserver.security;

import static io.stateserver.support.HttpCalls.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.support.Eventually;
import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Disabling a client or revoking a token takes effect on live connections and new requests. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AccessRevocationIT {
  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.tokenRequests.perAddressBurst=1000",
          "--limits.tokenRequests.perClientBurst=100");

  private static HttpCalls http;

  @BeforeAll
  static void start() throws Exception {
    http = new HttpCalls(server.port());
  }

  private static int upgradeStatus(Vertx vertx, String token) {
    Throwable failure =
        assertThatThrownBy(() -> await(TestClient.connect(vertx, server.port(), token)))
            .isInstanceOf(ExecutionException.class)
            .actual()
            .getCause();
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    return ((UpgradeRejectedException) failure).getStatus();
  }

  @Test
  void disablingAClientClosesItsConnectionsWith4403AndRefusesItEverywhere(Vertx vertx)
      throws Exception {
    String admin = server.adminToken();
    String secret = http.register(admin, "pi-dis", "device");
    String token = http.issuedToken("pi-dis", secret);
    // a token from elsewhere (the token tool) for the same client is refused too
    String otherToken = server.token("pi-dis", "device");
    TestClient first = await(TestClient.connect(vertx, server.port(), token));
    TestClient second = await(TestClient.connect(vertx, server.port(), otherToken));
    await(first.hello());
    await(second.hello());
    TestClient bystander =
        await(TestClient.connect(vertx, server.port(), server.token("pi-bystander", "device")));
    await(bystander.hello());

    assertThat(http.post("/v1/admin/clients/pi-dis/disable", admin, null).status()).isEqualTo(200);

    assertThat(await(first.closed())).isEqualTo((short) 4403);
    assertThat(await(second.closed())).isEqualTo((short) 4403);
    assertThat(upgradeStatus(vertx, token)).isEqualTo(403);
    assertThat(http.get("/v1/state/devices/pi-dis/x", token).status()).isEqualTo(403);
    assertThat(http.token("pi-dis", secret).status()).isEqualTo(403);
    JsonObject ping = await(bystander.request("ping"));
    assertThat(ping.getBoolean("ok")).isTrue();

    assertThat(http.post("/v1/admin/clients/pi-dis/enable", admin, null).status()).isEqualTo(200);
    TestClient back = await(TestClient.connect(vertx, server.port(), token));
    assertThat(await(back.hello()).getString("client")).isEqualTo("pi-dis");
    await(back.close());
    await(bystander.close());
  }

  @Test
  void revokingATokenClosesItsConnectionWith4403AndLeavesOtherTokensAlone(Vertx vertx)
      throws Exception {
    String admin = server.adminToken();
    String secret = http.register(admin, "pi-rev", "device");
    String revoked = http.issuedToken("pi-rev", secret);
    String kept = http.issuedToken("pi-rev", secret);
    TestClient doomed = await(TestClient.connect(vertx, server.port(), revoked));
    TestClient survivor = await(TestClient.connect(vertx, server.port(), kept));
    await(doomed.hello());
    await(survivor.hello());
    String jti = HttpCalls.claims(revoked).getString("jti");

    HttpCalls.Reply reply = http.post("/v1/admin/revoke", admin, new JsonObject().put("jti", jti));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(await(doomed.closed())).isEqualTo((short) 4403);
    assertThat(upgradeStatus(vertx, revoked)).isEqualTo(403);
    assertThat(http.get("/v1/state/devices/pi-rev/x", revoked).status()).isEqualTo(403);
    // the other token of the same client still works, also for auth with the revoked one
    JsonObject auth = await(survivor.request("auth", "token", revoked));
    assertThat(auth.getJsonObject("error").getString("code")).isEqualTo("forbidden");
    JsonObject set = await(survivor.request("set", "key", "devices/pi-rev/t", "value", 1));
    assertThat(set.getBoolean("ok")).isTrue();
    await(survivor.close());
  }

  @Test
  void aRevocationWhoseExpiryIsNotExactOrLongPastIsRefusedAndOneWithTheTokensExpOutlastsARefresh(
      Vertx vertx) throws Exception {
    String admin = server.adminToken();
    String secret = http.register(admin, "pi-expiry", "device");
    String token = http.issuedToken("pi-expiry", secret);
    JsonObject claims = HttpCalls.claims(token);
    long now = System.currentTimeMillis() / 1000;
    // Each was answered {"revoked": true} and then purged by the next deny-list refresh (the
    // first wraps to -100 in longValue()), after which the token worked again.
    List<Object> refused =
        List.of(
            new BigInteger("18446744073709551516"),
            1e300,
            now + 3600.5,
            now - 3600,
            -1,
            "tomorrow");
    for (Object expiresAt : refused) {
      JsonObject body = new JsonObject().put("jti", claims.getString("jti"));
      HttpCalls.Reply reply =
          http.post("/v1/admin/revoke", admin, body.put("expiresAt", expiresAt));
      assertThat(reply.status()).as("expiresAt %s: %s", expiresAt, reply.body()).isEqualTo(400);
    }
    assertThat(http.get("/v1/state/devices/pi-expiry/x", token).status())
        .as("not revoked by the refused calls")
        .isEqualTo(404);

    JsonObject revoke =
        new JsonObject()
            .put("jti", claims.getString("jti"))
            .put("expiresAt", claims.getLong("exp"));
    assertThat(http.post("/v1/admin/revoke", admin, revoke).status()).isEqualTo(200);
    // past a refresh of the deny list, which purges the revocations it takes for expired
    await(Eventually.after(vertx, RegistryVerticle.REFRESH_MS + 1_000));
    assertThat(http.get("/v1/state/devices/pi-expiry/x", token).status()).isEqualTo(403);
  }

  @Test
  void disabledClientIsStillRefusedAfterARestart() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("registry-restart");
    String token;
    // an explicit database, so that both nodes use the same one also when the ITs run on PostgreSQL
    String db = "--db.url=jdbc:h2:file:" + dir + "/state;DB_CLOSE_ON_EXIT=FALSE";
    try (TestServer first = TestServer.start(dir, db)) {
      HttpCalls api = new HttpCalls(first.port());
      String secret = api.register(first.adminToken(), "pi-persist", "device");
      token = api.issuedToken("pi-persist", secret);
      assertThat(
              api.post("/v1/admin/clients/pi-persist/disable", first.adminToken(), null).status())
          .isEqualTo(200);
    }
    try (TestServer second = TestServer.start(dir, db)) {
      HttpCalls api = new HttpCalls(second.port());
      assertThat(api.get("/v1/state/devices/pi-persist/x", token).status()).isEqualTo(403);
    }
  }
}
