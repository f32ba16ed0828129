package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.Eventually;
import io.stateserver.support.SharedDatabase;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A running node deletes tombstones past their retention, and a key written again afterwards goes
 * on above the versions its subscribers saw: nothing goes backwards, nothing is reused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class TombstonePurgeIT {

  @Test
  void aKeyWrittenAgainAfterItsTombstoneWentGoesOnAboveTheVersionsItsSubscribersSaw(Vertx vertx)
      throws Exception {
    try (SharedDatabase database = SharedDatabase.create();
        TestServer server =
            TestServer.start("--db.url=" + database.jdbcUrl(), "--db.tombstonePurgeEveryMs=1000");
        SyncClient writer = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      assertThat(writer.call("sub", "pattern", "old/#").getBoolean("ok")).isTrue();
      assertThat(writer.call("set", "key", "old/k", "value", 1).getLong("version")).isEqualTo(1);
      assertThat(writer.call("delete", "key", "old/k").getLong("version")).isEqualTo(2);
      assertThat(writer.change("old/k", 2).getBoolean("deleted")).isTrue();

      // the deletion is now older than the retention (a week by default)
      database.execute("UPDATE state_entry SET updated_at = 1000 WHERE entry_key = 'old/k'");
      BlockingClient.await(
          Eventually.poll(
              vertx, () -> vertx.executeBlocking(() -> rows(database)), n -> n == 0, 25_000));
      assertThat(rows(database)).as("the tombstone's row").isZero();

      // a client that held version 2 learns that the key is gone
      try (SyncClient returning = SyncClient.connect(vertx, server.port(), server.adminToken())) {
        JsonObject snapshot =
            returning.call("sub", "pattern", "old/#", "known", new JsonObject().put("old/k", 2));
        assertThat(snapshot.getJsonArray("entries")).isEmpty();
        assertThat(snapshot.getJsonArray("removed")).isEqualTo(new JsonArray().add("old/k"));
      }

      assertThat(writer.call("get", "key", "old/k").getLong("version")).isZero();
      assertThat(writer.call("set", "key", "old/k", "value", 3).getLong("version")).isEqualTo(3);
      JsonObject change = writer.change("old/k", 3);
      assertThat(change.getLong("version")).isEqualTo(3);
      assertThat(change.getInteger("value")).isEqualTo(3);
      assertThat(writer.changes("old/k"))
          .extracting(c -> c.getLong("version"))
          .containsExactly(1L, 2L, 3L);
    }
  }

  private static int rows(SharedDatabase database) throws SQLException {
    return database.column("SELECT entry_key FROM state_entry WHERE entry_key = 'old/k'").size();
  }
}
