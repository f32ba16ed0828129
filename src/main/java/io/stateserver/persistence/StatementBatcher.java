package io.stateserver.persistence;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Group commit for independent single-statement updates (session open, resume, drop): everything
 * queued while one transaction runs on the {@link WriterConnection} is committed by the next one.
 *
 * <p>Why: on H2 a commit writes every changed page to the file, so one commit per connect cost more
 * than everything else a connect does. If a batch fails, each of its statements runs again in a
 * transaction of its own, so that one bad statement fails only its own caller.
 */
final class StatementBatcher {
  private record Op(String sql, Object[] params, Promise<Integer> promise, Context caller) {}

  private final WriterConnection writer;
  private final Context context;
  private final int maxBatch;
  private final ArrayDeque<Op> queue = new ArrayDeque<>();
  private boolean writing;

  StatementBatcher(Vertx vertx, WriterConnection writer, int maxBatch) {
    this.writer = writer;
    this.context = vertx.getOrCreateContext();
    this.maxBatch = maxBatch;
  }

  /**
   * Queues one statement; the future completes, on the caller's context, with its update count once
   * its transaction committed.
   */
  Future<Integer> submit(String sql, Object... params) {
    Promise<Integer> promise = Promise.promise();
    Op op = new Op(sql, params, promise, Vertx.currentContext());
    context.runOnContext(
        v -> {
          queue.add(op);
          writeNext();
        });
    return promise.future();
  }

  /** True when nothing is queued or being written. */
  boolean idle() {
    return !writing && queue.isEmpty();
  }

  private void writeNext() {
    if (writing || queue.isEmpty()) {
      return;
    }
    writing = true;
    List<Op> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (batch.size() < maxBatch && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
    writer
        .inTransaction(c -> run(c, batch))
        .recover(
            batchFailure -> batch.size() == 1 ? Future.failedFuture(batchFailure) : oneByOne(batch))
        .onComplete(
            ar ->
                context.runOnContext(
                    v -> {
                      for (int i = 0; i < batch.size(); i++) {
                        Op op = batch.get(i);
                        if (ar.failed()) {
                          complete(op, Future.failedFuture(ar.cause()));
                        } else {
                          complete(op, ar.result().get(i));
                        }
                      }
                      writing = false;
                      writeNext();
                    }));
  }

  /** After a failed batch: every statement in a transaction of its own. */
  private Future<List<Future<Integer>>> oneByOne(List<Op> batch) {
    List<Future<Integer>> results = new ArrayList<>(batch.size());
    for (Op op : batch) {
      results.add(writer.inTransaction(c -> run(c, List.of(op)).get(0).result()));
    }
    return Future.join(results).transform(done -> Future.succeededFuture(results));
  }

  private static List<Future<Integer>> run(Connection c, List<Op> batch) throws SQLException {
    Map<String, PreparedStatement> statements = new HashMap<>();
    try {
      List<Future<Integer>> counts = new ArrayList<>(batch.size());
      for (Op op : batch) {
        PreparedStatement ps = statements.get(op.sql());
        if (ps == null) {
          ps = c.prepareStatement(op.sql());
          statements.put(op.sql(), ps);
        }
        for (int i = 0; i < op.params().length; i++) {
          ps.setObject(i + 1, op.params()[i]);
        }
        counts.add(Future.succeededFuture(ps.executeUpdate()));
      }
      c.commit();
      return counts;
    } finally {
      for (PreparedStatement ps : statements.values()) {
        ps.close();
      }
    }
  }

  private static void complete(Op op, Future<Integer> result) {
    Context caller = op.caller();
    if (caller == null || caller == Vertx.currentContext()) {
      op.promise().handle(result);
    } else {
      caller.runOnContext(v -> op.promise().handle(result));
    }
  }
}
