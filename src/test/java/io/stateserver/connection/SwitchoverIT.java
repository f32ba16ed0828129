package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet switch-over (PROTOCOL.md section 5: a goaway whose {@code url} says where the fleet
 * goes), set, read and cancelled through the admin API on a real server.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SwitchoverIT {
  private static final String PATH = "/v1/admin/switchover";
  private static final String NEW_FLEET = "wss://new-fleet.example:8443/v1/ws";

  private Path dir;
  private String db;
  private TestServer server;
  private HttpCalls http;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("switchover-it");
    // an explicit database, so that a restart finds it also when the ITs run on PostgreSQL
    db = "--db.url=jdbc:h2:file:" + dir + "/state;DB_CLOSE_ON_EXIT=FALSE";
    server = TestServer.start(dir, db);
    http = new HttpCalls(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private HttpCalls.Reply switchOver(String url, long reconnectMs) throws Exception {
    return http.post(
        PATH,
        server.adminToken(),
        new JsonObject().put("url", url).put("reconnectMs", reconnectMs));
  }

  /** An operator subscribed to the switch-over key. */
  private SyncClient watching(Vertx vertx) {
    SyncClient operator = SyncClient.connect(vertx, server.port(), server.adminToken());
    assertThat(operator.call("sub", "pattern", Switchover.KEY).getBoolean("ok")).isTrue();
    return operator;
  }

  /** The one goaway a client got, checked to be its last frame before a 1001 close. */
  private static JsonObject goawayThenClose(SyncClient c) {
    assertThat(c.closeCode()).isEqualTo((short) 1001);
    List<JsonObject> goaways = c.frames(f -> "goaway".equals(f.getString("type")));
    assertThat(goaways).hasSize(1);
    List<JsonObject> frames = c.frames();
    assertThat(frames.get(frames.size() - 1))
        .as("goaway is the last frame")
        .isEqualTo(goaways.get(0));
    return goaways.get(0);
  }

  @Test
  void switchingOverSendsEveryConnectedDeviceAGoawayWithTheUrlThenClosesGoingAway(Vertx vertx)
      throws Exception {
    try (SyncClient admin = SyncClient.connect(vertx, server.port(), server.adminToken());
        SyncClient device =
            SyncClient.connect(vertx, server.port(), server.token("pi-s", "device"));
        SyncClient display =
            SyncClient.connect(vertx, server.port(), server.token("pi-d", "display"))) {
      assertThat(device.call("sub", "pattern", "config/#").getBoolean("ok")).isTrue();
      assertThat(admin.call("sub", "pattern", Switchover.KEY).getBoolean("ok")).isTrue();

      HttpCalls.Reply reply = switchOver(NEW_FLEET, 250);

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.body().getBoolean("active")).isTrue();
      assertThat(reply.body().getString("url")).isEqualTo(NEW_FLEET);
      assertThat(reply.body().getLong("reconnectMs")).isEqualTo(250);
      assertThat(reply.body().getLong("version")).isPositive();
      JsonObject state = http.get(PATH, server.adminToken()).body();
      assertThat(state.getBoolean("active")).isTrue();
      assertThat(state.getString("url")).isEqualTo(NEW_FLEET);
      assertThat(state.getLong("version")).isEqualTo(reply.body().getLong("version"));
      for (SyncClient c : List.of(device, display)) {
        JsonObject goaway = goawayThenClose(c);
        assertThat(goaway.getString("reason")).isEqualTo("switching over");
        assertThat(goaway.getString("url")).isEqualTo(NEW_FLEET);
        assertThat(goaway.getLong("reconnectMs")).isEqualTo(250);
      }
      // an operator stays, and sees the switch-over as the change of its key
      assertThat(admin.change(Switchover.KEY, 1).getJsonObject("value").getString("url"))
          .isEqualTo(NEW_FLEET);
      assertThat(admin.call("ping").getBoolean("ok")).isTrue();
      assertThat(admin.frames(f -> "goaway".equals(f.getString("type")))).isEmpty();
    }
    JsonObject state = http.get(PATH, server.adminToken()).body();
    assertThat(state.getBoolean("active")).isTrue();
    assertThat(state.getString("url")).isEqualTo(NEW_FLEET);
    assertThat(state.getLong("reconnectMs")).isEqualTo(250);
    assertThat(state.getLong("since")).isPositive();
  }

  @Test
  void aDeviceThatConnectsAfterTheSwitchOverGetsItsHelloThenTheGoawayAndAnOperatorStays(Vertx vertx)
      throws Exception {
    try (SyncClient operator = watching(vertx)) {
      assertThat(switchOver(NEW_FLEET, 2_000).status()).isEqualTo(200);
      // this node's connection verticles have it (the change reaches them before any subscriber)
      operator.change(Switchover.KEY, 1);
    }

    try (SyncClient late =
        SyncClient.connect(vertx, server.port(), server.token("pi-late", "device"))) {
      JsonObject goaway = goawayThenClose(late);
      assertThat(late.frames().get(0).getString("type")).isEqualTo("hello");
      assertThat(late.frames()).hasSize(2);
      assertThat(goaway.getString("url")).isEqualTo(NEW_FLEET);
      assertThat(goaway.getLong("reconnectMs")).isEqualTo(2_000);
    }
    try (SyncClient operator = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      assertThat(operator.call("ping").getBoolean("ok")).isTrue();
      assertThat(operator.isClosed()).isFalse();
    }
  }

  @Test
  void aCancelledSwitchOverLetsClientsStayAgain(Vertx vertx) throws Exception {
    SyncClient operator = watching(vertx);
    assertThat(switchOver(NEW_FLEET, 0).status()).isEqualTo(200);

    HttpCalls.Reply cancelled = http.delete(PATH, server.adminToken());

    assertThat(cancelled.status()).isEqualTo(200);
    assertThat(cancelled.body().getBoolean("active")).isFalse();
    assertThat(http.get(PATH, server.adminToken()).body().getBoolean("active")).isFalse();
    // the cancellation is a change like any other: it reaches the key's subscribers (and so this
    // node's connection verticles)
    assertThat(operator.change(Switchover.KEY, 2).getBoolean("deleted")).isTrue();
    operator.close();
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-c", "device"))) {
      assertThat(c.call("ping").getBoolean("ok")).isTrue();
      assertThat(c.isClosed()).isFalse();

      // set again (a newer version than the cancellation): the device goes after all
      assertThat(switchOver(NEW_FLEET + "?again", 0).status()).isEqualTo(200);
      assertThat(goawayThenClose(c).getString("url")).isEqualTo(NEW_FLEET + "?again");
    }
    assertThat(http.delete(PATH, server.adminToken()).status()).isEqualTo(200);
    // cancelling when none is set is no error
    assertThat(http.delete(PATH, server.adminToken()).status()).isEqualTo(200);
  }

  @Test
  void aSwitchOverOutlastsARestart(Vertx vertx) throws Exception {
    assertThat(switchOver(NEW_FLEET, 500).status()).isEqualTo(200);
    server.close();
    server = null;

    server = TestServer.start(dir, db);
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("pi-r", "device"))) {
      assertThat(goawayThenClose(c).getString("url")).isEqualTo(NEW_FLEET);
    }
  }

  @Test
  void badSwitchOverRequestsAreRefusedAndChangeNothing(Vertx vertx) throws Exception {
    List<JsonObject> bad =
        List.of(
            new JsonObject(),
            new JsonObject().put("url", 42),
            new JsonObject().put("url", "http://new-fleet.example/v1/ws"),
            new JsonObject().put("url", "ws:///v1/ws"),
            new JsonObject().put("url", "ws://new fleet/v1/ws"),
            new JsonObject().put("url", NEW_FLEET).put("reconnectMs", -1),
            new JsonObject().put("url", NEW_FLEET).put("reconnectMs", 3_600_001),
            new JsonObject().put("url", NEW_FLEET).put("reconnectMs", 1.5),
            new JsonObject().put("url", NEW_FLEET).put("reconnectMs", "100"));
    for (JsonObject body : bad) {
      HttpCalls.Reply reply = http.post(PATH, server.adminToken(), body);
      assertThat(reply.status()).as("%s", body).isEqualTo(400);
      assertThat(reply.body().getJsonObject("error").getString("code")).isEqualTo("bad_request");
    }
    String device = server.token("pi-x", "device");
    JsonObject good = new JsonObject().put("url", NEW_FLEET);
    assertThat(http.post(PATH, device, good).status()).isEqualTo(403);
    assertThat(http.post(PATH, null, good).status()).isEqualTo(401);
    assertThat(http.get(PATH, device).status()).isEqualTo(403);
    assertThat(http.delete(PATH, device).status()).isEqualTo(403);

    // nor can a client write the key itself, not even an admin
    try (SyncClient admin = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      JsonObject set = admin.call("set", "key", Switchover.KEY, "value", good);
      assertThat(set.getBoolean("ok")).isFalse();
      assertThat(admin.call("ping").getBoolean("ok")).as("still connected").isTrue();
    }
    assertThat(http.get(PATH, server.adminToken()).body().getBoolean("active")).isFalse();
  }
}
