package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.security.ClientService;
import io.stateserver.security.RevocationStore;
import io.stateserver.security.SecretHasher;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
    SyncCountingFiles.failOneForceAfter(-1);
    (database == null ? Future.succeededFuture() : database.close())
        .onComplete(ctx.succeedingThenComplete());
  }

  /** With the options of the default embedded database, as the server runs it. */
  private ServerConfig.Db countedH2() {
    return countedH2(ConfigLoader.H2_OPTIONS, null, null);
  }

  private ServerConfig.Db countedH2(String options, String user, String password) {
    return new ServerConfig.Db(
        SyncCountingFiles.urlPrefix() + tmp.resolve("db") + options,
        user,
        password,
        4,
        500,
        0,
        3_600_000,
        30_000);
  }

  /** A state store on a new database on the counting file system, opened by its owner. */
  private Future<StateStore> openStore(Vertx vertx) {
    return Database.open(vertx, countedH2())
        .map(
            db -> {
              database = db;
              return new StateStore(vertx, db, 500, 65536);
            });
  }

  private static WriteCommand.Set set(String key, String value) {
    return new WriteCommand.Set(key, value, null, false, null, "tester", "s0");
  }

  @Test
  void aWriteIsForcedToTheDiskBeforeItIsAcknowledged(Vertx vertx, VertxTestContext ctx) {
    openStore(vertx)
        .compose(
            store -> {
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
                          assertThat(forcedBeforeTheReply).isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aGroupCommitSyncsOncePerTransactionNotPerWrite(Vertx vertx, VertxTestContext ctx) {
    int writes = 300;
    openStore(vertx)
        .compose(
            store -> {
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

  /** The commit happened; only the disk's confirmation is missing. */
  @Test
  void aWriteWhoseSyncFailedIsCommittedOnceAndNotAcknowledged(Vertx vertx, VertxTestContext ctx) {
    openStore(vertx)
        .compose(
            store -> {
              SyncCountingFiles.failOneForceAfter(0);
              return store
                  .submit(set("durable/unsynced", "1"))
                  .compose(
                      unsynced ->
                          store
                              .submit(set("durable/unsynced", "2"))
                              .map(next -> List.of(unsynced, next)));
            })
        .onComplete(
            ctx.succeeding(
                outcomes ->
                    ctx.verify(
                        () -> {
                          assertThat(outcomes.get(0).succeeded()).isFalse();
                          assertThat(outcomes.get(0).error().code())
                              .isEqualTo(ErrorCode.UNAVAILABLE);
                          // committed once, not retried: the next write makes version 2
                          assertThat(outcomes.get(1).succeeded()).isTrue();
                          assertThat(outcomes.get(1).entry().version()).isEqualTo(2);
                          ctx.completeNow();
                        })));
  }

  /**
   * Session statements are group-committed too, and a failed batch is normally split and run again
   * statement by statement; not when only its sync failed, because it committed.
   */
  @Test
  void aSessionBatchWhoseSyncFailedIsNotRunAgain(Vertx vertx, VertxTestContext ctx) {
    String insert = "INSERT INTO node_lease (node_id, lease_until) VALUES (?, ?)";
    openStore(vertx)
        .compose(
            store -> {
              StatementBatcher batcher = database.batcher();
              // The first statement takes the writer; the next two queue behind it and are
              // committed together, and that batch's sync fails.
              SyncCountingFiles.failOneForceAfter(1);
              Future<Integer> first = batcher.submit(insert, "node-a", 1L);
              Future<Integer> second = batcher.submit(insert, "node-b", 1L);
              Future<Integer> third = batcher.submit(insert, "node-c", 1L);
              return Future.join(first, second, third)
                  .transform(done -> Future.succeededFuture(List.of(first, second, third)));
            })
        .compose(
            results ->
                database
                    .pool()
                    .query("SELECT COUNT(*) FROM node_lease WHERE node_id LIKE 'node-_'")
                    .execute()
                    .map(rows -> Map.entry(results, rows.iterator().next().getLong(0))))
        .onComplete(
            ctx.succeeding(
                outcome ->
                    ctx.verify(
                        () -> {
                          List<Future<Integer>> results = outcome.getKey();
                          assertThat(results.get(0).succeeded()).isTrue();
                          for (Future<Integer> unsynced : results.subList(1, 3)) {
                            assertThat(unsynced.failed()).isTrue();
                            // run again, an insert would fail with a unique violation (23505)
                            assertThat(Rows.sqlState(unsynced.cause()))
                                .isEqualTo(WriterConnection.SYNC_FAILED);
                          }
                          assertThat(outcome.getValue()).isEqualTo(3L);
                          ctx.completeNow();
                        })));
  }

  /**
   * Registry changes commit through the pool, not the writer connection; they are synced before the
   * reply too, so that a disabled client or a revoked token stays so after a power loss.
   */
  @Test
  void registryChangesAreOnTheDiskBeforeTheirReplies(Vertx vertx, VertxTestContext ctx) {
    List<Long> forcedBeforeEachReply = new ArrayList<>();
    openStore(vertx)
        .compose(
            store -> {
              ClientService clients =
                  new ClientService(
                      vertx,
                      database,
                      new SecretHasher(),
                      Map.of("device", new ServerConfig.RoleRules(List.of("#"), List.of("#"))));
              return counted(() -> clients.register("pi-1", List.of("device")))
                  .map(forcedBeforeEachReply::add)
                  .compose(v -> counted(() -> clients.setEnabled("pi-1", false)))
                  .map(forcedBeforeEachReply::add)
                  .compose(v -> counted(() -> clients.rotateSecret("pi-1")))
                  .map(forcedBeforeEachReply::add)
                  .compose(v -> counted(() -> clients.revoke("jti-1", RevocationStore.NEVER)))
                  .map(forcedBeforeEachReply::add);
            })
        .onComplete(
            ctx.succeeding(
                done ->
                    ctx.verify(
                        () -> {
                          assertThat(forcedBeforeEachReply).hasSize(4).allMatch(n -> n >= 1);
                          ctx.completeNow();
                        })));
  }

  /** How many syncs happened between starting {@code operation} and its completion. */
  private static Future<Long> counted(Supplier<Future<?>> operation) {
    long before = SyncCountingFiles.forces();
    return operation.get().map(result -> SyncCountingFiles.forces() - before);
  }

  @Test
  void aUserWithoutTheRightToSyncCannotOpenTheDatabase(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    // Without the default options: setting WRITE_DELAY needs the admin right as well.
    ServerConfig.Db owner = countedH2("", null, null);
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
        .compose(v -> Database.open(vertx, countedH2("", "device", "pw")))
        .onComplete(
            ctx.failing(
                e ->
                    ctx.verify(
                        () -> {
                          assertThat(e)
                              .hasMessageContaining("cannot commit and sync")
                              .hasMessageContaining("Admin rights");
                          ctx.completeNow();
                        })));
  }
}
