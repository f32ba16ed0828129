package io.stateserver.persistence;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Group commit for independent single-statement updates (session open, resume, drop): everything
 * queued while one transaction runs on the {@link WriterConnection} is committed by the next one.
 *
 * <p>Why: on H2 a commit writes every changed page to the file, so one commit per connect cost more
 * than everything else a connect does. If a batch fails on one of its statements, each of them runs
 * again in a transaction of its own, so that one bad statement fails only its own caller; not if it
 * lost its connection (see {@link #oneByOne}).
 */
final class StatementBatcher {
  private record Op(String sql, Object[] params) {}

  private final WriterConnection writer;
  private final GroupCommitQueue<Op, Integer> queue;

  StatementBatcher(Vertx vertx, WriterConnection writer, int maxBatch) {
    this.writer = writer;
    this.queue = new GroupCommitQueue<>(vertx, maxBatch, this::write);
  }

  /**
   * Queues one statement; the future completes, on the caller's context, with its update count once
   * its transaction committed.
   */
  Future<Integer> submit(String sql, Object... params) {
    return queue.submit(new Op(sql, params));
  }

  /** True when nothing is queued or being written. */
  boolean idle() {
    return queue.idle();
  }

  private Future<List<Future<Integer>>> write(List<Op> batch) {
    return writer
        .inTransaction(c -> run(c, batch))
        .<List<Future<Integer>>>map(counts -> counts.stream().map(Future::succeededFuture).toList())
        .recover(
            failure ->
                batch.size() == 1
                        || WriterConnection.committedButNotSynced(failure)
                        || DatabaseFailures.unreachable(failure)
                    ? Future.failedFuture(failure)
                    : oneByOne(batch));
  }

  /**
   * After a batch that failed before its commit: every statement in a transaction of its own, so
   * that one bad statement fails alone. Never after a failed sync: the batch committed. Nor after a
   * lost connection: the commit may have landed before the answer was lost (a retried session open
   * would then fail on its own row), and while the database cannot be reached, each statement would
   * wait out its own connect attempt on the one writer thread.
   */
  private Future<List<Future<Integer>>> oneByOne(List<Op> batch) {
    List<Future<Integer>> results = new ArrayList<>(batch.size());
    for (Op op : batch) {
      results.add(writer.inTransaction(c -> run(c, List.of(op)).get(0)));
    }
    return Future.join(results).transform(done -> Future.succeededFuture(results));
  }

  private static List<Integer> run(Connection c, List<Op> batch) throws SQLException {
    Map<String, PreparedStatement> statements = new HashMap<>();
    try {
      List<Integer> counts = new ArrayList<>(batch.size());
      for (Op op : batch) {
        PreparedStatement ps = statements.get(op.sql());
        if (ps == null) {
          ps = c.prepareStatement(op.sql());
          statements.put(op.sql(), ps);
        }
        for (int i = 0; i < op.params().length; i++) {
          ps.setObject(i + 1, op.params()[i]);
        }
        counts.add(ps.executeUpdate());
      }
      c.commit();
      return counts;
    } finally {
      for (PreparedStatement ps : statements.values()) {
        ps.close();
      }
    }
  }
}
