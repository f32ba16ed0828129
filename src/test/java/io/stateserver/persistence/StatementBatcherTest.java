package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Group commit of single statements, on an in-memory H2 database. */
class StatementBatcherTest {
  private static final String INSERT = "INSERT INTO t (id) VALUES (?)";

  private Vertx vertx;
  private ScratchDatabase database;

  @BeforeEach
  void open() throws SQLException {
    vertx = Vertx.vertx();
    database = new ScratchDatabase("CREATE TABLE t (id INT PRIMARY KEY)");
  }

  @AfterEach
  void close() throws Exception {
    database.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aBadStatementFailsOnlyItsOwnCallerAndTheRestOfItsBatchCommits() throws Exception {
    List<Future<Integer>> results =
        submitted(new WriterConnection(vertx, database.opener(), none()), 1, 2, 2, 3);

    assertThat(results.get(1).succeeded()).isTrue();
    assertThat(results.get(2).failed()).as("the duplicate").isTrue();
    assertThat(results.get(3).succeeded()).isTrue();
    assertThat(database.rows("t")).isEqualTo(3);
  }

  @Test
  void aBatchWhoseConnectionWasLostIsNotRunAgainStatementByStatement() throws Exception {
    // The second commit lands, and then the connection is lost before its answer comes back, as
    // when a network timeout gives up on it: the outcome is unknown, so nothing may run again.
    AtomicInteger commits = new AtomicInteger();
    WriterConnection writer =
        new WriterConnection(
            vertx, () -> losingItsAnswerToCommit(database.opener().open(), commits), none());

    // 1 runs alone; 2 and 3, queued meanwhile, form the next batch
    List<Future<Integer>> results = submitted(writer, 1, 2, 3);

    assertThat(results.get(0).succeeded()).isTrue();
    for (Future<Integer> queued : results.subList(1, 3)) {
      assertThat(queued.failed()).isTrue();
      assertThat(DatabaseFailures.unreachable(queued.cause()))
          .as("told the database could not be reached, not a duplicate key: %s", queued.cause())
          .isTrue();
    }
    assertThat(database.rows("t")).as("each row once").isEqualTo(3);
    assertThat(commits).as("no commit after the lost one").hasValue(2);
  }

  /** Submits one insert per id in one event-loop task, and waits for every result. */
  private List<Future<Integer>> submitted(WriterConnection writer, int... ids) throws Exception {
    CompletableFuture<List<Future<Integer>>> all = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          StatementBatcher batcher = new StatementBatcher(vertx, writer, 100);
          List<Future<Integer>> results =
              java.util.Arrays.stream(ids).mapToObj(id -> batcher.submit(INSERT, id)).toList();
          Future.join(results).onComplete(done -> all.complete(results));
        });
    List<Future<Integer>> results = all.get(10, TimeUnit.SECONDS);
    writer.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return results;
  }

  private static Connection losingItsAnswerToCommit(Connection real, AtomicInteger commits) {
    return (Connection)
        Proxy.newProxyInstance(
            StatementBatcherTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              Object result;
              try {
                result = method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (method.getName().equals("commit") && commits.incrementAndGet() == 2) {
                throw new SQLNonTransientConnectionException("connection lost", "08006");
              }
              return result;
            });
  }

  private static Optional<String> none() {
    return Optional.empty();
  }
}
