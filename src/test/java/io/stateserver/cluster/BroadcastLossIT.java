package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.FreePorts;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TcpProxy;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Changes whose broadcast was lost between two live nodes, with no membership change, still reach
 * the subscribers: the receiving node notices the gap in the sender's numbers and re-reads them.
 *
 * <p>The second node advertises its event-bus port through a {@link TcpProxy} ({@code
 * STATE_CLUSTER_BUS_PUBLIC_PORT}), so the first node's event-bus connection to it really runs
 * through the proxy, which first drops what it carries and then cuts it. Hazelcast's own
 * connections do not pass the proxy: both members stay in the cluster throughout.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BroadcastLossIT {
  private Vertx vertx;
  private TestCluster cluster;
  private TcpProxy proxy;

  @BeforeEach
  void startCluster() throws Exception {
    vertx = Vertx.vertx();
    cluster = TestCluster.start(vertx, "broadcast-loss-it", 1, Map.of());
    int busPort = FreePorts.find();
    int proxyPort = FreePorts.find();
    proxy = TcpProxy.start(vertx, proxyPort, busPort);
    ServerProcess receiver =
        cluster.addNode(
            Map.of(
                "STATE_CLUSTER_BUS_PORT", Integer.toString(busPort),
                "STATE_CLUSTER_BUS_PUBLIC_PORT", Integer.toString(proxyPort)));
    // The joined node's own sweep after its start is over: from here on only the lost-broadcast
    // detection can re-deliver anything.
    receiver.awaitMeter("state_catchup_sweeps_total", 1, Duration.ofSeconds(30));
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void changesWhoseBroadcastWasLostBetweenLiveNodesReachSubscribersWithoutAnotherWrite()
      throws Exception {
    ServerProcess sender = cluster.node(0);
    ServerProcess receiver = cluster.node(1);
    Pair pair = followingAcrossTheProxy("lost");
    BlockingClient follower = pair.follower();
    BlockingClient writer = pair.writer();
    assertThat(proxy.connections())
        .as("the sender's event bus runs through the proxy")
        .isEqualTo(1);

    proxy.swallow();
    assertThat(writer.request("set", "key", "lost/a", "value", 2).getBoolean("ok")).isTrue();
    assertThat(writer.request("set", "key", "lost/a", "value", 3).getBoolean("ok")).isTrue();
    assertThat(writer.request("set", "key", "lost/b", "value", "x").getBoolean("ok")).isTrue();
    assertThat(writer.request("delete", "key", "lost/b").getBoolean("ok")).isTrue();
    proxy.cutAndForward();

    // No write follows: the sender's beacon over the repaired connection shows the receiver what
    // it missed (the number recorded with the sender's lease would too, but seconds later).
    JsonObject a = follower.change("lost/a", 3);
    assertThat(a.getLong("version")).isEqualTo(3);
    assertThat(a.getInteger("value")).isEqualTo(3);
    assertThat(follower.change("lost/b", 2).getBoolean("deleted")).isTrue();
    // Every lost broadcast is counted, though not always by the first gap the receiver sees: a
    // beacon carries the number the sender stood at one beacon earlier (StateVerticle says why),
    // so when the four writes straddle a beacon tick, the first beacon over the repaired
    // connection counts those before the tick and the next beacon the rest.
    receiver.awaitMeter("state_broadcasts_missed_total", 4, Duration.ofSeconds(15));
    assertThat(receiver.meter("state_broadcasts_missed_total")).isEqualTo(4.0);
    assertThat(receiver.meter("state_catchup_sweeps_total")).isGreaterThanOrEqualTo(2.0);
    assertThat(follower.changeVersions("lost/a")).containsExactly(1L, 3L);
    assertThat(follower.changeVersions("lost/b")).containsExactly(2L);
    assertThat(Files.readString(receiver.logFile())).contains("via: beacon");
    for (ServerProcess node : List.of(sender, receiver)) {
      assertThat(Files.readString(node.logFile()))
          .as("membership of %s", node)
          .doesNotContain("cluster membership changed, catching up [change: left");
    }

    // The repaired connection carries the next change as before, once.
    assertThat(writer.request("set", "key", "lost/a", "value", 4).getBoolean("ok")).isTrue();
    assertThat(follower.change("lost/a", 4).getLong("version")).isEqualTo(4);
    assertThat(follower.changeVersions("lost/a")).containsExactly(1L, 3L, 4L);
  }

  @Test
  void changesWhoseBroadcastIsStillBeingSwallowedReachSubscribersThroughTheDatabase()
      throws Exception {
    ServerProcess receiver = cluster.node(1);
    Pair pair = followingAcrossTheProxy("held");
    BlockingClient follower = pair.follower();
    BlockingClient writer = pair.writer();

    proxy.swallow();
    assertThat(writer.request("set", "key", "held/a", "value", 2).getBoolean("ok")).isTrue();
    assertThat(writer.request("set", "key", "held/a", "value", 3).getBoolean("ok")).isTrue();

    // The event-bus connection stays as it is, swallowing everything the sender sends: only the
    // broadcast number the sender records with its lease shows the receiver what it missed.
    JsonObject a = follower.change("held/a", 3);
    assertThat(a.getInteger("value")).isEqualTo(3);
    assertThat(follower.changeVersions("held/a")).containsExactly(1L, 3L);
    assertThat(receiver.meter("state_broadcasts_missed_total")).isEqualTo(2.0);
    assertThat(Files.readString(receiver.logFile())).contains("missed: 2, via: lease record");
    assertThat(proxy.accepted()).as("still the one swallowing connection").isEqualTo(1);

    // Broadcasts go on being lost: each lease renewal (every 3 s) shows a new gap, and the sweeps
    // they ask for are paced (at most one per 10 s), yet the last version still arrives.
    long last = 3;
    for (int i = 0; i < 15; i++) {
      last++;
      assertThat(writer.request("set", "key", "held/a", "value", last).getBoolean("ok")).isTrue();
      Thread.sleep(1_000);
    }
    assertThat(follower.change("held/a", last, Duration.ofSeconds(60)).getLong("version"))
        .isEqualTo(last);
    List<Long> versions = follower.changeVersions("held/a");
    assertThat(versions).isSorted().doesNotHaveDuplicates().endsWith(last);
    assertThat(Files.readString(receiver.logFile()))
        .as("a gap whose sweep waited for the interval")
        .containsPattern("via: lease record, since: \\d+, sweep in: [1-9]\\d* ms");
    assertThat(proxy.accepted()).isEqualTo(1);
  }

  private record Pair(BlockingClient follower, BlockingClient writer) {}

  /**
   * A follower on the receiving node subscribed to {@code <prefix>/#}, and a writer on the sending
   * node whose first change, {@code <prefix>/a} version 1, reached the follower through the proxy.
   */
  private Pair followingAcrossTheProxy(String prefix) {
    BlockingClient follower = connect(cluster.node(1), "follower");
    assertThat(follower.request("sub", "pattern", prefix + "/#").getBoolean("ok")).isTrue();
    BlockingClient writer = connect(cluster.node(0), "writer");
    assertThat(writer.request("set", "key", prefix + "/a", "value", 1).getBoolean("ok")).isTrue();
    assertThat(follower.change(prefix + "/a", 1).getLong("version")).isEqualTo(1);
    return new Pair(follower, writer);
  }

  private BlockingClient connect(ServerProcess node, String sub) {
    return BlockingClient.connect(vertx, node.port(), cluster.token(sub, "admin"));
  }
}
