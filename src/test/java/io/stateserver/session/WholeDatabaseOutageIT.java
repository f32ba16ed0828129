package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TcpProxy;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole database goes away from both nodes of a cluster (every connection to it runs through
 * one proxy that the test cuts) for longer than the lease and the grace, with a client connected to
 * each node. Every node's lease runs out, and none may count the others' sessions as ended: no node
 * could renew. Once they reach the database again, the nodes end no session for a lease and a
 * grace, and then end them again.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WholeDatabaseOutageIT {
  private static final Logger log = LoggerFactory.getLogger(WholeDatabaseOutageIT.class);

  private static final long GRACE_MS = 5_000;

  /**
   * The default lease (10 s) and the grace, and room for a few renewals (every 3 s) and reaper
   * rounds (every second) after them.
   */
  private static final Duration PAST_LEASE_AND_GRACE = Duration.ofMillis(10_000 + GRACE_MS + 6_000);

  /**
   * The grace and a few reaper rounds: without the wait after the outage, a session dropped this
   * long ago would have ended.
   */
  private static final Duration PAST_GRACE = Duration.ofMillis(GRACE_MS + 2_500);

  /** How long the nodes wait after the outage (the default lease and the grace), less a margin. */
  private static final Duration WAIT_LASTS_AT_LEAST = Duration.ofMillis(10_000 + GRACE_MS - 2_000);

  private Vertx vertx;
  private TestCluster cluster;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    cluster =
        TestCluster.startBehindDatabaseProxy(
            vertx, "db-outage", 2, Map.of("STATE_SESSION_GRACE_MS", Long.toString(GRACE_MS)));
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void afterAnOutageLongerThanLeaseAndGraceTheNodeBackFirstEndsNoSessionOfTheOthers()
      throws Exception {
    List<Device> devices = List.of(new Device("pi-1", 0), new Device("pi-2", 1));
    Device leaving = new Device("pi-3", 0);
    long[] marks = cluster.nodes().stream().mapToLong(ServerProcess::logMark).toArray();
    TcpProxy database = cluster.databaseProxy();

    database.partition();
    long cutAt = System.nanoTime();
    for (int i = 0; i < marks.length; i++) {
      cluster.node(i).awaitLogLine("lease renewal failed", marks[i], Duration.ofSeconds(30));
    }
    sleepUntil(cutAt, PAST_LEASE_AND_GRACE);

    // No node holds a lease, so none sends its clients away.
    for (Device device : devices) {
      assertThat(device.client.closed().isComplete())
          .as("%s still connected: %s", device.clientId, device.client.frames())
          .isFalse();
    }

    database.heal();
    // A node whose first renewals after the heal fail while the other's succeed sends its clients
    // away (LeaseLossIT): they resume on the other node, as a Pi client would.
    long[] renewedSeenAt = new long[marks.length];
    keepConnected(devices, () -> renewedAgain(marks, renewedSeenAt));
    long renewedAt = System.nanoTime();
    long firstRenewedAt = Math.min(renewedSeenAt[0], renewedSeenAt[1]);
    BlockingClient admin =
        BlockingClient.connect(vertx, cluster.node(0).port(), cluster.token("watcher", "admin"));
    // A client that leaves now: its session would end after the grace, but the nodes end none
    // yet, for the other nodes' sake.
    leaving.client.close();
    long leftAt = System.nanoTime();
    keepConnected(devices, () -> System.nanoTime() - leftAt > PAST_GRACE.toNanos());
    JsonObject left = admin.request("get", "key", leaving.key());
    assertThat(System.nanoTime() - firstRenewedAt)
        .as(
            "checked while the wait lasts (nodes renewed %d ms apart)",
            (renewedAt - firstRenewedAt) / 1_000_000)
        .isLessThan(WAIT_LASTS_AT_LEAST.toNanos());
    assertThat(left.getBoolean("exists")).as("no session ends yet: %s", left).isTrue();

    // Past a lease and a grace after the nodes renewed again, nothing ended the sessions.
    keepConnected(devices, () -> System.nanoTime() - renewedAt > PAST_LEASE_AND_GRACE.toNanos());
    for (Device device : devices) {
      JsonObject key = device.client.request("get", "key", device.key());
      assertThat(key.getBoolean("exists")).as("last will not run: %s", key).isTrue();
      assertThat(key.getLong("version")).as("never deleted: %s", key).isEqualTo(1L);
      JsonObject presence = admin.request("get", "key", "$sys/clients/" + device.clientId);
      assertThat(presence.getJsonObject("value").getBoolean("online")).as("%s", presence).isTrue();
    }
    // ...while the sessions end again: the one left behind ends, and its last will runs.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (admin.request("get", "key", leaving.key()).getBoolean("exists")
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(admin.request("get", "key", leaving.key()).getBoolean("exists"))
        .as("the last will of the session that ended")
        .isFalse();
  }

  /** Whether every node renewed again after the long break; notes when each was first seen. */
  private boolean renewedAgain(long[] marks, long[] seenAt) {
    boolean all = true;
    for (int i = 0; i < marks.length; i++) {
      if (seenAt[i] == 0
          && cluster.node(i).logContains("lease renewed again after a long break", marks[i])) {
        seenAt[i] = System.nanoTime();
      }
      all &= seenAt[i] != 0;
    }
    return all;
  }

  /** Resumes every device sent away on the other node, until {@code done} (at most a minute). */
  private static void keepConnected(List<Device> devices, BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited a minute").isLessThan(deadline);
      devices.forEach(Device::resumeElsewhereIfSentAway);
      Thread.sleep(200);
    }
    devices.forEach(Device::resumeElsewhereIfSentAway);
  }

  private static void sleepUntil(long fromNanos, Duration after) throws InterruptedException {
    long leftMs = after.toMillis() - (System.nanoTime() - fromNanos) / 1_000_000;
    Thread.sleep(Math.max(0, leftMs));
  }

  /** A client with an ephemeral key, its session resumed on the other node if sent away. */
  private final class Device {
    final String clientId;
    final String token;
    final String session;
    int node;
    BlockingClient client;

    Device(String clientId, int node) {
      this.clientId = clientId;
      this.token = cluster.token(clientId, "device");
      this.node = node;
      this.client = BlockingClient.connect(vertx, cluster.node(node).port(), token);
      this.session = client.hello().getString("session");
      JsonObject will = client.request("set", "key", key(), "value", true, "ephemeral", true);
      assertThat(will.getBoolean("ok")).as("%s", will).isTrue();
    }

    String key() {
      return "devices/" + clientId + "/online";
    }

    void resumeElsewhereIfSentAway() {
      if (!client.closed().isComplete()) {
        return;
      }
      List<JsonObject> frames = client.frames();
      assertThat(client.closed().result()).as("close after %s", frames).isEqualTo((short) 1001);
      assertThat(frames.get(frames.size() - 1).getString("type")).isEqualTo("goaway");
      node = 1 - node;
      log.info("device sent away, resuming [client: {}, on node: {}]", clientId, node);
      client =
          BlockingClient.connect(vertx, cluster.node(node).port(), token, "session=" + session);
      assertThat(client.hello().getString("session")).isEqualTo(session);
    }
  }
}
