package io.stateserver.security;

import static io.stateserver.support.HttpCalls.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.FreePorts;
import io.stateserver.support.HttpCalls;
import io.stateserver.support.TestClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A disable made on one node closes the client's connection on another (two clustered nodes). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class AccessRevocationClusterIT {
  private static final Logger log = LoggerFactory.getLogger(AccessRevocationClusterIT.class);

  @Test
  void disableThroughOneNodeClosesTheConnectionOnTheOther(Vertx vertx) throws Exception {
    String base = System.getenv(TestServer.POSTGRES_URL_VARIABLE);
    Assumptions.assumeTrue(
        base != null, "STATE_TEST_POSTGRES_URL not set: a cluster needs a shared database");
    String schema = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    sql(base, "CREATE SCHEMA " + schema);
    int portA = FreePorts.find();
    int portB = FreePorts.find();
    String[] common = {
      "--db.url=" + base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema,
      "--jwt.secret=" + "a-shared-secret-of-at-least-32-bytes!!",
      "--cluster.enabled=true",
      "--cluster.host=127.0.0.1",
      "--cluster.members=127.0.0.1:" + portA + ",127.0.0.1:" + portB
    };
    try (TestServer a = TestServer.start(with(common, "--cluster.port=" + portA, "--nodeId=a"));
        TestServer b = TestServer.start(with(common, "--cluster.port=" + portB, "--nodeId=b"))) {
      HttpCalls onA = new HttpCalls(a.port());
      HttpCalls onB = new HttpCalls(b.port());
      String secret = onA.register(a.adminToken(), "pi-far", "device");
      String token = onB.issuedToken("pi-far", secret);
      TestClient onNodeB = await(TestClient.connect(vertx, b.port(), token));
      assertThat(await(onNodeB.hello()).getString("node")).isEqualTo("b");

      long start = System.nanoTime();
      assertThat(onA.post("/v1/admin/clients/pi-far/disable", a.adminToken(), null).status())
          .isEqualTo(200);

      assertThat(await(onNodeB.closed())).isEqualTo((short) 4403);
      log.info(
          "disable on node a closed the connection on node b [ms: {}]",
          (System.nanoTime() - start) / 1_000_000);
      assertThat(onB.token("pi-far", secret).status()).isEqualTo(403);
    } finally {
      sql(base, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private static String[] with(String[] common, String... more) {
    String[] all = new String[common.length + more.length];
    System.arraycopy(common, 0, all, 0, common.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return all;
  }

  private static void sql(String url, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
