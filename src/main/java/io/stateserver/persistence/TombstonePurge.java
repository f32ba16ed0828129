package io.stateserver.persistence;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes the tombstones of keys deleted long ago, so that a table whose keys come and go does not
 * grow forever. A deleted key keeps its row so that its version goes on rising when it is written
 * again (PROTOCOL.md section 1: versions are never reused). Before a batch of tombstones goes, the
 * highest of their versions is recorded as the version floor (migration V6), and a key with no row
 * starts above it ({@code StateStore}); so a version is never reused, even for a key whose
 * tombstone went.
 *
 * <p>The old tombstones are found on the read pool (a scan of the table: {@code updated_at} has no
 * index), and deleted on the writer connection, so on one node the deletion never overlaps a write
 * transaction and writes wait for one short batch at most. A tombstone is deleted only if it still
 * has the version read: a key written again in between stays. A write that finds no row reads the
 * floor after the rows, in the same transaction, so it sees the floor of every purge that deleted a
 * row it found missing.
 *
 * <p>Nodes of an earlier release do not read the floor, so nothing is deleted while one of them
 * holds a lease. The retention must be longer than a node may go without hearing of a deletion
 * (docs/architecture.md, "Known limits"), so it is at least a day ({@code ConfigLoader}).
 */
final class TombstonePurge {
  /** Tombstones per transaction. */
  static final int BATCH = 1000;

  private final Pool pool;
  private final WriterConnection writer;

  TombstonePurge(Pool pool, WriterConnection writer) {
    this.pool = pool;
    this.writer = writer;
  }

  /**
   * What one batch did: how many rows went, the highest version read, and where the next batch
   * starts ({@code more} when there may be one).
   */
  record Batch(int deleted, long highestVersion, String lastKey, boolean more) {}

  /** The outcome of a run: how many tombstones went, or that nodes of an earlier release wait. */
  record Run(int deleted, long olderNodes) {}

  /**
   * Deletes every tombstone written before {@code deletedBefore}, one batch after the other, unless
   * a node of an earlier release holds a lease at {@code now}.
   */
  Future<Run> run(long deletedBefore, long now) {
    return pool.preparedQuery(SqlStatements.LIVE_NODES_NOT_READING_THE_FLOOR)
        .execute(Tuple.of(now))
        .compose(
            rows -> {
              long older = rows.iterator().next().getLong(0);
              if (older > 0) {
                return Future.succeededFuture(new Run(0, older));
              }
              return next(deletedBefore, "", 0).map(deleted -> new Run(deleted, 0));
            });
  }

  private Future<Integer> next(long deletedBefore, String after, int deletedSoFar) {
    return batch(deletedBefore, after, BATCH)
        .compose(
            b ->
                b.more()
                    ? next(deletedBefore, b.lastKey(), deletedSoFar + b.deleted())
                    : Future.succeededFuture(deletedSoFar + b.deleted()));
  }

  /** Up to {@code max} tombstones after {@code after}, in key order: read, then deleted. */
  Future<Batch> batch(long deletedBefore, String after, int max) {
    return pool.preparedQuery(SqlStatements.OLD_TOMBSTONES)
        .execute(Tuple.of(deletedBefore, after, max))
        .compose(
            rows -> {
              List<String> keys = new ArrayList<>(rows.size());
              List<Long> versions = new ArrayList<>(rows.size());
              for (Row row : rows) {
                keys.add(row.getString(0));
                versions.add(row.getLong(1));
              }
              if (keys.isEmpty()) {
                return Future.succeededFuture(new Batch(0, 0, after, false));
              }
              long highest = versions.stream().mapToLong(Long::longValue).max().orElseThrow();
              return writer
                  .inTransaction(c -> delete(c, keys, versions, highest))
                  .map(
                      deleted ->
                          new Batch(
                              deleted, highest, keys.get(keys.size() - 1), keys.size() == max));
            });
  }

  private static int delete(Connection c, List<String> keys, List<Long> versions, long highest)
      throws SQLException {
    // The floor and the deletions commit together; the floor's one row also makes the purges of
    // several nodes take turns. A version read here that was written over since only raises the
    // floor further than needed.
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.RAISE_VERSION_FLOOR)) {
      ps.setLong(1, highest);
      ps.executeUpdate();
    }
    int deleted = 0;
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.DELETE_TOMBSTONE)) {
      for (int i = 0; i < keys.size(); i++) {
        ps.setString(1, keys.get(i));
        ps.setLong(2, versions.get(i));
        ps.addBatch();
      }
      for (int count : ps.executeBatch()) {
        deleted += Math.max(count, 0);
      }
    }
    c.commit();
    return deleted;
  }
}
