package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.StateStore;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.state.StoredEntry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotReaderTest {
  private static final KeyPattern ALL = KeyPattern.parse("s/#");
  private static final int MAX_VALUE = 65_536;
  private static final int BUDGET = 1 << 20;

  /** A table of {@code count} keys with values of {@code valueBytes}, and the reads made of it. */
  private static final class Table {
    final List<StoredEntry> rows = new ArrayList<>();
    final List<ReadQuery.Scan> reads = new ArrayList<>();

    Table(int count, int valueBytes) {
      for (int i = 0; i < count; i++) {
        String value = "\"" + "v".repeat(valueBytes) + "\"";
        boolean tombstone = i % 10 == 9;
        rows.add(
            new StoredEntry(
                String.format("s/k%05d", i),
                tombstone ? null : value,
                1,
                tombstone,
                0,
                "w",
                null,
                null));
      }
    }

    /** As the store answers: up to {@code limit} rows after {@code after}, next when full. */
    Future<StateStore.Page> scan(ReadQuery.Scan scan) {
      reads.add(scan);
      List<StoredEntry> page =
          rows.stream()
              .filter(r -> scan.after() == null || r.key().compareTo(scan.after()) > 0)
              .limit(scan.limit())
              .toList();
      String next = page.size() == scan.limit() ? page.get(page.size() - 1).key() : null;
      return Future.succeededFuture(new StateStore.Page(page, next));
    }
  }

  @Test
  void everyRowTombstonesIncludedReachesTheSinkOnceInKeyOrder() {
    Table table = new Table(1000, 10);
    List<StoredEntry> seen = new ArrayList<>();
    Future<Void> done =
        new SnapshotReader(table::scan, MAX_VALUE, BUDGET)
            .read(
                ALL,
                rows -> {
                  seen.addAll(rows);
                  return Future.succeededFuture();
                });
    assertThat(done.succeeded()).isTrue();
    assertThat(seen).containsExactlyElementsOf(table.rows);
    assertThat(table.reads).allMatch(ReadQuery.Scan::includeDeleted);
  }

  @Test
  void theNextChunkIsReadOnlyOnceTheSinkIsDoneWithTheLastOne() {
    Table table = new Table(200, 10);
    List<Promise<Void>> waiting = new ArrayList<>();
    Future<Void> done =
        new SnapshotReader(table::scan, MAX_VALUE, BUDGET)
            .read(
                ALL,
                rows -> {
                  Promise<Void> p = Promise.promise();
                  waiting.add(p);
                  return p.future();
                });
    assertThat(table.reads).hasSize(1);
    assertThat(waiting).hasSize(1);
    waiting.get(0).complete();
    assertThat(table.reads).hasSize(2);
    while (!done.isComplete()) {
      int before = table.reads.size();
      waiting.get(waiting.size() - 1).complete();
      assertThat(table.reads.size()).isLessThanOrEqualTo(before + 1);
    }
    assertThat(done.succeeded()).isTrue();
  }

  @Test
  void everyChunkAsksForTheRowsThatFitTheBudgetAtTheLargestValues() {
    // 500 values of 60 KB: one read of them all would hold 30 MB; a chunk holds 64 of them at most
    Table large = new Table(500, 60_000);
    new SnapshotReader(large::scan, MAX_VALUE, BUDGET).read(ALL, rows -> Future.succeededFuture());
    assertThat(large.reads)
        .allSatisfy(
            scan -> assertThat(scan.limit()).isEqualTo(ListPager.maxRows(BUDGET, MAX_VALUE)));
    // small values allowed: more rows per chunk, up to the store's largest read
    Table small = new Table(500, 10);
    new SnapshotReader(small::scan, 1024, BUDGET).read(ALL, rows -> Future.succeededFuture());
    assertThat(small.reads).allSatisfy(scan -> assertThat(scan.limit()).isEqualTo(1000));
  }

  @Test
  void readsThatAnswerLaterGoOnFromWhereTheLastStopped() {
    Table table = new Table(300, 10);
    List<Promise<StateStore.Page>> answers = new ArrayList<>();
    List<ReadQuery.Scan> asked = new ArrayList<>();
    List<StoredEntry> seen = new ArrayList<>();
    Future<Void> done =
        new SnapshotReader(
                scan -> {
                  asked.add(scan);
                  Promise<StateStore.Page> p = Promise.promise();
                  answers.add(p);
                  return p.future();
                },
                MAX_VALUE,
                BUDGET)
            .read(
                ALL,
                rows -> {
                  seen.addAll(rows);
                  return Future.succeededFuture();
                });
    while (!done.isComplete()) {
      assertThat(answers).hasSize(asked.size());
      ReadQuery.Scan scan = asked.get(asked.size() - 1);
      table.scan(scan).onSuccess(answers.get(answers.size() - 1)::complete);
    }
    assertThat(done.succeeded()).isTrue();
    assertThat(seen).containsExactlyElementsOf(table.rows);
  }

  @Test
  void aSinkThatFailsEndsTheReadWithItsFailure() {
    Table table = new Table(200, 10);
    RuntimeException boom = new RuntimeException("closed");
    Future<Void> done =
        new SnapshotReader(table::scan, MAX_VALUE, BUDGET)
            .read(ALL, rows -> Future.failedFuture(boom));
    assertThat(done.cause()).isSameAs(boom);
    assertThat(table.reads).hasSize(1);
  }

  @Test
  void aFailedReadEndsTheSnapshot() {
    RuntimeException down = new RuntimeException("database down");
    List<List<StoredEntry>> sunk = new ArrayList<>();
    Future<Void> done =
        new SnapshotReader(scan -> Future.failedFuture(down), MAX_VALUE, BUDGET)
            .read(
                ALL,
                rows -> {
                  sunk.add(rows);
                  return Future.succeededFuture();
                });
    assertThat(done.cause()).isSameAs(down);
    assertThat(sunk).isEmpty();
  }

  @Test
  void aSnapshotOfVeryManyChunksDoesNotRunTheStackDeep() {
    // 100k rows of 64 per read: 1,500 chunks, each completed inside the last one's callback
    Table table = new Table(100_000, 10);
    int[] rows = {0};
    Future<Void> done =
        new SnapshotReader(table::scan, MAX_VALUE, BUDGET)
            .read(
                ALL,
                chunk -> {
                  rows[0] += chunk.size();
                  return Future.succeededFuture();
                });
    assertThat(done.succeeded()).isTrue();
    assertThat(rows[0]).isEqualTo(100_000);
  }
}
