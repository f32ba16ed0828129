package io.stateserver.cluster;

import static io.stateserver.cluster.SplitChecks.MEMBER_LEFT;
import static io.stateserver.cluster.SplitChecks.MERGED;
import static io.stateserver.cluster.SplitChecks.assertNoBroadcastLostSince;
import static io.stateserver.cluster.SplitChecks.assertVersionsOnlyRose;
import static io.stateserver.cluster.SplitChecks.awaitEither;
import static io.stateserver.cluster.SplitChecks.eitherLogged;
import static io.stateserver.cluster.SplitChecks.fastMergeConfig;
import static io.stateserver.cluster.SplitChecks.logMarks;
import static io.stateserver.cluster.SplitChecks.settledMissedBroadcasts;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
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
 * A real split of the cluster, made by freezing one node ({@code SIGSTOP}) for longer than
 * Hazelcast waits for a heartbeat, as a long GC pause or a suspended VM would. The other node drops
 * it; thawed, the frozen node is told it was dropped and forms a cluster of its own, and Hazelcast
 * later merges the two. Both sides share the database throughout, as in production.
 *
 * <p>The nodes run the shipped Hazelcast configuration with its merge checks brought forward to
 * every 5 s ({@link SplitChecks#fastMergeConfig}). {@link PartitionIT} splits a cluster whose two
 * sides both keep running.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FrozenNodeIT {
  private static final Logger log = LoggerFactory.getLogger(FrozenNodeIT.class);
  private static final Duration MEMBERSHIP = Duration.ofSeconds(60);
  private static final Duration MERGE = Duration.ofSeconds(90);

  private Vertx vertx;
  private TestCluster cluster;

  @BeforeEach
  void startCluster() throws Exception {
    vertx = Vertx.vertx();
    cluster =
        TestCluster.start(
            vertx,
            "frozen-node-it",
            2,
            Map.of("STATE_CLUSTER_CONFIG", fastMergeConfig("frozen-node").toString()));
    // Each node's own sweep after its start is over before the test begins.
    for (ServerProcess node : cluster.nodes()) {
      node.awaitMeter("state_catchup_sweeps_total", 1, Duration.ofSeconds(30));
    }
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      // SIGKILL ends a frozen process too.
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFrozenNodesSubscribersGetWhatWasWrittenMeanwhileAndChangesCrossAgainAfterTheMerge()
      throws Exception {
    ServerProcess live = cluster.node(0);
    ServerProcess frozen = cluster.node(1);
    BlockingClient writer = connect(live, "writer");
    BlockingClient onLive = subscribed(live, "watcher-live");
    BlockingClient onFrozen = subscribed(frozen, "watcher-frozen");
    BlockingClient writerOnFrozen = connect(frozen, "writer-frozen");
    assertOk(writer.request("set", "key", "split/a", "value", 1));
    assertThat(onFrozen.change("split/a", 1).getInteger("value")).isEqualTo(1);

    List<ServerProcess> both = List.of(live, frozen);
    long[] marks = logMarks(both);
    frozen.freeze();
    Instant frozenAt = Instant.now();
    try {
      live.awaitLogLine(MEMBER_LEFT, marks[0], MEMBERSHIP);
      log.info(
          "frozen node dropped from the cluster [after: {} ms]",
          Duration.between(frozenAt, Instant.now()).toMillis());
      assertOk(writer.request("set", "key", "split/a", "value", 2));
      assertOk(writer.request("set", "key", "split/a", "value", 3));
      assertOk(writer.request("set", "key", "split/b", "value", "x"));
      assertOk(writer.request("delete", "key", "split/b"));
      assertThat(onLive.change("split/a", 3).getInteger("value")).isEqualTo(3);
    } finally {
      frozen.thaw();
    }
    Instant thawedAt = Instant.now();

    // What was written while it was frozen reaches its subscriber, whose connection stayed open.
    assertThat(onFrozen.change("split/a", 3).getInteger("value")).isEqualTo(3);
    assertThat(onFrozen.change("split/b", 2).getBoolean("deleted")).isTrue();
    log.info(
        "frozen node's subscriber caught up [after thaw: {} ms]",
        Duration.between(thawedAt, Instant.now()).toMillis());

    // Thawed, it is told it was dropped and goes on as a cluster of its own. What is written
    // there reaches the other side too: the event-bus connections outlived the freeze and may
    // still carry it, else the database does (PartitionIT cuts them).
    frozen.awaitLogLine(MEMBER_LEFT, marks[1], MEMBERSHIP);
    assertOk(writerOnFrozen.request("set", "key", "split/d", "value", "while-split"));
    boolean mergedBeforeWrite = eitherLogged(both, marks, MERGED);
    assertThat(onLive.change("split/d", 1).getString("value")).isEqualTo("while-split");
    log.info(
        "write on the thawed node reached the other [merged before the write: {}, after thaw: {}"
            + " ms]",
        mergedBeforeWrite,
        Duration.between(thawedAt, Instant.now()).toMillis());

    // The two one-member clusters merge; the one that gave way says so.
    awaitEither(both, marks, MERGED, MERGE);
    log.info(
        "clusters merged [after thaw: {} ms]",
        Duration.between(thawedAt, Instant.now()).toMillis());

    // After the merge, changes cross between the nodes in both directions, over the event bus:
    // once the lost-broadcast meters have settled, the writes below must not move them.
    assertOk(writerOnFrozen.request("set", "key", "split/probe", "value", 1));
    assertThat(onLive.change("split/probe", 1).getInteger("value")).isEqualTo(1);
    assertOk(writer.request("set", "key", "split/probe", "value", 2));
    assertThat(onFrozen.change("split/probe", 2).getInteger("value")).isEqualTo(2);
    double[] missed = settledMissedBroadcasts(live, frozen);

    assertOk(writerOnFrozen.request("set", "key", "split/c", "value", "from-frozen"));
    assertOk(writer.request("set", "key", "split/a", "value", 4));
    assertThat(onLive.change("split/c", 1).getString("value")).isEqualTo("from-frozen");
    assertThat(onFrozen.change("split/a", 4).getInteger("value")).isEqualTo(4);
    assertNoBroadcastLostSince(live, frozen, missed);

    assertVersionsOnlyRose(
        List.of(onLive, onFrozen),
        List.of("split/a", "split/b", "split/c", "split/d", "split/probe"));
    assertThat(onFrozen.changeVersions("split/a")).last().isEqualTo(4L);
  }

  private BlockingClient subscribed(ServerProcess node, String sub) {
    BlockingClient client = connect(node, sub);
    assertOk(client.request("sub", "pattern", "split/#"));
    return client;
  }

  private BlockingClient connect(ServerProcess node, String sub) {
    return BlockingClient.connect(vertx, node.port(), cluster.token(sub, "admin"));
  }

  private static void assertOk(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).as("%s", reply).isTrue();
  }
}
