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
 * <p>Chunks are sized as {@link ListPager}'s are for a page of {@code maxFrameBytes}: at most
 * {@link ListPager#maxRows} rows (64 with the defaults, what the store reads at least anyway, so a
 * snapshot of up to that many keys is one read), then from the bytes per row seen. So a chunk holds
 * at most about {@code maxRows × maxValueBytes} (4 MiB with the defaults). A snapshot of many small
 * values takes more reads than one of a thousand rows each would; a bounded node comes first.
 */
final class SnapshotReader {
  // a row's key, version and framing, besides its value, roughly
  private static final int ROW_OVERHEAD = 64;

  private final Function<ReadQuery.Scan, Future<StateStore.Page>> scan;
  private final int budget;
  private final int maxRows;
  private long bytesSeen;
  private long rowsSeen;

  /**
   * @param scan reads one chunk (the persistence verticle, over the event bus)
   * @param maxValueBytes the largest value a row may hold ({@code limits.maxValueBytes})
   * @param budgetBytes the bytes a chunk should hold ({@code limits.maxFrameBytes})
   */
  SnapshotReader(
      Function<ReadQuery.Scan, Future<StateStore.Page>> scan, int maxValueBytes, int budgetBytes) {
    this.scan = scan;
    this.budget = Math.max(1, budgetBytes);
    this.maxRows = ListPager.maxRows(budgetBytes, maxValueBytes);
  }

  /**
   * Reads every row matching {@code pattern}, in key order.
   *
   * @param sink takes each chunk's rows; the next chunk is read once its future succeeds, and the
   *     read fails with it
   */
  Future<Void> read(KeyPattern pattern, Function<List<StoredEntry>, Future<?>> sink) {
    Promise<Void> done = Promise.promise();
    next(pattern, null, maxRows, sink, done);
    return done.future();
  }

  // A loop, not nested composes: a long snapshot must not build a chain of futures whose
  // completion runs as deep as its chunks are many; and chunks that complete at once (as a sink
  // whose frames went straight to the socket does) go round the loop, not deeper into the stack.
  private void next(
      KeyPattern pattern,
      String after,
      int size,
      Function<List<StoredEntry>, Future<?>> sink,
      Promise<Void> done) {
    String from = after;
    int rows = size;
    while (true) {
      Future<String> chunk =
          scan.apply(new ReadQuery.Scan(pattern, from, rows, true))
              .compose(page -> sink.apply(count(page.entries())).map(v -> page.next()));
      if (!chunk.isComplete()) {
        chunk.onComplete(
            ar -> {
              if (settled(ar.failed() ? ar.cause() : null, ar.result(), done)) {
                return;
              }
              next(pattern, ar.result(), nextChunk(), sink, done);
            });
        return;
      }
      if (settled(chunk.cause(), chunk.result(), done)) {
        return;
      }
      from = chunk.result();
      rows = nextChunk();
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

  private List<StoredEntry> count(List<StoredEntry> rows) {
    for (StoredEntry row : rows) {
      bytesSeen +=
          ROW_OVERHEAD
              + row.key().length()
              + (row.valueJson() == null ? 0 : row.valueJson().length());
    }
    rowsSeen += rows.size();
    return rows;
  }

  /** Rows for the next read: what a chunk's budget holds at the bytes per row seen so far. */
  int nextChunk() {
    long perRow = Math.max(1, bytesSeen / Math.max(1, rowsSeen));
    return (int) Math.max(1, Math.min(maxRows, budget / perRow));
  }
}
