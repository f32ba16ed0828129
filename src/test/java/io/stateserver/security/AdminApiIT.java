package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API (PROTOCOL.md section 7) against a real node. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AdminApiIT {
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

  private static JsonObject newClient(String id, String... roles) {
    return new JsonObject().put("clientId", id).put("roles", new JsonArray(List.of(roles)));
  }

  @Test
  void withoutATokenEveryAdminCallIs401() throws Exception {
    assertThat(http.get("/v1/admin/clients", null).status()).isEqualTo(401);
    assertThat(http.post("/v1/admin/clients", null, newClient("pi-n", "device")).status())
        .isEqualTo(401);
    assertThat(http.post("/v1/admin/clients/pi-n/disable", null, null).status()).isEqualTo(401);
    assertThat(http.post("/v1/admin/revoke", null, new JsonObject().put("jti", "x")).status())
        .isEqualTo(401);
    assertThat(http.get("/v1/admin/clients", "not.a.token").status()).isEqualTo(401);
  }

  @Test
  void aDeviceTokenIs403ForEveryAdminCall() throws Exception {
    String device = server.token("pi-dev", "device");
    assertThat(http.get("/v1/admin/clients", device).status()).isEqualTo(403);
    assertThat(http.post("/v1/admin/clients", device, newClient("pi-d2", "device")).status())
        .isEqualTo(403);
    assertThat(http.post("/v1/admin/clients/pi-dev/enable", device, null).status()).isEqualTo(403);
    assertThat(http.post("/v1/admin/clients/pi-dev/rotate-secret", device, null).status())
        .isEqualTo(403);
    assertThat(http.post("/v1/admin/revoke", device, new JsonObject().put("jti", "x")).status())
        .isEqualTo(403);
  }

  @Test
  void registeringAnIdTwiceIs201Then409() throws Exception {
    String admin = server.adminToken();
    HttpCalls.Reply first = http.post("/v1/admin/clients", admin, newClient("pi-twice", "device"));
    HttpCalls.Reply second = http.post("/v1/admin/clients", admin, newClient("pi-twice", "admin"));

    assertThat(first.status()).isEqualTo(201);
    assertThat(first.body().getString("clientId")).isEqualTo("pi-twice");
    assertThat(first.body().getString("secret")).hasSizeGreaterThanOrEqualTo(32);
    assertThat(first.header("Cache-Control")).isEqualTo("no-store");
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.raw().body()).doesNotContain(first.body().getString("secret"));
  }

  @Test
  void idsThatAreNotOneKeySegmentAndUnknownRolesAreRefused() throws Exception {
    String admin = server.adminToken();
    for (String id : List.of("a/b", "+", "#", "$sys", "", "x".repeat(200))) {
      assertThat(http.post("/v1/admin/clients", admin, newClient(id, "device")).status())
          .as("id %s", id)
          .isEqualTo(400);
    }
    assertThat(http.post("/v1/admin/clients", admin, newClient("pi-role", "devise")).status())
        .isEqualTo(400);
    assertThat(http.post("/v1/admin/clients", admin, newClient("pi-role")).status()).isEqualTo(400);
  }

  @Test
  void listShowsClientsWithoutSecrets() throws Exception {
    String admin = server.adminToken();
    String secret = http.register(admin, "pi-listed", "device");

    HttpCalls.Reply list = http.get("/v1/admin/clients", admin);

    assertThat(list.status()).isEqualTo(200);
    JsonObject listed =
        list.body().getJsonArray("clients").stream()
            .map(JsonObject.class::cast)
            .filter(c -> c.getString("clientId").equals("pi-listed"))
            .findFirst()
            .orElseThrow();
    assertThat(listed.getJsonArray("roles").getList()).containsExactly("device");
    assertThat(listed.getBoolean("enabled")).isTrue();
    assertThat(listed.getLong("createdAt")).isPositive();
    assertThat(listed.fieldNames())
        .containsExactlyInAnyOrder("clientId", "roles", "enabled", "createdAt", "updatedAt");
    assertThat(list.raw().body()).doesNotContain(secret).doesNotContain("pbkdf2");
  }

  @Test
  void rotatingASecretMakesTheOldOneFailAndTheNewOneWork() throws Exception {
    String admin = server.adminToken();
    String old = http.register(admin, "pi-rot", "device");

    HttpCalls.Reply rotated = http.post("/v1/admin/clients/pi-rot/rotate-secret", admin, null);

    assertThat(rotated.status()).isEqualTo(200);
    String fresh = rotated.body().getString("secret");
    assertThat(fresh).isNotEqualTo(old);
    assertThat(http.token("pi-rot", old).status()).isEqualTo(401);
    assertThat(http.token("pi-rot", fresh).status()).isEqualTo(200);
  }

  @Test
  void unknownClientsAre404() throws Exception {
    String admin = server.adminToken();
    assertThat(http.post("/v1/admin/clients/pi-ghost/disable", admin, null).status())
        .isEqualTo(404);
    assertThat(http.post("/v1/admin/clients/pi-ghost/enable", admin, null).status()).isEqualTo(404);
    assertThat(http.post("/v1/admin/clients/pi-ghost/rotate-secret", admin, null).status())
        .isEqualTo(404);
  }
}
