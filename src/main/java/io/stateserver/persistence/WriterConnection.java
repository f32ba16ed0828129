package io.stateserver.persistence;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC connection that commits state writes, owned by a single worker thread.
 *
 * <p>Why not the Vert.x JDBC pool: the pool runs each statement as its own worker task and returns
 * to the event loop between statements, so a four-statement transaction made eight thread hops, and
 * each return waited behind the socket work of that event loop. The write transaction is strictly
 * sequential anyway (group commit keeps one in flight), so it runs here as one blocking task on a
 * dedicated worker: one hop in, one hop out, plain JDBC. Session opens, resumes and drops are
 * committed here too ({@link StatementBatcher}); reads and the periodic session maintenance stay on
 * the pool. No event loop ever touches this connection.
 */
final class WriterConnection {
  private static final Logger log = LoggerFactory.getLogger(WriterConnection.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** SQL state of a failed sync after a commit: PostgreSQL's {@code io_error}, never retried. */
  static final String SYNC_FAILED = "58030";

  /**
   * True when a task failed after its transaction committed (the sync failed): its statements must
   * not run again, or they would apply twice.
   */
  static boolean committedButNotSynced(Throwable failure) {
    return SYNC_FAILED.equals(Rows.sqlState(failure));
  }

  /** Work done with the connection, on the writer thread. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final ConnectionOpener opener;
  private final String syncAfterCommit;
  private final long idleCheckNanos;
  private final WorkerExecutor executor;

  // confined to the executor's thread
  private Connection connection;
  private long lastUsedNanos;
  private volatile boolean closed;

  /**
   * @param syncAfterCommit run after the work committed and before its future completes (see {@link
   *     Dialect#syncAfterCommit()}), so that a write is acknowledged only once it is on disk
   */
  WriterConnection(Vertx vertx, ConnectionOpener opener, Optional<String> syncAfterCommit) {
    this(vertx, opener, syncAfterCommit, DatabaseFailures.IDLE_CHECK_NANOS);
  }

  /**
   * As above, checking the connection before a task when it was idle for {@code idleCheckNanos} or
   * longer ({@link DatabaseFailures#IDLE_CHECK_NANOS}; tests choose).
   */
  WriterConnection(
      Vertx vertx, ConnectionOpener opener, Optional<String> syncAfterCommit, long idleCheckNanos) {
    this.idleCheckNanos = idleCheckNanos;
    this.opener = opener;
    this.syncAfterCommit = syncAfterCommit.orElse(null);
    // One thread: every task runs in submission order, and the connection is never shared. Tasks
    // are submitted unordered on purpose: an ordered task would join the calling context's
    // queue of blocking tasks, and every other blocking task of that context (the JDBC pool's,
    // for one) would then wait behind a write transaction that may be waiting for a row lock.
    this.executor =
        vertx.createSharedWorkerExecutor("state-writer-" + INSTANCES.incrementAndGet(), 1);
  }

  /**
   * Runs {@code work} on the writer thread with the connection in manual-commit mode. The work
   * commits; when it throws, the transaction is rolled back, and a connection that may be broken is
   * closed and opened again for the next task.
   */
  <T> Future<T> inTransaction(Work<T> work) {
    if (closed) {
      // The node is stopping: what still arrives (a session dropped as its connection closes) is
      // refused like any write while the database is unavailable, without an error in the log.
      return Future.failedFuture(
          new StateException(
              ErrorCode.UNAVAILABLE,
              "the database is closed",
              new JsonObject().put("retryAfterMs", DatabaseFailures.RETRY_AFTER_MS)));
    }
    return executor.executeBlocking(
        () -> {
          Connection c = open();
          try {
            T result = work.run(c);
            syncToDisk(c);
            return result;
          } catch (SQLException | RuntimeException e) {
            rollbackOrDiscard(c);
            throw e;
          } finally {
            lastUsedNanos = System.nanoTime();
          }
        },
        false);
  }

  /**
   * One sync per transaction, and so per group commit: its cost is shared by every write of the
   * batch. Should it fail, the writes may be committed but are not acknowledged, which the protocol
   * allows (the client sees an error and can read the key). The failure carries SQL state {@code
   * 58030} (I/O error) whatever H2 reported, so that no caller takes it for a lost race and runs
   * the committed transaction again ({@link Rows#isTransient}).
   */
  private void syncToDisk(Connection c) throws SQLException {
    if (syncAfterCommit == null) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute(syncAfterCommit);
      // The sync opened a transaction of its own in manual-commit mode; end it.
      c.commit();
    } catch (SQLException e) {
      throw new SQLException("the commit could not be synced to the disk", SYNC_FAILED, e);
    }
  }

  private Connection open() throws SQLException {
    if (connection != null
        && System.nanoTime() - lastUsedNanos >= idleCheckNanos
        && !DatabaseFailures.answers(connection)) {
      log.warn("idle writer connection found broken, reopening it");
      closeQuietly();
    }
    if (connection == null) {
      Connection c = opener.open();
      c.setAutoCommit(false);
      connection = c;
    }
    return connection;
  }

  private void rollbackOrDiscard(Connection c) {
    try {
      c.rollback();
      if (DatabaseFailures.answers(c)) {
        return;
      }
    } catch (SQLException e) {
      log.warn("writer connection failed, reopening it [cause: {}]", e.getMessage());
    }
    closeQuietly();
  }

  private void closeQuietly() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("writer connection close failed [cause: {}]", e.getMessage());
      }
    }
  }

  /** Closes the connection (after any queued task) and the thread. */
  Future<Void> close() {
    closed = true;
    return executor
        .executeBlocking(
            () -> {
              closeQuietly();
              return null;
            },
            false)
        .eventually(executor::close)
        .mapEmpty();
  }
}
