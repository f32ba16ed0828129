package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A single statement after a transaction, on the same pooled connection, must be committed by
 * itself: visible to another connection right after it succeeds.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class AutoCommitRestoringDataSourceIT {

  @Test
  void statementAfterTransactionIsCommittedOnItsOwn(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Path dir = Files.createTempDirectory("autocommit");
    String url = "jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE";
    Pool pool =
        JDBCPool.pool(
            vertx,
            new AutoCommitRestoringDataSource(() -> DriverManager.getConnection(url)),
            new PoolOptions().setMaxSize(1));
    pool.query("CREATE TABLE t (v INT)")
        .execute()
        .compose(r -> pool.withTransaction(c -> c.query("INSERT INTO t VALUES (1)").execute()))
        .compose(r -> pool.query("INSERT INTO t VALUES (2)").execute())
        .onComplete(
            ctx.succeeding(
                r ->
                    ctx.verify(
                        () -> {
                          try (Connection other = DriverManager.getConnection(url);
                              ResultSet rs =
                                  other.createStatement().executeQuery("SELECT COUNT(*) FROM t")) {
                            rs.next();
                            assertThat(rs.getInt(1)).isEqualTo(2);
                          }
                          pool.close();
                          ctx.completeNow();
                        })));
  }
}
