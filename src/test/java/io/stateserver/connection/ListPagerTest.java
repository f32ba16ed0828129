package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.StateStore;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.state.StoredEntry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListPagerTest {
  private static final KeyPattern ALL = KeyPattern.parse("l/#");
  private static final int MAX_VALUE = 65_536;

  /** A table of {@code count} keys with values of {@code valueBytes}, and the reads made of it. */
  private static final class Table {
    final List<StoredEntry> rows = new ArrayList<>();
    final List<Integer> reads = new ArrayList<>();

    Table(int count, int valueBytes) {
      for (int i = 0; i < count; i++) {
        String value = "\"" + "v".repeat(valueBytes) + "\"";
        rows.add(new StoredEntry(String.format("l/k%04d", i), value, 1, false, 0, "w", null, null));
      }
    }

    /** As the store answers: up to {@code limit} rows after {@code after}, next when full. */
    Future<StateStore.Page> scan(ReadQuery.Scan scan) {
      reads.add(scan.limit());
      List<StoredEntry> page =
          rows.stream()
              .filter(r -> scan.after() == null || r.key().compareTo(scan.after()) > 0)
              .limit(scan.limit())
              .toList();
      String next = page.size() == scan.limit() ? page.get(page.size() - 1).key() : null;
      return Future.succeededFuture(new StateStore.Page(page, next));
    }
  }

  private static List<String> keys(ListPager.Result result) {
    return new JsonArray(result.entriesJson())
        .stream().map(e -> ((io.vertx.core.json.JsonObject) e).getString("key")).toList();
  }

  @Test
  void smallValuesComeInOnePageOfTheLimit() {
    Table table = new Table(500, 10);
    ListPager.Result r =
        new ListPager(table::scan, MAX_VALUE).page(ALL, null, 1000, 1 << 20).result();
    assertThat(keys(r)).hasSize(500);
    assertThat(r.next()).isNull();
    // 16 first, then 64 at a time (max(64, 4 x budget / maxValueBytes)): 9 reads
    assertThat(table.reads).hasSizeLessThanOrEqualTo(9);
  }

  @Test
  void theLimitEndsAPageWithNextWhenMoreFollow() {
    Table table = new Table(50, 10);
    ListPager.Result r =
        new ListPager(table::scan, MAX_VALUE).page(ALL, null, 20, 1 << 20).result();
    assertThat(keys(r)).hasSize(20).endsWith("l/k0019");
    assertThat(r.next()).isEqualTo("l/k0019");
    ListPager.Result rest =
        new ListPager(table::scan, MAX_VALUE).page(ALL, r.next(), 20, 1 << 20).result();
    assertThat(keys(rest)).startsWith("l/k0020");
  }

  @Test
  void largeValuesEndThePageAtTheBudgetAndAreNeverReadManyAtOnce() {
    // 1000 values of 60 KB: one read of the limit would hold 60 MB
    Table table = new Table(1000, 60_000);
    int budget = 1 << 20;
    ListPager.Result r =
        new ListPager(table::scan, MAX_VALUE).page(ALL, null, 1000, budget).result();
    List<String> keys = keys(r);
    assertThat(keys.size()).isBetween(1, budget / 60_000);
    assertThat(r.entriesJson().length()).isLessThanOrEqualTo(budget);
    assertThat(r.next()).isEqualTo(keys.get(keys.size() - 1));
    assertThat(table.reads).allMatch(rows -> rows <= ListPager.FIRST_CHUNK + budget / 60_000);
  }

  @Test
  void aFewSmallValuesBeforeManyLargeOnesDoNotMakeTheNextReadLarge() {
    Table table = new Table(0, 0);
    for (int i = 0; i < 1000; i++) {
      String value = "\"" + "v".repeat(i < 16 ? 1 : 60_000) + "\"";
      table.rows.add(
          new StoredEntry(String.format("l/k%04d", i), value, 1, false, 0, "w", null, null));
    }
    int budget = 1 << 20;
    ListPager.Result r =
        new ListPager(table::scan, MAX_VALUE).page(ALL, null, 1000, budget).result();
    assertThat(r.next()).isNotNull();
    // at most max(64, 4 x budget / maxValueBytes) rows a read, not the 984 the small values suggest
    assertThat(table.reads).allMatch(rows -> rows <= 64);
  }

  @Test
  void aFirstEntryLargerThanTheBudgetGoesAlone() {
    Table table = new Table(3, 5_000);
    ListPager.Result r = new ListPager(table::scan, MAX_VALUE).page(ALL, null, 10, 100).result();
    assertThat(keys(r)).containsExactly("l/k0000");
    assertThat(r.next()).isEqualTo("l/k0000");
  }
}
