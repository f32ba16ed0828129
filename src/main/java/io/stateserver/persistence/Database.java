package io.stateserver.persistence;

import io.stateserver.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's database: migrated schema, a connection pool for reads and session maintenance, and
 * the one connection that commits state writes and session changes.
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final Pool pool;
  private final Dialect dialect;
  private final WriterConnection writer;
  private final StatementBatcher batcher;

  private Database(Vertx vertx, Pool pool, Dialect dialect, WriterConnection writer, int maxBatch) {
    this.pool = pool;
    this.dialect = dialect;
    this.writer = writer;
    this.batcher = new StatementBatcher(vertx, writer, maxBatch);
  }

  /**
   * Migrates the schema (on a worker thread), opens the pool and checks it with a query. Fails when
   * the database cannot be reached or migrated.
   */
  public static Future<Database> open(Vertx vertx, ServerConfig.Db db) {
    Dialect dialect;
    try {
      dialect = Dialect.of(db.url());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return vertx
        .executeBlocking(() -> Migrations.migrate(db), false)
        .compose(
            applied -> {
              ConnectionOpener opener = ConnectionOpener.of(db);
              Pool pool =
                  JDBCPool.pool(
                      vertx,
                      new AutoCommitRestoringDataSource(opener),
                      new PoolOptions().setMaxSize(db.poolSize()));
              return pool.query("SELECT 1")
                  .execute()
                  .map(
                      rows ->
                          new Database(
                              vertx,
                              pool,
                              dialect,
                              new WriterConnection(vertx, opener, dialect.syncAfterCommit()),
                              db.maxBatch()))
                  .recover(e -> pool.close().transform(closed -> Future.failedFuture(e)));
            })
        .compose(Database::checkWriter)
        .onSuccess(
            database -> log.info("database open [dialect: {}, pool: {}]", dialect, db.poolSize()));
  }

  /**
   * Opens the writer connection and runs its sync once, so that a database it cannot use (on H2, a
   * user without the admin right that {@code CHECKPOINT SYNC} needs) stops the start instead of
   * failing every write.
   */
  private static Future<Database> checkWriter(Database database) {
    return database
        .writer
        .inTransaction(c -> null)
        .map(database)
        .recover(
            e ->
                database
                    .close()
                    .transform(
                        closed ->
                            Future.failedFuture(
                                new SQLException(
                                    (database.dialect.syncAfterCommit().isPresent()
                                            ? "the writer connection cannot commit and sync: "
                                            : "the writer connection cannot commit: ")
                                        + rootMessage(e),
                                    e))));
  }

  /** The message of the innermost cause: the database's own words, not our wrappers'. */
  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }

  /**
   * Completes once everything committed so far is on the disk: for writes made through the pool,
   * which commit by themselves (the client registry's). Nothing to do on PostgreSQL, whose commits
   * are durable; on H2 the writer connection runs its sync, in turn with the state writes.
   */
  public Future<Void> syncToDisk() {
    return dialect.syncAfterCommit().isEmpty()
        ? Future.succeededFuture()
        : writer.inTransaction(c -> null).mapEmpty();
  }

  public Pool pool() {
    return pool;
  }

  public Dialect dialect() {
    return dialect;
  }

  /** The connection of the state-write transactions (see {@link StateStore}). */
  WriterConnection writer() {
    return writer;
  }

  /** Group commit for the single-statement session updates (see {@link SessionStore}). */
  StatementBatcher batcher() {
    return batcher;
  }

  public Future<Void> close() {
    return writer.close().eventually(pool::close);
  }
}
