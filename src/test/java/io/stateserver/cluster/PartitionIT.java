package io.stateserver.cluster;

import static io.stateserver.cluster.SplitChecks.MEMBER_LEFT;
import static io.stateserver.cluster.SplitChecks.MERGED;
import static io.stateserver.cluster.SplitChecks.assertNoBroadcastLostSince;
import static io.stateserver.cluster.SplitChecks.assertVersionsOnlyRose;
import static io.stateserver.cluster.SplitChecks.awaitEither;
import static io.stateserver.cluster.SplitChecks.awaitSweepsAfterLeaving;
import static io.stateserver.cluster.SplitChecks.eitherLogged;
import static io.stateserver.cluster.SplitChecks.fastMergeConfig;
import static io.stateserver.cluster.SplitChecks.logMarks;
import static io.stateserver.cluster.SplitChecks.settledMissedBroadcasts;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.security.TokenIssuer;
import io.stateserver.support.BlockingClient;
import io.stateserver.support.FreePorts;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.SharedDatabase;
import io.stateserver.support.TcpProxy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network partition between two running nodes that share the database, then its healing.
 *
 * <p>Every connection between the nodes runs through a {@link TcpProxy}: each node advertises a
 * proxy in front of its Hazelcast port ({@code STATE_CLUSTER_PUBLIC_PORT}) and of its event-bus
 * port ({@code STATE_CLUSTER_BUS_PUBLIC_PORT}). Partitioning the proxies closes those connections
 * and refuses new ones, so each node goes on serving its own clients as a cluster of its own, while
 * both still reach the database. Healing them lets Hazelcast merge the two (its merge checks
 * brought forward to every 5 s, {@link SplitChecks#fastMergeConfig}).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PartitionIT {
  private static final Logger log = LoggerFactory.getLogger(PartitionIT.class);
  private static final String SECRET = "partition-it-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
  private static final Duration MEMBERSHIP = Duration.ofSeconds(60);
  private static final Duration MERGE = Duration.ofSeconds(90);

  /** Through the database only: a gap in the lease records shows within 9-15 s, then a sweep. */
  private static final Duration ACROSS_THE_SPLIT = Duration.ofSeconds(60);

  private Vertx vertx;
  private SharedDatabase database;
  private TokenIssuer issuer;
  private final List<TcpProxy> proxies = new ArrayList<>();
  private final List<ServerProcess> nodes = new ArrayList<>();

  @BeforeEach
  void startBehindProxies() throws Exception {
    vertx = Vertx.vertx();
    database = SharedDatabase.create();
    issuer = new TokenIssuer(vertx, new ServerConfig.Jwt(SECRET, List.of(), null, null, 30));
    Path config = fastMergeConfig("partition");
    int[] memberPorts = {FreePorts.find(), FreePorts.find()};
    int[] memberProxies = {FreePorts.find(), FreePorts.find()};
    String members = "127.0.0.1:" + memberProxies[0] + ",127.0.0.1:" + memberProxies[1];
    for (int i = 0; i < 2; i++) {
      int busPort = FreePorts.find();
      int busProxy = FreePorts.find();
      proxies.add(TcpProxy.start(vertx, memberProxies[i], memberPorts[i]));
      proxies.add(TcpProxy.start(vertx, busProxy, busPort));
      Map<String, String> env = new HashMap<>();
      env.put("STATE_CLUSTER", "true");
      env.put("STATE_CLUSTER_CONFIG", config.toString());
      env.put("STATE_CLUSTER_PORT", Integer.toString(memberPorts[i]));
      env.put("STATE_CLUSTER_PUBLIC_PORT", Integer.toString(memberProxies[i]));
      env.put("STATE_CLUSTER_MEMBERS", members);
      env.put("STATE_CLUSTER_BUS_PORT", Integer.toString(busPort));
      env.put("STATE_CLUSTER_BUS_PUBLIC_PORT", Integer.toString(busProxy));
      env.put("STATE_DB_URL", database.jdbcUrl());
      env.put("STATE_JWT_SECRET", SECRET);
      env.put("STATE_NODE_ID", "p" + i);
      // the first node starts alone, so that the second joins its cluster
      nodes.add(ServerProcess.start("partition-it-p" + i, env));
    }
    nodes.get(0).awaitLogLine("change: joined", MEMBERSHIP);
    for (ServerProcess node : nodes) {
      node.awaitMeter("state_catchup_sweeps_total", 1, Duration.ofSeconds(30));
    }
  }

  @AfterEach
  void stop() throws Exception {
    nodes.forEach(ServerProcess::close);
    proxies.forEach(TcpProxy::close);
    if (database != null) {
      database.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void bothSidesOfAPartitionServeAndSeeEachOthersWritesAndAfterTheMergeChangesCrossAgain()
      throws Exception {
    ServerProcess east = nodes.get(0);
    ServerProcess west = nodes.get(1);
    BlockingClient eastWriter = connect(east, "east-writer");
    BlockingClient westWriter = connect(west, "west-writer");
    BlockingClient onEast = subscribed(east, "east-watcher");
    BlockingClient onWest = subscribed(west, "west-watcher");
    assertOk(eastWriter.request("set", "key", "part/e", "value", 1));
    assertOk(westWriter.request("set", "key", "part/w", "value", 1));
    assertThat(onWest.change("part/e", 1).getInteger("value")).isEqualTo(1);
    assertThat(onEast.change("part/w", 1).getInteger("value")).isEqualTo(1);
    assertThat(proxies.stream().mapToInt(TcpProxy::accepted).sum())
        .as("the nodes talk through the proxies")
        .isGreaterThanOrEqualTo(3);

    long[] marks = logMarks(nodes);
    proxies.forEach(TcpProxy::partition);
    Instant partitionedAt = Instant.now();
    east.awaitLogLine(MEMBER_LEFT, marks[0], MEMBERSHIP);
    west.awaitLogLine(MEMBER_LEFT, marks[1], MEMBERSHIP);
    log.info(
        "each side dropped the other [after: {} ms]",
        Duration.between(partitionedAt, Instant.now()).toMillis());
    // The re-reads that follow a member leaving are over: the writes below can reach the other
    // side only through the lease records.
    awaitSweepsAfterLeaving(east, marks[0], MEMBERSHIP);
    awaitSweepsAfterLeaving(west, marks[1], MEMBERSHIP);

    // Both sides serve their clients; versions still come from the one database.
    assertOk(eastWriter.request("set", "key", "part/e", "value", 2));
    assertOk(westWriter.request("set", "key", "part/w", "value", 2));
    assertOk(eastWriter.request("set", "key", "part/both", "value", "east"));
    JsonObject second = westWriter.request("set", "key", "part/both", "value", "west");
    assertOk(second);
    assertThat(second.getLong("version")).as("versions of one key across the split").isEqualTo(2);
    Instant writtenAt = Instant.now();
    assertThat(onWest.change("part/e", 2, ACROSS_THE_SPLIT).getInteger("value")).isEqualTo(2);
    assertThat(onEast.change("part/w", 2, ACROSS_THE_SPLIT).getInteger("value")).isEqualTo(2);
    assertThat(onEast.change("part/both", 2, ACROSS_THE_SPLIT).getString("value"))
        .isEqualTo("west");
    assertThat(onWest.change("part/both", 2, ACROSS_THE_SPLIT).getString("value"))
        .isEqualTo("west");
    log.info(
        "writes crossed the partition through the database [after: {} ms]",
        Duration.between(writtenAt, Instant.now()).toMillis());
    assertThat(eitherLogged(nodes, marks, MERGED)).as("still partitioned").isFalse();

    proxies.forEach(TcpProxy::heal);
    Instant healedAt = Instant.now();
    awaitEither(nodes, marks, MERGED, MERGE);
    log.info(
        "sides merged [after healing: {} ms]",
        Duration.between(healedAt, Instant.now()).toMillis());

    // After the merge, changes cross over the event bus again: once the lost-broadcast meters
    // have settled, these writes must not move them.
    assertOk(eastWriter.request("set", "key", "part/probe", "value", 1));
    assertThat(onWest.change("part/probe", 1).getInteger("value")).isEqualTo(1);
    assertOk(westWriter.request("set", "key", "part/probe", "value", 2));
    assertThat(onEast.change("part/probe", 2).getInteger("value")).isEqualTo(2);
    double[] missed = settledMissedBroadcasts(east, west);
    assertOk(eastWriter.request("set", "key", "part/e", "value", 3));
    assertOk(westWriter.request("set", "key", "part/w", "value", 3));
    assertThat(onWest.change("part/e", 3).getInteger("value")).isEqualTo(3);
    assertThat(onEast.change("part/w", 3).getInteger("value")).isEqualTo(3);
    assertNoBroadcastLostSince(east, west, missed);

    assertVersionsOnlyRose(
        List.of(onEast, onWest), List.of("part/e", "part/w", "part/both", "part/probe"));
  }

  private BlockingClient subscribed(ServerProcess node, String sub) {
    BlockingClient client = connect(node, sub);
    assertOk(client.request("sub", "pattern", "part/#"));
    return client;
  }

  private BlockingClient connect(ServerProcess node, String sub) {
    return BlockingClient.connect(vertx, node.port(), issuer.issue(sub, List.of("admin"), 3600));
  }

  private static void assertOk(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).as("%s", reply).isTrue();
  }
}
