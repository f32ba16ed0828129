package io.stateserver.connection;

import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.StateStore;
import io.stateserver.protocol.Frames;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.state.StoredEntry;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Builds one page of a {@code list} (WebSocket or HTTP) of at most {@code limit} entries and at
 * most a byte budget, reading the database in chunks.
 *
 * <p>Why chunks: one read of {@code limit} rows holds them all in memory at once, and with values
 * of up to {@code maxValueBytes} that is up to {@code limit × maxValueBytes} (1000 × 64 KiB: 64
 * MiB) for a reply that may carry a megabyte. The first chunk is small ({@value #FIRST_CHUNK}
 * rows); the next ones are sized from the bytes per entry seen so far, so small values still take a
 * few reads. Since the bytes seen so far say nothing of the rows still to come (a few small values
 * may come before many large ones), a chunk is also at most {@code max(64, 4 × budget /
 * maxValueBytes)} rows, 64 with the defaults. The store reads a chunk of n rows as at least 64 and
 * at most 2n rows (a pattern's wildcards are matched after the read), so one read holds at most
 * about {@code 2 × that × maxValueBytes}: 8 MiB with the defaults, however large the limit.
 */
final class ListPager {
  static final int FIRST_CHUNK = 16;
  private static final int MAX_CHUNK = 1000;

  /**
   * @param entriesJson the entries as a JSON array
   * @param next where the next page starts (pass it as {@code after}), or null at the end
   */
  record Result(String entriesJson, String next) {}

  private final Function<ReadQuery.Scan, Future<StateStore.Page>> scan;
  private final int maxValueBytes;

  /**
   * @param scan reads one chunk (the persistence verticle, over the event bus)
   * @param maxValueBytes the largest value a row may hold ({@code limits.maxValueBytes})
   */
  ListPager(Function<ReadQuery.Scan, Future<StateStore.Page>> scan, int maxValueBytes) {
    this.scan = scan;
    this.maxValueBytes = Math.max(1, maxValueBytes);
  }

  /**
   * The page after {@code after} (null: from the start). A page ends early, with {@code next},
   * where the next entry would take it past {@code budgetBytes}; its first entry is always in it.
   */
  Future<Result> page(KeyPattern pattern, String after, int limit, int budgetBytes) {
    return chunk(
        new Acc(pattern, limit, budgetBytes, maxRows(budgetBytes, maxValueBytes)),
        after,
        Math.min(limit, FIRST_CHUNK));
  }

  /** The most rows one chunk reads for a page of {@code budgetBytes} (see the class comment). */
  static int maxRows(int budgetBytes, int maxValueBytes) {
    return (int) Math.max(64, Math.min(MAX_CHUNK, 4L * budgetBytes / Math.max(1, maxValueBytes)));
  }

  private Future<Result> chunk(Acc acc, String after, int size) {
    return scan.apply(new ReadQuery.Scan(acc.pattern, after, size, false))
        .compose(
            page -> {
              for (StoredEntry e : page.entries()) {
                if (!acc.add(e)) {
                  return Future.succeededFuture(acc.result(acc.lastKey));
                }
              }
              if (page.next() == null || acc.count == acc.limit) {
                return Future.succeededFuture(acc.result(page.next()));
              }
              return chunk(acc, page.next(), acc.nextChunk());
            });
  }

  /** The page being built. */
  private static final class Acc {
    final KeyPattern pattern;
    final int limit;
    final int budget;
    final int maxRows;
    final StringBuilder entries = new StringBuilder("[");
    int count;
    long used;
    String lastKey;

    Acc(KeyPattern pattern, int limit, int budget, int maxRows) {
      this.pattern = pattern;
      this.limit = limit;
      this.budget = budget;
      this.maxRows = maxRows;
    }

    /** Adds {@code e}, or returns false when it would take the page past its budget. */
    boolean add(StoredEntry e) {
      String entry = Frames.entry(e);
      int size = entry.getBytes(StandardCharsets.UTF_8).length + 1;
      if (count > 0 && used + size > budget) {
        return false;
      }
      if (count > 0) {
        entries.append(',');
      }
      entries.append(entry);
      used += size;
      count++;
      lastKey = e.key();
      return true;
    }

    /** Rows for the next read: what the budget left holds at the bytes per entry seen so far. */
    int nextChunk() {
      long perEntry = Math.max(1, used / Math.max(1, count));
      long fits = Math.max(1, (budget - used) / perEntry + 1);
      return (int) Math.min(Math.min(fits, maxRows), limit - count);
    }

    Result result(String next) {
      return new Result(entries.toString() + "]", next);
    }
  }
}
