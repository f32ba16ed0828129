package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.state.WriteCommand;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * On embedded H2 a write is acknowledged only after the database file was forced to the disk, so
 * that it survives a power loss or an OS crash, not only {@code kill -9}; one sync serves a whole
 * group commit. H2 runs on a file system that counts the syncs ({@link SyncCountingFiles}).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class H2DurableCommitIT {
  @TempDir Path tmp;

  private Database database;

  @AfterEach
  void close(VertxTestContext ctx) {
    (database == null ? Future.succeededFuture() : database.close())
        .onComplete(ctx.succeedingThenComplete());
  }

  private ServerConfig.Db countedH2(String user, String password) {
    return new ServerConfig.Db(
        SyncCountingFiles.urlPrefix() + tmp.resolve("db") + ";LOCK_TIMEOUT=20000",
        user,
        password,
        4,
        500);
  }

  private static WriteCommand.Set set(String key, String value) {
    return new WriteCommand.Set(key, value, null, false, null, "tester", "s0");
  }

  @Test
  void aWriteIsForcedToTheDiskBeforeItIsAcknowledged(Vertx vertx, VertxTestContext ctx) {
    Database.open(vertx, countedH2(null, null))
        .compose(
            db -> {
              database = db;
              StateStore store = new StateStore(vertx, db, 500, 65536);
              long before = SyncCountingFiles.forces();
              return store
                  .submit(set("durable/a", "1"))
                  .map(outcome -> SyncCountingFiles.forces() - before);
            })
        .onComplete(
            ctx.succeeding(
                forcedBeforeTheReply ->
                    ctx.verify(
                        () -> {
                          assertThat(forcedBeforeTheReply).isPositive();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aGroupCommitSyncsOncePerTransactionNotPerWrite(Vertx vertx, VertxTestContext ctx) {
    int writes = 300;
    Database.open(vertx, countedH2(null, null))
        .compose(
            db -> {
              database = db;
              StateStore store = new StateStore(vertx, db, 500, 65536);
              long forcesBefore = SyncCountingFiles.forces();
              long transactionsBefore = store.transactionsCommitted();
              List<Future<?>> all =
                  IntStream.range(0, writes)
                      .<Future<?>>mapToObj(i -> store.submit(set("batch/" + i, "" + i)))
                      .toList();
              return Future.all(all)
                  .map(
                      done ->
                          new long[] {
                            SyncCountingFiles.forces() - forcesBefore,
                            store.transactionsCommitted() - transactionsBefore
                          });
            })
        .onComplete(
            ctx.succeeding(
                counts ->
                    ctx.verify(
                        () -> {
                          long forces = counts[0];
                          long transactions = counts[1];
                          assertThat(transactions).isBetween(1L, (long) writes - 1);
                          assertThat(forces).isEqualTo(transactions);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aUserWithoutTheRightToSyncCannotOpenTheDatabase(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    ServerConfig.Db owner = countedH2(null, null);
    // The database is made and migrated by its owner, then shared with a user who is no admin.
    Database.open(vertx, owner)
        .compose(Database::close)
        .compose(
            closed ->
                vertx.executeBlocking(
                    () -> {
                      try (Connection c = DriverManager.getConnection(owner.url());
                          Statement s = c.createStatement()) {
                        s.execute("CREATE USER device PASSWORD 'pw'");
                        s.execute("GRANT ALL ON SCHEMA PUBLIC TO device");
                      }
                      return null;
                    }))
        .compose(v -> Database.open(vertx, countedH2("device", "pw")))
        .onComplete(
            ctx.failing(
                e ->
                    ctx.verify(
                        () -> {
                          assertThat(e).hasMessageContaining("cannot commit durably");
                          ctx.completeNow();
                        })));
  }
}
