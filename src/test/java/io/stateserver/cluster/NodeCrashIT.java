package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.LoadWriter;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
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
 * {@code kill -9} of one node of three while clients on two nodes write: no acknowledged write is
 * lost, the killed node's clients carry on elsewhere, and its sessions end on the survivors.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NodeCrashIT {
  private static final Logger log = LoggerFactory.getLogger(NodeCrashIT.class);
  private static final int KEYS_PER_WRITER = 25;
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private Vertx vertx;
  private TestCluster cluster;

  @BeforeEach
  void startCluster() throws Exception {
    vertx = Vertx.vertx();
    // A short grace so that the killed node's sessions end within seconds (lease + grace).
    cluster = TestCluster.start(vertx, "crash-it", 3, Map.of("STATE_SESSION_GRACE_MS", "2000"));
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void killedNodeUnderWriteLoadLosesNoAcknowledgedWriteAndItsClientsResumeElsewhere()
      throws Exception {
    ServerProcess nodeA = cluster.node(0);
    ServerProcess nodeB = cluster.node(1);
    ServerProcess nodeC = cluster.node(2);

    BlockingClient follower = connect(nodeB, "follower");
    assertThat(follower.request("sub", "pattern", "load/#").getBoolean("ok")).isTrue();
    BlockingClient ghost = connect(nodeB, "ghost");
    JsonObject will =
        ghost.request("set", "key", "ghost/will", "value", "alive", "ephemeral", true);
    assertThat(will.getBoolean("ok")).as("%s", will).isTrue();
    long willVersion = will.getLong("version");
    long[] killedAtMillis = new long[1];
    BlockingClient watcher = connect(nodeA, "watcher");
    assertThat(watcher.request("sub", "pattern", "ghost/#").getBoolean("ok")).isTrue();
    assertThat(watcher.request("sub", "pattern", "$sys/clients/ghost").getBoolean("ok")).isTrue();

    LoadWriter writerA =
        new LoadWriter(
            vertx, "a", cluster.token("writer-a", "admin"), List.of(nodeA), KEYS_PER_WRITER);
    LoadWriter writerB =
        new LoadWriter(
            vertx, "b", cluster.token("writer-b", "admin"), List.of(nodeB, nodeC), KEYS_PER_WRITER);
    writerA.start();
    writerB.start();
    try {
      awaitCondition("200 acks per writer", () -> writerA.acks() >= 200 && writerB.acks() >= 200);

      int acksOfABeforeKill = writerA.acks();
      long killedAt = System.nanoTime();
      killedAtMillis[0] = System.currentTimeMillis();
      nodeB.kill9();
      assertThat(nodeB.waitFor(Duration.ofSeconds(10))).isNotZero();
      log.info("node killed under load [acks a: {}, acks b: {}]", writerA.acks(), writerB.acks());
      follower.awaitClosed();
      log.info(
          "clients of the killed node saw their connection close [after: {} ms]",
          (System.nanoTime() - killedAt) / 1_000_000);

      awaitCondition("writer b acked on node c", () -> writerB.acksOn(nodeC) >= 100);
      awaitCondition("writer a goes on", () -> writerA.acks() >= acksOfABeforeKill + 100);
      log.info(
          "after kill [writer b first ack on the other node: {} ms, writer a longest ack gap: {}"
              + " ms]",
          (writerB.firstAckOnFallbackNanos() - killedAt) / 1_000_000,
          writerA.longestGapMillis());

      Map<String, Long> known = versionsSeen(follower.frames());
      assertThat(known).isNotEmpty();
      Map<String, LoadWriter.Ack> ackedBeforeResume = writerA.latestAcks();
      ackedBeforeResume.putAll(writerB.latestAcks());
      BlockingClient resumed = connect(nodeC, "follower");
      assertThat(resumed.hello().getString("node")).isEqualTo(TestCluster.nodeName(2));
      JsonObject resume =
          resumed.request(
              "sub", "pattern", "load/#", "known", new JsonObject(new HashMap<>(known)));
      assertThat(resume.getBoolean("ok")).as("%s", resume).isTrue();
      assertThat(resume.getJsonArray("removed")).isEmpty();
      Map<String, Long> resumedAt = new HashMap<>(known);
      for (JsonObject chunk : resumed.repliesToLastRequest()) {
        for (Object e : chunk.getJsonArray("entries")) {
          JsonObject entry = (JsonObject) e;
          String key = entry.getString("key");
          assertThat(entry.getLong("version"))
              .as("resumed entry %s is newer than known", key)
              .isGreaterThan(known.getOrDefault(key, 0L));
          resumedAt.put(key, entry.getLong("version"));
        }
      }
      ackedBeforeResume.forEach(
          (key, ack) ->
              assertThat(resumedAt.getOrDefault(key, 0L))
                  .as("resumed state of %s covers the acknowledged write", key)
                  .isGreaterThanOrEqualTo(ack.version()));

      // Changes keep flowing to the resumed subscription, never below what it already holds.
      LoadWriter.Ack before = writerA.last();
      awaitCondition(
          "writer a acks " + before.key() + " again",
          () -> writerA.latestAcks().get(before.key()).version() > before.version());
      LoadWriter.Ack laterWrite = writerA.latestAcks().get(before.key());
      resumed.change(laterWrite.key(), laterWrite.version());
      for (JsonObject change : resumed.frames()) {
        if ("change".equals(change.getString("type"))) {
          String key = change.getString("key");
          assertThat(change.getLong("version"))
              .as("change of %s after resume", key)
              .isGreaterThan(resumedAt.getOrDefault(key, 0L));
          resumedAt.put(key, change.getLong("version"));
        }
      }
    } finally {
      writerA.stop();
      writerB.stop();
    }
    assertThat(writerA.errors()).as("unexpected failures of writer a").isEmpty();
    assertThat(writerB.errors()).as("unexpected failures of writer b").isEmpty();

    for (ServerProcess survivor : List.of(nodeA, nodeC)) {
      Map<String, JsonObject> stored = listAll(connect(survivor, "auditor"), "load/#");
      for (LoadWriter writer : List.of(writerA, writerB)) {
        writer
            .latestAcks()
            .forEach(
                (key, ack) -> {
                  JsonObject entry = stored.get(key);
                  assertThat(entry).as("%s on %s", key, survivor).isNotNull();
                  assertThat(entry.getLong("version")).isGreaterThanOrEqualTo(ack.version());
                  assertThat(entry.getJsonObject("value").getLong("seq"))
                      .isGreaterThanOrEqualTo(ack.seq());
                });
      }
    }
    log.info(
        "acknowledged writes checked [writer a: {}, writer b: {}]", writerA.acks(), writerB.acks());

    // The killed node's sessions end on the survivors: the last will is a broadcast deletion and
    // the presence turns offline.
    JsonObject lastWill = watcher.change("ghost/will", willVersion + 1);
    assertThat(lastWill.getBoolean("deleted")).isTrue();
    awaitCondition(
        "ghost offline",
        () ->
            watcher.frames().stream()
                .anyMatch(
                    f ->
                        "$sys/clients/ghost".equals(f.getString("key"))
                            && f.getJsonObject("value") != null
                            && !f.getJsonObject("value").getBoolean("online")));
    log.info(
        "killed node's session ended [last will deleted after: {} ms]",
        lastWill.getLong("ts") - killedAtMillis[0]);
  }

  private BlockingClient connect(ServerProcess node, String sub) {
    return BlockingClient.connect(vertx, node.port(), cluster.token(sub, "admin"));
  }

  private static Map<String, Long> versionsSeen(List<JsonObject> frames) {
    Map<String, Long> versions = new HashMap<>();
    for (JsonObject frame : frames) {
      if ("reply".equals(frame.getString("type")) && frame.containsKey("entries")) {
        for (Object e : frame.getJsonArray("entries")) {
          JsonObject entry = (JsonObject) e;
          versions.merge(entry.getString("key"), entry.getLong("version"), Math::max);
        }
      } else if ("change".equals(frame.getString("type"))) {
        versions.merge(frame.getString("key"), frame.getLong("version"), Math::max);
      }
    }
    return versions;
  }

  private static Map<String, JsonObject> listAll(BlockingClient client, String pattern) {
    Map<String, JsonObject> entries = new HashMap<>();
    String after = null;
    do {
      JsonObject reply =
          after == null
              ? client.request("list", "pattern", pattern)
              : client.request("list", "pattern", pattern, "after", after);
      assertThat(reply.getBoolean("ok")).as("%s", reply).isTrue();
      JsonArray page = reply.getJsonArray("entries");
      page.forEach(e -> entries.put(((JsonObject) e).getString("key"), (JsonObject) e));
      after = reply.getString("next");
    } while (after != null);
    return entries;
  }

  private static void awaitCondition(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + DEADLINE + ": " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
