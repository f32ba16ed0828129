package io.stateserver.persistence;

import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
 * <p>It runs on the writer connection, so on one node it never overlaps a write transaction. Across
 * nodes, a tombstone is deleted only if it still has the version read (a key written again since
 * stays), and a write that finds no row reads the floor after the rows, so it sees the floor of
 * every purge that deleted a row it found missing. Each batch is one short transaction, so writes
 * wait at most one batch.
 *
 * <p>The retention must be longer than anything that reads deletions back from the table: the
 * catch-up sweeps of a node that missed broadcasts read the last minutes, so the shortest retention
 * allowed is an hour ({@code ConfigLoader}).
 */
final class TombstonePurge {
  /** Tombstones per transaction. */
  static final int BATCH = 1000;

  private final WriterConnection writer;

  TombstonePurge(WriterConnection writer) {
    this.writer = writer;
  }

  /** What one batch did: how many rows went, the highest version among them, where to go on. */
  record Batch(int deleted, long highestVersion, String lastKey, boolean more) {}

  /**
   * Deletes every tombstone written before {@code deletedBefore}, one batch after the other.
   *
   * @return how many were deleted
   */
  Future<Integer> run(long deletedBefore) {
    return next(deletedBefore, "", 0);
  }

  private Future<Integer> next(long deletedBefore, String after, int deletedSoFar) {
    return batch(deletedBefore, after, BATCH)
        .compose(
            b ->
                b.more()
                    ? next(deletedBefore, b.lastKey(), deletedSoFar + b.deleted())
                    : Future.succeededFuture(deletedSoFar + b.deleted()));
  }

  /** One transaction: up to {@code max} tombstones after {@code after}, in key order. */
  Future<Batch> batch(long deletedBefore, String after, int max) {
    return writer.inTransaction(c -> purge(c, deletedBefore, after, max));
  }

  private static Batch purge(Connection c, long deletedBefore, String after, int max)
      throws SQLException {
    List<String> keys = new ArrayList<>();
    List<Long> versions = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.OLD_TOMBSTONES)) {
      ps.setLong(1, deletedBefore);
      ps.setString(2, after);
      ps.setInt(3, max);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
          versions.add(rs.getLong(2));
        }
      }
    }
    if (keys.isEmpty()) {
      c.commit();
      return new Batch(0, 0, after, false);
    }
    long highest = versions.stream().mapToLong(Long::longValue).max().orElseThrow();
    // The floor and the deletions commit together. The floor's one row also makes the purges of
    // several nodes take turns.
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
    return new Batch(deleted, highest, keys.get(keys.size() - 1), keys.size() == max);
  }
}
