package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.Eventually;
import io.stateserver.support.SharedDatabase;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node id is new at every start, so each restart leaves a lease row behind. A running node
 * deletes the rows of nodes that stopped renewing long ago, but only once the sessions they left
 * connected have ended: the expiry sweep finds those through the row.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class DeadNodeLeaseIT {

  @Test
  void aRunningNodeDeletesDeadNodesLeaseRowsAfterEndingTheirSessions(Vertx vertx) throws Exception {
    try (SharedDatabase database = SharedDatabase.create();
        TestServer server = TestServer.start("--db.url=" + database.jdbcUrl(), "--nodeId=live")) {
      // three nodes that died in 1970; two left a session marked connected
      database.execute("INSERT INTO node_lease (node_id, lease_until) VALUES ('gone', 1000)");
      database.execute("INSERT INTO node_lease (node_id, lease_until) VALUES ('gone-busy', 1000)");
      database.execute(
          "INSERT INTO node_lease (node_id, lease_until) VALUES ('gone-waiting', 1000)");
      String session =
          "INSERT INTO client_session (id, client_id, node_id, connected, connected_at,"
              + " disconnected_at, lease_until, ended) VALUES (?, ?, ?, TRUE, 0, NULL, ?, FALSE)";
      try (Connection c = DriverManager.getConnection(database.jdbcUrl());
          var insert = c.prepareStatement(session)) {
        insert.setString(1, "left-behind");
        insert.setString(2, "pi-gone");
        insert.setString(3, "gone-busy");
        insert.setLong(4, 1000);
        insert.executeUpdate();
        // its own lease runs another hour, so the sweep cannot end it yet: the row must stay
        insert.setString(1, "not-yet-ended");
        insert.setString(2, "pi-waiting");
        insert.setString(3, "gone-waiting");
        insert.setLong(4, System.currentTimeMillis() + 3_600_000);
        insert.executeUpdate();
      }

      BlockingClient.await(
          Eventually.poll(
              vertx,
              () -> vertx.executeBlocking(() -> nodes(database)),
              n -> n.size() <= 2,
              25_000));
      // a few more renewals (every 3 s) prune again
      Thread.sleep(7_000);
      List<Object> nodes = nodes(database);

      assertThat(nodes).as("lease rows left").containsExactly("gone-waiting", "live");
      // the session was ended (and its last will run) before its node's row went, not skipped;
      // an ended session is kept for the grace period (30 s by default) before it is pruned
      List<Object> ended =
          database.column("SELECT ended FROM client_session WHERE id = 'left-behind'");
      assertThat(ended).as("session row").hasSize(1);
      assertThat(ended.get(0)).as("ended").isEqualTo(true);
    }
  }

  private static List<Object> nodes(SharedDatabase database) throws SQLException {
    return database.column("SELECT node_id FROM node_lease ORDER BY node_id");
  }
}
