package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PROTOCOL.md section 5: a draining node sends goaway, then closes 1001. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DrainGoawayIT {
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      server.close();
    } catch (Exception e) {
      // already closed by the drain
    }
  }

  @Test
  void drainingNodeSendsGoawayThenClosesGoingAway(Vertx vertx) {
    try (SyncClient a = SyncClient.connect(vertx, server.port(), server.adminToken());
        SyncClient b = SyncClient.connect(vertx, server.port(), server.token("pi-d", "device"))) {
      assertThat(a.call("set", "key", "drain/k", "value", 1).getBoolean("ok")).isTrue();
      SyncClient.await(server.server().drain());
      for (SyncClient c : List.of(a, b)) {
        assertThat(c.closeCode()).isEqualTo((short) 1001);
        List<JsonObject> goaways = c.frames(f -> "goaway".equals(f.getString("type")));
        assertThat(goaways).hasSize(1);
        JsonObject goaway = goaways.get(0);
        assertThat(goaway.getString("reason")).isNotBlank();
        assertThat(goaway.getLong("reconnectMs")).isNotNegative();
        List<JsonObject> frames = c.frames();
        assertThat(frames.get(frames.size() - 1)).as("goaway is the last frame").isEqualTo(goaway);
      }
    }
  }

  @Test
  void theClientsOfADrainedNodeAreToldToReconnectAtSpreadTimes(Vertx vertx) throws Exception {
    int clients = 60; // under the 100 upgrades per address that the default burst allows
    TestServer draining = TestServer.start();
    List<SyncClient> connected = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        connected.add(
            SyncClient.connect(vertx, draining.port(), draining.token("pi-" + i, "device")));
      }
      SyncClient.await(draining.server().drain());

      List<Long> delays = new ArrayList<>();
      for (SyncClient c : connected) {
        assertThat(c.closeCode()).isEqualTo((short) 1001);
        delays.add(
            c.frames(f -> "goaway".equals(f.getString("type"))).get(0).getLong("reconnectMs"));
      }
      // a millisecond of window per client sent away (ReconnectSpread), after the drain's second
      assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(1_000L, 1_000L + clients));
      assertThat(new HashSet<>(delays)).as("not one delay for all").hasSizeGreaterThan(clients / 4);
    } finally {
      connected.forEach(SyncClient::close);
      try {
        draining.close();
      } catch (Exception e) {
        // already closed by the drain
      }
    }
  }
}
