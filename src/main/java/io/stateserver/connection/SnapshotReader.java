package io.stateserver.connection;

import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.StateStore;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.state.StoredEntry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the rows of a {@code sub} snapshot (tombstones included) in chunks, and reads the next
 * chunk only once the sink is done with the last one: the sink's future completes when the frames
 * made from it have gone to the socket. So a snapshot of any size, to a client reading at any
 * speed, holds about one chunk and a few frames on the node, where reading it whole held all its
 * values (1,000 keys of 64 KiB: 64 MiB) until a slow client had read them.
 *
 * <p>A chunk is {@link ListPager#maxRows} rows for a page of {@code maxFrameBytes} (64 with the
 * defaults), so it holds at most {@code maxRows × maxValueBytes} (4 MiB with the defaults; the
 * store reads up to twice the rows for it, since a pattern's wildcards are matched after the read).
 * Smaller chunks would not hold less: the store reads at least 64 rows whatever the limit, and
 * would read most of them again for the next chunk.
 */
final class SnapshotReader {
  private final Function<ReadQuery.Scan, Future<StateStore.Page>> scan;
  private final int chunk;

  /**
   * @param scan reads one chunk (the persistence verticle, over the event bus)
   * @param maxValueBytes the largest value a row may hold ({@code limits.maxValueBytes})
   * @param budgetBytes the bytes a chunk is sized for ({@code limits.maxFrameBytes})
   */
  SnapshotReader(
      Function<ReadQuery.Scan, Future<StateStore.Page>> scan, int maxValueBytes, int budgetBytes) {
    this.scan = scan;
    this.chunk = ListPager.maxRows(budgetBytes, maxValueBytes);
  }

  /**
   * Reads every row matching {@code pattern}, in key order.
   *
   * @param sink takes each chunk's rows; the next chunk is read once its future succeeds, and the
   *     read fails with it
   */
  Future<Void> read(KeyPattern pattern, Function<List<StoredEntry>, Future<?>> sink) {
    Promise<Void> done = Promise.promise();
    next(pattern, null, sink, done);
    return done.future();
  }

  // A loop, not nested composes: a long snapshot must not build a chain of futures whose
  // completion runs as deep as its chunks are many; and chunks that complete at once (as a sink
  // whose frames went straight to the socket does) go round the loop, not deeper into the stack.
  private void next(
      KeyPattern pattern,
      String after,
      Function<List<StoredEntry>, Future<?>> sink,
      Promise<Void> done) {
    String from = after;
    while (true) {
      Future<String> read =
          scan.apply(new ReadQuery.Scan(pattern, from, chunk, true))
              .compose(page -> sink.apply(page.entries()).map(v -> page.next()));
      if (!read.isComplete()) {
        read.onComplete(
            ar -> {
              if (!settled(ar.failed() ? ar.cause() : null, ar.result(), done)) {
                next(pattern, ar.result(), sink, done);
              }
            });
        return;
      }
      if (settled(read.cause(), read.result(), done)) {
        return;
      }
      from = read.result();
    }
  }

  /** Ends the read on a failure or after the last chunk; false when there is more to read. */
  private static boolean settled(Throwable failure, String next, Promise<Void> done) {
    if (failure != null) {
      done.fail(failure);
    } else if (next == null) {
      done.complete();
    } else {
      return false;
    }
    return true;
  }
}
