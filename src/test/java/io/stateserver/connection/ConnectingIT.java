package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PROTOCOL.md section 2 and the {@code auth} op: who may open a WebSocket, what the hello says, and
 * how a connection lives and dies with its token. The leeway is 0 so that short tokens expire when
 * they say.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ConnectingIT {
  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--jwt.leewaySeconds=0", "--nodeId=node-conn", "--limits.sessionGraceMs=1500");

  // ---- upgrade ----

  @Test
  void upgradeWithoutTokenIsRefused401(Vertx vertx) {
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), null, null)).isEqualTo(401);
  }

  @Test
  void upgradeWithMalformedTokenIsRefused401(Vertx vertx) {
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), "garbage", null)).isEqualTo(401);
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), null, "access_token=a.b.c"))
        .isEqualTo(401);
  }

  @Test
  void upgradeWhoseQueryIsNotValidlyPercentEncodedIsRefused400() throws Exception {
    // sent by hand: the WebSocket client refuses to send such a URI at all
    assertThat(rawUpgradeStatusLine("access_token=%zz", null)).contains(" 400 ");
    assertThat(rawUpgradeStatusLine("session=%zz", server.token("pi-q", "device")))
        .contains(" 400 ");
  }

  private static String rawUpgradeStatusLine(String query, String token) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      String request =
          "GET /v1/ws?"
              + query
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
              + "\r\n";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  @Test
  void upgradeWithTamperedSignatureOrForeignKeyIsRefused401(Vertx vertx) {
    String good = server.token("pi-1", "device");
    String tampered = good.substring(0, good.length() - 2) + (good.endsWith("AA") ? "BB" : "AA");
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), tampered, null)).isEqualTo(401);
    String foreign = hs256(claims("pi-1"), "another-secret-that-is-32-bytes-long!!");
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), foreign, null)).isEqualTo(401);
  }

  @Test
  void upgradeWithUnsignedTokenIsRefused401(Vertx vertx) {
    String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(claims("pi-1")) + ".";
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), none, null)).isEqualTo(401);
  }

  @Test
  void upgradeWithExpiredTokenIsRefused401(Vertx vertx) throws Exception {
    String token = server.token("pi-1", 1, "device");
    // wait (not measure) until the token's exp second has passed
    Thread.sleep(2100);
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), token, null)).isEqualTo(401);
  }

  @Test
  void upgradeWithATokenWhoseSubIsNotAValidClientIdIsRefused401(Vertx vertx) {
    // validly signed with the server's secret: only the sub is wrong
    for (String sub : List.of("+", "#", "pi-7/x", "a\u0000b", "$sys", "L".repeat(300))) {
      assertThat(SyncClient.upgradeStatus(vertx, server.port(), server.token(sub, "device"), null))
          .as("sub %s", sub)
          .isEqualTo(401);
    }
    // 2000 characters once reached the session table's VARCHAR(1024) after the upgrade succeeded
    assertThat(
            SyncClient.upgradeStatus(
                vertx, server.port(), server.token("x".repeat(2000), "device"), null))
        .isEqualTo(401);
  }

  @Test
  void httpCallWithATokenWhoseSubIsNotAValidClientIdIsRefused401() throws Exception {
    HttpCalls http = new HttpCalls(server.port());
    assertThat(http.get("/v1/state/config/sub-check", server.token("+", "device")).status())
        .isEqualTo(401);
  }

  @Test
  void upgradeWithACritHeaderIsRefused401(Vertx vertx) {
    String secret = server.server().config().jwt().secret();
    // the hand-made token is good without crit, so the refusal below is about crit alone
    String plain = hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims("pi-crit"), secret);
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), plain, null)).isEqualTo(101);
    for (String header :
        List.of(
            "{\"alg\":\"HS256\",\"crit\":[\"x\"],\"x\":1}",
            "{\"alg\":\"HS256\",\"crit\":[\"x\"]}",
            "{\"alg\":\"HS256\",\"crit\":[]}")) {
      String token = hs256(header, claims("pi-crit"), secret);
      assertThat(SyncClient.upgradeStatus(vertx, server.port(), token, null))
          .as("header %s", header)
          .isEqualTo(401);
    }
  }

  @Test
  void upgradeToAnotherPathIsNotAWebSocket(Vertx vertx) {
    var client = vertx.createHttpClient();
    int status =
        SyncClient.await(
            client
                .request(io.vertx.core.http.HttpMethod.GET, server.port(), "127.0.0.1", "/v1/nope")
                .compose(r -> r.send())
                .map(r -> r.statusCode()));
    assertThat(status).isEqualTo(404);
  }

  @Test
  void browserUpgradeFromAForeignOriginIsRefusedAndFromTheServersOwnOriginAccepted(Vertx vertx) {
    String token = server.token("browser-2", "device");
    assertThat(
            SyncClient.upgradeStatus(
                vertx, server.port(), token, null, "Origin", "http://evil.example"))
        .isEqualTo(403);
    assertThat(
            SyncClient.upgradeStatus(
                vertx, server.port(), token, null, "Origin", "http://127.0.0.1:" + server.port()))
        .isEqualTo(101);
  }

  @Test
  void browserUpgradeFromAnAllowedOriginIsAcceptedWhateverItsCaseOrDefaultPortAndNoOtherOrigin(
      Vertx vertx) throws Exception {
    try (TestServer allowing =
        TestServer.start("--http.allowedOrigins=https://Dash.Example:443,null")) {
      String token = allowing.token("browser-3", "device");
      int port = allowing.port();
      assertThat(
              SyncClient.upgradeStatus(vertx, port, token, null, "Origin", "https://dash.example"))
          .isEqualTo(101);
      assertThat(SyncClient.upgradeStatus(vertx, port, token, null, "Origin", "null"))
          .isEqualTo(101);
      assertThat(
              SyncClient.upgradeStatus(vertx, port, token, null, "Origin", "https://evil.example"))
          .isEqualTo(403);
      // with a list, not even the server's own origin
      assertThat(
              SyncClient.upgradeStatus(
                  vertx, port, token, null, "Origin", "http://127.0.0.1:" + port))
          .isEqualTo(403);
    }
  }

  @Test
  void tokenInAccessTokenQueryParameterIsAccepted(Vertx vertx) {
    String token = server.token("browser-1", "device");
    try (SyncClient c =
        SyncClient.connect(
            vertx,
            server.port(),
            null,
            "access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))) {
      assertThat(c.hello().getString("client")).isEqualTo("browser-1");
      assertThat(c.call("set", "key", "devices/browser-1/x", "value", 1).getBoolean("ok")).isTrue();
    }
  }

  // ---- hello ----

  @Test
  void helloIsTheFirstFrameAndCarriesSessionNodeClientAndLimits(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-h", "device"))) {
      JsonObject hello = c.frames().get(0);
      assertThat(hello.getString("type")).isEqualTo("hello");
      assertThat(hello.getInteger("protocol")).isEqualTo(1);
      assertThat(hello.getString("session")).isNotBlank();
      assertThat(hello.getString("node")).isEqualTo("node-conn");
      assertThat(hello.getString("client")).isEqualTo("pi-h");
      JsonObject limits = hello.getJsonObject("limits");
      assertThat(limits.getInteger("maxFrameBytes")).isEqualTo(1048576);
      assertThat(limits.getInteger("maxValueBytes")).isEqualTo(65536);
      assertThat(limits.getInteger("maxSubscriptions")).isEqualTo(100);
      assertThat(limits.getInteger("sessionGraceMs")).isEqualTo(1500);
      JsonObject rate = limits.getJsonObject("rate");
      assertThat(rate.getInteger("messagesPerSecond")).isEqualTo(500);
      assertThat(rate.getInteger("burst")).isEqualTo(2000);
      assertThat(rate.getInteger("bytesPerSecond")).isEqualTo(4194304);
    }
  }

  @Test
  void everyConnectionGetsItsOwnSession(Vertx vertx) {
    String token = server.token("pi-s", "device");
    try (SyncClient a = SyncClient.connect(vertx, server.port(), token);
        SyncClient b = SyncClient.connect(vertx, server.port(), token)) {
      assertThat(a.hello().getString("session")).isNotEqualTo(b.hello().getString("session"));
    }
  }

  // ---- auth ----

  @Test
  void authWithFreshTokenForSameClientAnswersItsExpiry(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-a", "device"))) {
      String fresh = server.token("pi-a", 7200, "device");
      long exp = claimsOf(fresh).getLong("exp");
      JsonObject reply = c.call("auth", "token", fresh);
      assertThat(reply.getBoolean("ok")).isTrue();
      assertThat(reply.getLong("expiresAt")).isEqualTo(exp);
    }
  }

  @Test
  void authWithTokenOfAnotherClientIsForbiddenAndKeepsTheOldIdentity(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-b", "device"))) {
      JsonObject reply = c.call("auth", "token", server.token("pi-other", "device"));
      assertThat(reply.getBoolean("ok")).isFalse();
      assertThat(reply.getJsonObject("error").getString("code")).isEqualTo("forbidden");
      assertThat(c.call("set", "key", "devices/pi-b/x", "value", 1).getBoolean("ok")).isTrue();
      assertThat(c.call("set", "key", "devices/pi-other/x", "value", 1).getBoolean("ok")).isFalse();
    }
  }

  @Test
  void authWithATokenWhoseSubIsNotAValidClientIdIsUnauthorized(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-s", "device"))) {
      JsonObject reply = c.call("auth", "token", server.token("+", "device"));
      assertThat(reply.getBoolean("ok")).isFalse();
      assertThat(reply.getJsonObject("error").getString("code")).isEqualTo("unauthorized");
      assertThat(c.call("set", "key", "devices/pi-s/x", "value", 1).getBoolean("ok")).isTrue();
    }
  }

  @Test
  void authWithNewRolesChangesWhatTheConnectionMayDo(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-r", "device"))) {
      assertThat(c.call("set", "key", "config/r", "value", 1).getBoolean("ok")).isFalse();
      assertThat(c.call("auth", "token", server.token("pi-r", "admin")).getBoolean("ok")).isTrue();
      assertThat(c.call("set", "key", "config/r", "value", 1).getBoolean("ok")).isTrue();
    }
  }

  @Test
  void authWithATokenThatCannotReadAHeldSubscriptionIsForbiddenAndChangesNothing(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-n", "admin"));
        SyncClient writer = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      String sub = c.call("sub", "pattern", "devices/pi-elsewhere/#").getString("sub");
      JsonObject narrower = c.call("auth", "token", server.token("pi-n", "device"));
      assertThat(narrower.getBoolean("ok")).isFalse();
      assertThat(narrower.getJsonObject("error").getString("code")).isEqualTo("forbidden");
      assertThat(narrower.getJsonObject("error").getString("message")).contains(sub);
      // still the admin token: may write config, and the subscription is still served to it
      assertThat(c.call("set", "key", "config/n", "value", 1).getBoolean("ok")).isTrue();
      writer.call("set", "key", "devices/pi-elsewhere/x", "value", 1);
      c.change("devices/pi-elsewhere/x", 1);
      // once the subscription is gone, the narrower token is taken
      assertThat(c.call("unsub", "sub", sub).getBoolean("ok")).isTrue();
      assertThat(c.call("auth", "token", server.token("pi-n", "device")).getBoolean("ok")).isTrue();
      assertThat(c.call("set", "key", "config/n", "value", 2).getBoolean("ok")).isFalse();
    }
  }

  @Test
  void authPipelinedAfterTheUnsubOfASubscriptionStillSendingItsSnapshotIsTaken(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-u", "admin"))) {
      for (int i = 0; i < 200; i++) {
        c.send("set", "key", "devices/pi-u-elsewhere/k" + i, "value", i);
      }
      // none waited for: the snapshot is still being read when the unsub and the auth arrive
      long sub = c.send("sub", "pattern", "devices/pi-u-elsewhere/#");
      long unsub = c.send("unsub", "sub", "s1");
      long auth = c.send("auth", "token", server.token("pi-u", "device"));
      assertThat(c.reply(sub).getString("sub")).isEqualTo("s1");
      assertThat(c.reply(unsub).getBoolean("ok")).isTrue();
      JsonObject authReply = c.reply(auth);
      assertThat(authReply.getBoolean("ok")).as("%s", authReply).isTrue();
      assertThat(c.call("set", "key", "config/u", "value", 1).getBoolean("ok"))
          .as("now under the device token")
          .isFalse();
    }
  }

  @Test
  void connectionWhoseTokenExpiresIsClosed4401(Vertx vertx) {
    try (SyncClient c =
        SyncClient.connect(vertx, server.port(), server.token("pi-e", 2, "device"))) {
      assertThat(c.closeCode()).isEqualTo((short) 4401);
    }
  }

  @Test
  void authBeforeExpiryKeepsTheConnectionOpen(Vertx vertx) throws Exception {
    try (SyncClient c =
        SyncClient.connect(vertx, server.port(), server.token("pi-k", 2, "device"))) {
      assertThat(c.call("auth", "token", server.token("pi-k", 3600, "device")).getBoolean("ok"))
          .isTrue();
      // wait past the first token's expiry
      Thread.sleep(3500);
      assertThat(c.isClosed()).isFalse();
      assertThat(c.call("ping").getBoolean("ok")).isTrue();
    }
  }

  // ---- token helpers ----

  private static String claims(String sub) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject()
        .put("sub", sub)
        .put("roles", new io.vertx.core.json.JsonArray().add("admin"))
        .put("iat", now)
        .put("exp", now + 3600)
        .encode();
  }

  private static String hs256(String claims, String secret) {
    return hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims, secret);
  }

  /** An HS256 token with any header, signed with {@code secret} over that header. */
  private static String hs256(String header, String claims, String secret) {
    try {
      String signingInput = b64(header) + "." + b64(claims);
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] sig = mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8));
      return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject claimsOf(String jwt) {
    return new JsonObject(
        new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
  }
}
