package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedDatabase;
import io.stateserver.support.TestServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
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
  void aRunningNodeDeletesDeadNodesLeaseRowsAfterEndingTheirSessions() throws Exception {
    try (SharedDatabase database = SharedDatabase.create();
        TestServer server = TestServer.start("--db.url=" + database.jdbcUrl(), "--nodeId=live")) {
      try (Connection c = DriverManager.getConnection(database.jdbcUrl());
          Statement s = c.createStatement()) {
        // three nodes that died in 1970; two left a session marked connected
        s.execute("INSERT INTO node_lease (node_id, lease_until) VALUES ('gone', 1000)");
        s.execute("INSERT INTO node_lease (node_id, lease_until) VALUES ('gone-busy', 1000)");
        s.execute("INSERT INTO node_lease (node_id, lease_until) VALUES ('gone-waiting', 1000)");
        String session =
            "INSERT INTO client_session (id, client_id, node_id, connected, connected_at,"
                + " disconnected_at, lease_until, ended) VALUES (?, ?, ?, TRUE, 0, NULL, ?, FALSE)";
        try (var insert = c.prepareStatement(session)) {
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
      }

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<String> nodes = nodes(database);
      while (nodes.size() > 2 && System.nanoTime() < deadline) {
        Thread.sleep(200);
        nodes = nodes(database);
      }
      // a few more renewals (every 3 s) prune again
      Thread.sleep(7_000);
      nodes = nodes(database);

      assertThat(nodes).as("lease rows left").containsExactly("gone-waiting", "live");
      // the session was ended (and its last will run) before its node's row went, not skipped
      try (Connection c = DriverManager.getConnection(database.jdbcUrl());
          Statement s = c.createStatement();
          ResultSet rows =
              s.executeQuery("SELECT ended FROM client_session WHERE id = 'left-behind'")) {
        // an ended session is kept for the grace period (30 s by default) before it is pruned
        assertThat(rows.next()).as("session row").isTrue();
        assertThat(rows.getBoolean(1)).as("ended").isTrue();
      }
    }
  }

  private static List<String> nodes(SharedDatabase database) throws SQLException {
    List<String> nodes = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(database.jdbcUrl());
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT node_id FROM node_lease ORDER BY node_id")) {
      while (rows.next()) {
        nodes.add(rows.getString(1));
      }
    }
    return nodes;
  }
}
