package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.FreePorts;
import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedDatabase;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A switch-over set through one node reaches the clients of another (two clustered nodes). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class SwitchoverClusterIT {
  private static final String NEW_FLEET = "wss://new-fleet.example/v1/ws";

  @Test
  void aSwitchOverSetThroughOneNodeSendsTheClientsOfTheOtherToTheUrl(Vertx vertx) throws Exception {
    int portA = FreePorts.find();
    int portB = FreePorts.find();
    try (SharedDatabase database = SharedDatabase.create()) {
      String[] common = {
        "--db.url=" + database.jdbcUrl(),
        "--jwt.secret=" + "a-shared-secret-of-at-least-32-bytes!!",
        "--cluster.enabled=true",
        "--cluster.host=127.0.0.1",
        "--cluster.members=127.0.0.1:" + portA + ",127.0.0.1:" + portB
      };
      try (TestServer a = TestServer.start(with(common, "--cluster.port=" + portA, "--nodeId=a"));
          TestServer b = TestServer.start(with(common, "--cluster.port=" + portB, "--nodeId=b"));
          SyncClient onB = SyncClient.connect(vertx, b.port(), b.token("pi-far", "device"))) {
        assertThat(onB.hello().getString("node")).isEqualTo("b");

        HttpCalls.Reply set =
            new HttpCalls(a.port())
                .post(
                    "/v1/admin/switchover",
                    a.adminToken(),
                    new JsonObject().put("url", NEW_FLEET).put("reconnectMs", 100));
        assertThat(set.status()).isEqualTo(200);

        assertThat(onB.closeCode()).isEqualTo((short) 1001);
        JsonObject goaway = onB.await(f -> "goaway".equals(f.getString("type")), "goaway");
        assertThat(goaway.getString("url")).isEqualTo(NEW_FLEET);
        assertThat(goaway.getLong("reconnectMs")).isEqualTo(100);
        // node b reads it from the shared database too
        JsonObject state =
            new HttpCalls(b.port()).get("/v1/admin/switchover", b.adminToken()).body();
        assertThat(state.getString("url")).isEqualTo(NEW_FLEET);
      }
    }
  }

  private static String[] with(String[] common, String... more) {
    String[] all = new String[common.length + more.length];
    System.arraycopy(common, 0, all, 0, common.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return all;
  }
}
