package io.stateserver.persistence;

import io.stateserver.session.SessionRow;
import io.stateserver.state.StoredEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The statements of the write transaction, in plain JDBC on the {@link WriterConnection}. Key lists
 * are bound as one array ({@code = ANY(?)}), so each statement has one text and the database parses
 * it once, whatever the batch size.
 */
final class EntryWrites {
  private EntryWrites() {}

  /** Inserts a version-0 tombstone for each key that has no row yet. */
  static void insertPlaceholders(Connection c, Dialect dialect, List<String> keys)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertTombstone())) {
      for (String key : keys) {
        ps.setString(1, key);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Reads the rows of {@code keys} that exist, without locking them. */
  static Map<String, StoredEntry> read(Connection c, Dialect dialect, List<String> keys)
      throws SQLException {
    return select(c, dialect, SqlStatements.READ_ENTRIES, keys);
  }

  /** Locks the rows of {@code keys} in key order (so that nodes never deadlock) and reads them. */
  static Map<String, StoredEntry> lock(Connection c, Dialect dialect, List<String> keys)
      throws SQLException {
    return select(c, dialect, SqlStatements.LOCK_ENTRIES, keys);
  }

  private static Map<String, StoredEntry> select(
      Connection c, Dialect dialect, String sql, List<String> keys) throws SQLException {
    Map<String, StoredEntry> rows = new HashMap<>(keys.size() * 2);
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf(dialect.keyArrayType(), keys.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          StoredEntry entry = Rows.entry(rs);
          rows.put(entry.key(), entry);
        }
      }
    }
    return rows;
  }

  /** Deletes the never-written (version 0) rows of {@code keys}, which this transaction locked. */
  static void deleteUnwritten(Connection c, Dialect dialect, List<String> keys)
      throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.DELETE_UNWRITTEN)) {
      ps.setArray(1, c.createArrayOf(dialect.keyArrayType(), keys.toArray()));
      ps.executeUpdate();
    }
  }

  /**
   * The highest version a tombstone purge deleted ({@link TombstonePurge}). Read after the rows, in
   * the same transaction: a purge that deleted a row this transaction found missing had committed
   * before that read, so its floor is seen here too.
   */
  static long versionFloor(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.SELECT_VERSION_FLOOR);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** The sessions of the given clients, grouped by client. */
  static Map<String, List<SessionRow>> sessionsOf(
      Connection c, Dialect dialect, Collection<String> clients) throws SQLException {
    Map<String, List<SessionRow>> byClient = new HashMap<>();
    if (clients.isEmpty()) {
      return byClient;
    }
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.SESSIONS_OF_CLIENTS)) {
      ps.setArray(1, c.createArrayOf(dialect.keyArrayType(), clients.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          SessionRow session = Rows.session(rs);
          byClient.computeIfAbsent(session.clientId(), k -> new ArrayList<>()).add(session);
        }
      }
    }
    return byClient;
  }

  /**
   * Writes the new state of every changed entry: first the inserts of keys {@code read} has no row
   * for, then the updates of the others, each conditional on the version read; both in key order.
   * Inserts first, so that together with the locking path (placeholders, then row locks, both in
   * key order) every transaction takes its locks in one order and two nodes cannot deadlock.
   *
   * @throws SQLTransientException (SQL state 40001) when an update found its row changed since it
   *     was read; a concurrent first insert of the same key fails with a unique violation (or, on
   *     H2, a concurrent-update error)
   */
  static void write(Connection c, Collection<StoredEntry> changed, Map<String, StoredEntry> read)
      throws SQLException {
    List<StoredEntry> updates = new ArrayList<>();
    List<StoredEntry> inserts = new ArrayList<>();
    for (StoredEntry e : changed) {
      (read.containsKey(e.key()) ? updates : inserts).add(e);
    }
    Comparator<StoredEntry> byKey = Comparator.comparing(StoredEntry::key);
    inserts.sort(byKey);
    updates.sort(byKey);
    if (!inserts.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(SqlStatements.INSERT_ENTRY)) {
        for (StoredEntry e : inserts) {
          ps.setString(1, e.key());
          bindState(ps, e, 2);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (!updates.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(SqlStatements.UPDATE_ENTRY)) {
        for (StoredEntry e : updates) {
          bindState(ps, e, 1);
          ps.setString(8, e.key());
          ps.setLong(9, read.get(e.key()).version());
          ps.addBatch();
        }
        // Checked on the locking path too: it cannot fail there, and if it ever did, a retry
        // beats a silently lost write.
        if (Arrays.stream(ps.executeBatch()).anyMatch(n -> n != 1)) {
          throw new SQLTransientException("a row changed after it was read", "40001");
        }
      }
    }
  }

  /**
   * Binds value, version, deleted, updated at, updated by, expires at and owner from {@code at}.
   */
  private static void bindState(PreparedStatement ps, StoredEntry e, int at) throws SQLException {
    ps.setString(at, e.valueJson());
    ps.setLong(at + 1, e.version());
    ps.setBoolean(at + 2, e.deleted());
    ps.setLong(at + 3, e.updatedAt());
    ps.setString(at + 4, e.updatedBy());
    if (e.expiresAt() == null) {
      ps.setNull(at + 5, Types.BIGINT);
    } else {
      ps.setLong(at + 5, e.expiresAt());
    }
    ps.setString(at + 6, e.ownerSession());
  }
}
