package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer connection after its database session was ended from the outside (as an outage or a
 * failover ends it), on an in-memory H2 database: H2's {@code ABORT_SESSION} closes it the way a
 * server that went away does.
 */
class WriterConnectionTest {
  private Vertx vertx;
  private ScratchDatabase database;

  @BeforeEach
  void open() throws SQLException {
    vertx = Vertx.vertx();
    database = new ScratchDatabase("CREATE TABLE t (id INT)");
  }

  @AfterEach
  void close() throws Exception {
    database.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anIdleConnectionThatBrokeIsReplacedBeforeTheNextTaskRunsOnIt() throws Exception {
    // every connection counts as idle, so every task checks it first
    WriterConnection writer = new WriterConnection(vertx, database.opener(), Optional.empty(), 0);
    int before = await(writer.inTransaction(WriterConnectionTest::sessionId));

    try (Statement s = database.admin.createStatement()) {
      s.execute("CALL ABORT_SESSION(" + before + ")");
    }

    int after =
        await(
            writer.inTransaction(
                c -> {
                  try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO t VALUES (1)");
                  }
                  c.commit();
                  return sessionId(c);
                }));
    assertThat(after).as("a new session").isNotEqualTo(before);
    assertThat(database.rows("t")).as("the write after the break committed").isEqualTo(1);
    await(writer.close());
  }

  private static int sessionId(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT SESSION_ID()")) {
      rows.next();
      int id = rows.getInt(1);
      c.commit();
      return id;
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
