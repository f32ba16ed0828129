package io.stateserver.persistence;

import java.util.Collections;

/**
 * Every SQL statement of the persistence layer. Values are always bound as parameters; the only
 * generated SQL is a list of {@code ?} placeholders for the IN clause of a read.
 */
final class SqlStatements {
  private SqlStatements() {}

  static final String ENTRY_COLUMNS =
      "entry_key, entry_value, version, deleted, updated_at, updated_by, expires_at, owner_session";

  static final String POSTGRES_INSERT_TOMBSTONE =
      "INSERT INTO state_entry ("
          + ENTRY_COLUMNS
          + ") VALUES (?, NULL, 0, TRUE, 0, NULL, NULL, NULL)"
          + " ON CONFLICT (entry_key) DO NOTHING";

  static final String H2_INSERT_TOMBSTONE =
      "MERGE INTO state_entry t USING (SELECT CAST(? AS VARCHAR(1024)) AS k) s"
          + " ON t.entry_key = s.k"
          + " WHEN NOT MATCHED THEN INSERT ("
          + ENTRY_COLUMNS
          + ") VALUES (s.k, NULL, 0, TRUE, 0, NULL, NULL, NULL)";

  static final String SELECT_ENTRY =
      "SELECT " + ENTRY_COLUMNS + " FROM state_entry WHERE entry_key = ?";

  static final String UPDATE_ENTRY =
      "UPDATE state_entry SET entry_value = ?, version = ?, deleted = ?, updated_at = ?,"
          + " updated_by = ?, expires_at = ?, owner_session = ? WHERE entry_key = ?";

  /**
   * Rows of a key range, in key order; parameters: after, prefix, prefix + "0", include deleted,
   * limit. The range holds every key that equals the prefix or starts with prefix + "/" ('/' sorts
   * just below '0'), plus a few look-alikes the caller filters out. It is one index range on
   * purpose: an OR of the exact key and the range made H2 scan the whole table.
   */
  static final String SCAN_PREFIX =
      "SELECT "
          + ENTRY_COLUMNS
          + " FROM state_entry"
          + " WHERE entry_key > ? AND entry_key >= ? AND entry_key < ?"
          + " AND version > 0 AND deleted IN (FALSE, ?)"
          + " ORDER BY entry_key LIMIT ?";

  /** All rows in key order; parameters: after, include deleted, limit. */
  static final String SCAN_ALL =
      "SELECT "
          + ENTRY_COLUMNS
          + " FROM state_entry WHERE entry_key > ?"
          + " AND version > 0 AND deleted IN (FALSE, ?)"
          + " ORDER BY entry_key LIMIT ?";

  static final String EXPIRED_KEYS =
      "SELECT entry_key FROM state_entry WHERE expires_at <= ? AND deleted = FALSE"
          + " ORDER BY expires_at LIMIT ?";

  static final String KEYS_OWNED_BY =
      "SELECT entry_key FROM state_entry WHERE owner_session = ? AND deleted = FALSE"
          + " ORDER BY entry_key";

  static final String SESSION_COLUMNS =
      "id, client_id, node_id, connected, connected_at, disconnected_at, lease_until, ended";

  static final String INSERT_SESSION =
      "INSERT INTO client_session ("
          + SESSION_COLUMNS
          + ") VALUES (?, ?, ?, TRUE, ?, NULL, ?, FALSE)";

  /** Parameters: node, now, leaseUntil, id, client, disconnected-not-before, lease-not-before. */
  static final String RESUME_SESSION =
      "UPDATE client_session SET node_id = ?, connected = TRUE, connected_at = ?,"
          + " disconnected_at = NULL, lease_until = ?"
          + " WHERE id = ? AND client_id = ? AND ended = FALSE"
          + " AND ((connected = FALSE AND disconnected_at >= ?)"
          + " OR (connected = TRUE AND lease_until >= ?))";

  /**
   * Parameters: now, id, node, connected-at of the dropping connection. The connected-at check
   * keeps a connection that closes late from disconnecting the session a newer connection resumed
   * meanwhile on the same node.
   */
  static final String DROP_SESSION =
      "UPDATE client_session SET connected = FALSE, disconnected_at = ?"
          + " WHERE id = ? AND node_id = ? AND connected_at = ? AND connected = TRUE"
          + " AND ended = FALSE";

  static final String RENEW_LEASES =
      "UPDATE client_session SET lease_until = ?"
          + " WHERE node_id = ? AND connected = TRUE AND ended = FALSE";

  /** Parameters: disconnected-before, lease-before, max. */
  static final String FIND_EXPIRED_SESSIONS =
      "SELECT "
          + SESSION_COLUMNS
          + " FROM client_session WHERE ended = FALSE"
          + " AND ((connected = FALSE AND disconnected_at < ?)"
          + " OR (connected = TRUE AND lease_until < ?))"
          + " ORDER BY id LIMIT ?";

  /** Parameters: now, id, disconnected-before, lease-before. */
  static final String MARK_SESSION_ENDED =
      "UPDATE client_session SET ended = TRUE, connected = FALSE,"
          + " disconnected_at = COALESCE(disconnected_at, ?)"
          + " WHERE id = ? AND ended = FALSE"
          + " AND ((connected = FALSE AND disconnected_at < ?)"
          + " OR (connected = TRUE AND lease_until < ?))";

  static final String SELECT_SESSION =
      "SELECT " + SESSION_COLUMNS + " FROM client_session WHERE id = ?";

  static final String SESSIONS_OF_CLIENT =
      "SELECT " + SESSION_COLUMNS + " FROM client_session WHERE client_id = ? ORDER BY id";

  /**
   * Locks and reads the rows of an array of keys, in key order so that concurrent nodes never
   * deadlock.
   */
  static final String LOCK_ENTRIES =
      "SELECT "
          + ENTRY_COLUMNS
          + " FROM state_entry WHERE entry_key = ANY(?) ORDER BY entry_key FOR UPDATE";

  /** The sessions of an array of client ids. */
  static final String SESSIONS_OF_CLIENTS =
      "SELECT " + SESSION_COLUMNS + " FROM client_session WHERE client_id = ANY(?)";

  static String selectEntries(int keyCount) {
    return "SELECT "
        + ENTRY_COLUMNS
        + " FROM state_entry WHERE entry_key IN ("
        + placeholders(keyCount)
        + ")";
  }

  private static String placeholders(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("an IN list needs at least one value");
    }
    return String.join(", ", Collections.nCopies(count, "?"));
  }
}
