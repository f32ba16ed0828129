package io.stateserver.persistence;

import io.stateserver.session.SessionRow;
import io.stateserver.state.StoredEntry;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
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

  /** Locks the rows of {@code keys} in key order (so that nodes never deadlock) and reads them. */
  static Map<String, StoredEntry> lock(Connection c, Dialect dialect, List<String> keys)
      throws SQLException {
    Map<String, StoredEntry> rows = new HashMap<>(keys.size() * 2);
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.LOCK_ENTRIES)) {
      Array array = c.createArrayOf(dialect.keyArrayType(), keys.toArray());
      ps.setArray(1, array);
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

  /** Writes the new state of every changed row. */
  static void update(Connection c, Collection<StoredEntry> changed) throws SQLException {
    if (changed.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(SqlStatements.UPDATE_ENTRY)) {
      for (StoredEntry e : changed) {
        ps.setString(1, e.valueJson());
        ps.setLong(2, e.version());
        ps.setBoolean(3, e.deleted());
        ps.setLong(4, e.updatedAt());
        ps.setString(5, e.updatedBy());
        if (e.expiresAt() == null) {
          ps.setNull(6, Types.BIGINT);
        } else {
          ps.setLong(6, e.expiresAt());
        }
        ps.setString(7, e.ownerSession());
        ps.setString(8, e.key());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }
}
