package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node started under the id of a node that is running (two nodes given one {@code STATE_NODE_ID},
 * or a new instance started before the old one stopped) refuses to start, and leaves the running
 * node's sessions alone: a node ends the sessions an earlier run of its id left only once that
 * run's lease has run out unrenewed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NodeIdInUseIT {
  private static final long GRACE_MS = 1000;

  private static Vertx vertx;
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    cluster =
        TestCluster.start(
            vertx, "node-id-in-use", 1, Map.of("STATE_SESSION_GRACE_MS", Long.toString(GRACE_MS)));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecondProcessUnderARunningNodesIdRefusesToStartAndEndsNoSessionOfIt() throws Exception {
    String will = "devices/pi-dup/will";
    try (BlockingClient device =
        BlockingClient.connect(
            vertx, cluster.node(0).port(), cluster.token("pi-dup", "device", "admin"))) {
      JsonObject set = device.request("set", "key", will, "value", "alive", "ephemeral", true);
      assertThat(set.getBoolean("ok")).as("%s", set).isTrue();

      ServerProcess duplicate = cluster.launchUnderTheIdOf(0);
      try {
        assertThat(duplicate.waitFor(Duration.ofSeconds(90))).as("exit code").isNotZero();
        assertThat(duplicate.logContains("is in use")).as(duplicate.logTail()).isTrue();
      } finally {
        duplicate.close();
      }

      // well past the grace: the device's session lives on, and so does its ephemeral key
      Thread.sleep(GRACE_MS * 4);
      JsonObject entry = device.request("get", "key", will);
      assertThat(entry.getBoolean("ok")).as("%s", entry).isTrue();
      assertThat(entry.getBoolean("exists")).as("the will of a live session").isTrue();
      JsonObject presence = device.request("get", "key", "$sys/clients/pi-dup");
      assertThat(presence.getJsonObject("value").getBoolean("online")).isTrue();
    }
  }
}
