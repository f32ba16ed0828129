package io.stateserver.security;

import static io.stateserver.support.HttpCalls.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /v1/auth/token} against a real node (PROTOCOL.md section 6). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TokenEndpointIT {
  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--jwt.tokenLifetimeSeconds=900",
          "--limits.tokenRequests.perAddressBurst=1000",
          "--limits.tokenRequests.perClientBurst=100");

  private static HttpCalls http;

  @BeforeAll
  static void start() throws Exception {
    http = new HttpCalls(server.port());
  }

  @Test
  void registeredClientGetsATokenWithItsRolesThatOpensAWebSocket(Vertx vertx) throws Exception {
    String secret = http.register(server.adminToken(), "pi-good", "device");

    HttpCalls.Reply reply = http.token("pi-good", secret);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().getLong("expiresIn")).isEqualTo(900L);
    String token = reply.body().getString("token");
    JsonObject claims = HttpCalls.claims(token);
    assertThat(claims.getString("sub")).isEqualTo("pi-good");
    assertThat(claims.getJsonArray("roles").getList()).containsExactly("device");
    assertThat(claims.getString("jti")).isNotBlank();
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(900L);

    TestClient client = await(TestClient.connect(vertx, server.port(), token));
    JsonObject hello = await(client.hello());
    assertThat(hello.getString("client")).isEqualTo("pi-good");
    JsonObject set = await(client.request("set", "key", "devices/pi-good/temp", "value", 20));
    assertThat(set.getBoolean("ok")).isTrue();
    JsonObject forbidden = await(client.request("set", "key", "devices/other/temp", "value", 1));
    assertThat(forbidden.getJsonObject("error").getString("code")).isEqualTo("forbidden");
    await(client.close());
  }

  @Test
  void wrongSecretAndUnknownClientGetTheSame401() throws Exception {
    String secret = http.register(server.adminToken(), "pi-wrong", "device");

    HttpCalls.Reply wrongSecret = http.token("pi-wrong", secret + "x");
    HttpCalls.Reply unknownId = http.token("pi-nobody", secret);

    assertThat(wrongSecret.status()).isEqualTo(401);
    assertThat(unknownId.status()).isEqualTo(401);
    assertThat(wrongSecret.body()).isEqualTo(unknownId.body());
    assertThat(wrongSecret.raw().body()).doesNotContain("secret").doesNotContain("unknown");
  }

  @Test
  void disabledClientGetsNoToken() throws Exception {
    String admin = server.adminToken();
    String secret = http.register(admin, "pi-off", "device");
    assertThat(http.post("/v1/admin/clients/pi-off/disable", admin, null).status()).isEqualTo(200);

    HttpCalls.Reply reply = http.token("pi-off", secret);

    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.body().toString()).doesNotContain("token\"");

    assertThat(http.post("/v1/admin/clients/pi-off/enable", admin, null).status()).isEqualTo(200);
    assertThat(http.token("pi-off", secret).status()).isEqualTo(200);
  }

  @Test
  void malformedTokenRequestsAreBadRequests() throws Exception {
    assertThat(http.post("/v1/auth/token", null, new JsonObject().put("clientId", "x")).status())
        .isEqualTo(400);
    assertThat(
            http.post(
                    "/v1/auth/token", null, new JsonObject().put("clientId", 1).put("secret", "s"))
                .status())
        .isEqualTo(400);
    assertThat(http.post("/v1/auth/token", null, null).status()).isEqualTo(400);
  }
}
