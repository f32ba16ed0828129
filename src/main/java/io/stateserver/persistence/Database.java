package io.stateserver.persistence;

import io.stateserver.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's database: migrated schema plus a connection pool for reads and writes. */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final Pool pool;
  private final Dialect dialect;

  private Database(Pool pool, Dialect dialect) {
    this.pool = pool;
    this.dialect = dialect;
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
              Pool pool =
                  JDBCPool.pool(
                      vertx,
                      new AutoCommitRestoringDataSource(db.url(), db.user(), db.password()),
                      new PoolOptions().setMaxSize(db.poolSize()));
              return pool.query("SELECT 1")
                  .execute()
                  .map(rows -> new Database(pool, dialect))
                  .recover(e -> pool.close().transform(closed -> Future.failedFuture(e)));
            })
        .onSuccess(
            database -> log.info("database open [dialect: {}, pool: {}]", dialect, db.poolSize()));
  }

  public Pool pool() {
    return pool;
  }

  public Dialect dialect() {
    return dialect;
  }

  public Future<Void> close() {
    return pool.close();
  }
}
