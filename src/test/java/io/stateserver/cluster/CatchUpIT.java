package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A change committed without its broadcast reaching the other nodes (its node died between commit
 * and publish) still reaches their subscribers: a membership change makes every node re-read the
 * recently written rows. The test commits such changes behind the servers' backs, straight into the
 * shared database, then makes the membership change really happen ({@code kill -9} of a node, then
 * a new node joining).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CatchUpIT {
  private Vertx vertx;
  private TestCluster cluster;

  @BeforeEach
  void startCluster() throws Exception {
    vertx = Vertx.vertx();
    cluster = TestCluster.start(vertx, "catchup-it", 2, Map.of());
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
  void changesWhoseBroadcastNeverArrivedReachSubscribersOnceAMemberLeavesOrJoins()
      throws Exception {
    ServerProcess doomed = cluster.node(0);
    ServerProcess survivor = cluster.node(1);
    BlockingClient follower = connect(survivor, "follower");
    assertThat(follower.request("sub", "pattern", "missed/#").getBoolean("ok")).isTrue();
    BlockingClient writer = connect(doomed, "writer");
    assertThat(writer.request("set", "key", "missed/a", "value", 1).getBoolean("ok")).isTrue();
    assertThat(writer.request("set", "key", "missed/b", "value", 1).getBoolean("ok")).isTrue();
    assertThat(follower.change("missed/a", 1).getLong("version")).isEqualTo(1);
    assertThat(follower.change("missed/b", 1).getLong("version")).isEqualTo(1);

    commitUnannounced("missed/a", "2", 2);
    commitUnannounced("missed/b", null, 2);
    doomed.kill9();

    JsonObject a2 = follower.change("missed/a", 2);
    assertThat(a2.getLong("version")).isEqualTo(2);
    assertThat(a2.getInteger("value")).isEqualTo(2);
    JsonObject b2 = follower.change("missed/b", 2);
    assertThat(b2.getLong("version")).isEqualTo(2);
    assertThat(b2.getBoolean("deleted")).isTrue();

    // Both sweeps after the departure (at once and 5 s later) are done, so that only the join's
    // sweep can deliver version 3.
    survivor.awaitMeter("state_catchup_sweeps_total", 2, Duration.ofSeconds(60));
    commitUnannounced("missed/a", "3", 3);
    ServerProcess joined = cluster.addNode();

    assertThat(follower.change("missed/a", 3).getInteger("value")).isEqualTo(3);
    assertThat(survivor.meter("state_catchup_sweeps_total")).isGreaterThanOrEqualTo(3);
    // Each sweep runs twice and both membership changes re-read missed/a: still once per version.
    assertThat(follower.changeVersions("missed/a")).containsExactly(1L, 2L, 3L);
    assertThat(follower.changeVersions("missed/b")).containsExactly(1L, 2L);
    assertThat(survivor.meter("state_catchup_deliveries_total")).isEqualTo(3.0);
    // The node that joined got no membership event for the member it found: it sweeps once by
    // itself, for broadcasts sent before the others knew its consumer.
    joined.awaitMeter("state_catchup_sweeps_total", 1, Duration.ofSeconds(30));
  }

  /** What a node that dies between its commit and its broadcast leaves: a row nobody announced. */
  private void commitUnannounced(String key, String valueJson, long version) throws Exception {
    try (Connection c = DriverManager.getConnection(cluster.database().jdbcUrl());
        PreparedStatement update =
            c.prepareStatement(
                "UPDATE state_entry SET entry_value = ?, version = ?, deleted = ?,"
                    + " updated_at = ?, updated_by = ? WHERE entry_key = ? AND version = ?")) {
      update.setString(1, valueJson);
      update.setLong(2, version);
      update.setBoolean(3, valueJson == null);
      update.setLong(4, System.currentTimeMillis());
      update.setString(5, "writer");
      update.setString(6, key);
      update.setLong(7, version - 1);
      assertThat(update.executeUpdate()).as("row %s at version %d", key, version - 1).isEqualTo(1);
    }
  }

  private BlockingClient connect(ServerProcess node, String sub) {
    return BlockingClient.connect(vertx, node.port(), cluster.token(sub, "admin"));
  }
}
