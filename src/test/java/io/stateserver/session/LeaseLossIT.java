package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.SharedDatabase;
import io.stateserver.support.TcpProxy;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node of a two-node cluster loses its database (every connection to it runs through a proxy that
 * the test cuts) while the other keeps it. Once its lease has run out unrenewed, the other node
 * would count its sessions as ended after the grace and run their last wills, though their clients
 * are still connected to it; so it sends them away, and they resume on the other node.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LeaseLossIT {

  /** The default lease (10 s), and a few failed renewals (every 3 s) past it. */
  private static final Duration PAST_LEASE = Duration.ofSeconds(18);

  /** The default lease (10 s) and grace (30 s), and some room: the last wills would have run. */
  private static final Duration PAST_LEASE_AND_GRACE = Duration.ofSeconds(50);

  private Vertx vertx;
  private TestCluster cluster;
  private TcpProxy proxy;
  private ServerProcess cutOff;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    cluster = TestCluster.start(vertx, "lease-loss", 1, Map.of());
    SharedDatabase.Proxied proxied = cluster.database().throughProxy(vertx);
    proxy = proxied.proxy();
    cutOff = cluster.addNode(Map.of("STATE_DB_URL", proxied.jdbcUrl()));
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aNodeWhoseLeaseRanOutSendsItsClientsAwayAndTheyResumeElsewhereWithTheirLastWillUnrun()
      throws Exception {
    ServerProcess healthy = cluster.node(0);
    String token = cluster.token("pi-1", "device");
    BlockingClient device = BlockingClient.connect(vertx, cutOff.port(), token);
    String session = device.hello().getString("session");
    JsonObject will =
        device.request("set", "key", "devices/pi-1/online", "value", true, "ephemeral", true);
    assertThat(will.getBoolean("ok")).as("%s", will).isTrue();
    BlockingClient watcher =
        BlockingClient.connect(vertx, healthy.port(), cluster.token("watcher", "admin"));
    assertThat(watcher.request("sub", "pattern", "devices/#").getBoolean("ok")).isTrue();
    long mark = cutOff.logMark();

    proxy.partition();
    long cutAt = System.nanoTime();

    // Once its lease ran out, the cut-off node sends its client away...
    short closeCode = device.awaitClosed();
    List<JsonObject> frames = device.frames();
    assertThat(closeCode).as("close code after %s", frames).isEqualTo((short) 1001);
    JsonObject goaway = frames.get(frames.size() - 1);
    assertThat(goaway.getString("type")).isEqualTo("goaway");
    assertThat(goaway.getString("reason")).isEqualTo("node cannot reach the database");
    // a second, plus a share of a window that ends well before the (default 30 s) grace does
    assertThat(goaway.getLong("reconnectMs")).isBetween(1_000L, 11_000L);
    assertThat(cutOff.logContains("lease ran out unrenewed", mark)).isTrue();

    // ...and the client resumes its session on the other node, within the grace.
    BlockingClient resumed =
        BlockingClient.connect(vertx, healthy.port(), token, "session=" + session);
    assertThat(resumed.hello().getString("session")).isEqualTo(session);

    // Past the lease and the grace, its last will has not run: its key stays, and presence says
    // it is online.
    long leftMs = PAST_LEASE_AND_GRACE.toMillis() - (System.nanoTime() - cutAt) / 1_000_000;
    Thread.sleep(Math.max(0, leftMs));
    JsonObject key = resumed.request("get", "key", "devices/pi-1/online");
    assertThat(key.getBoolean("exists")).as("%s", key).isTrue();
    assertThat(watcher.changeVersions("devices/pi-1/online")).as("no deletion").isEmpty();
    JsonObject presence = watcher.request("get", "key", "$sys/clients/pi-1");
    assertThat(presence.getJsonObject("value").getBoolean("online")).as("%s", presence).isTrue();

    // Once the database is back, the node renews its lease and serves again.
    proxy.heal();
    cutOff.awaitLogLine("lease renewed again", mark, Duration.ofSeconds(60));
    BlockingClient back =
        BlockingClient.connect(vertx, cutOff.port(), cluster.token("pi-2", "device"));
    assertThat(back.request("set", "key", "devices/pi-2/x", "value", 1).getBoolean("ok")).isTrue();
  }

  /**
   * When no other node holds a lease (the other node is dead; or the whole database is away), no
   * node can end this node's sessions, and sending its clients away would only make them reconnect
   * in a loop: they stay, and are served again once the database is back.
   */
  @Test
  void aNodeWhoseLeaseRanOutKeepsItsClientsWhenNoOtherNodeHoldsALease() throws Exception {
    BlockingClient device =
        BlockingClient.connect(vertx, cutOff.port(), cluster.token("pi-1", "device"));
    cluster.node(0).kill9();
    long mark = cutOff.logMark();

    proxy.partition();
    // past the lease (10 s) and a few failed renewals (every 3 s)
    cutOff.awaitLogLine("lease renewal failed", mark, Duration.ofSeconds(30));
    Thread.sleep(PAST_LEASE.toMillis());

    assertThat(device.closed().isComplete()).as("still connected: %s", device.frames()).isFalse();
    assertThat(device.frames()).noneMatch(f -> "goaway".equals(f.getString("type")));
    assertThat(cutOff.logContains("lease ran out unrenewed", mark)).isFalse();

    proxy.heal();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject written = device.request("set", "key", "devices/pi-1/x", "value", 1);
    while (!written.getBoolean("ok") && System.nanoTime() < deadline) {
      Thread.sleep(250);
      written = device.request("set", "key", "devices/pi-1/x", "value", 1);
    }
    assertThat(written.getBoolean("ok")).as("%s", written).isTrue();
  }
}
