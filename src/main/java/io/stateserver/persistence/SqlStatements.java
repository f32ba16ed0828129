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

  /**
   * Writes a row's new state if it still has the version this transaction read (parameter 9); an
   * update count of 0 means another transaction changed the row in between.
   */
  static final String UPDATE_ENTRY =
      "UPDATE state_entry SET entry_value = ?, version = ?, deleted = ?, updated_at = ?,"
          + " updated_by = ?, expires_at = ?, owner_session = ? WHERE entry_key = ? AND version = ?";

  /**
   * Inserts the first row of a key. A concurrent insert of the same key by another node fails with
   * a unique violation, which {@link StateStore} retries.
   */
  static final String INSERT_ENTRY =
      "INSERT INTO state_entry (" + ENTRY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

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

  /**
   * Rows written at or after a time, in key order; parameters: after, since (epoch ms), limit. For
   * the catch-up after a cluster membership change, which is rare, so {@code updated_at} has no
   * index: an index would make every write update it (and, on PostgreSQL, rule out HOT updates).
   */
  static final String CHANGED_SINCE =
      "SELECT "
          + ENTRY_COLUMNS
          + " FROM state_entry WHERE entry_key > ? AND updated_at >= ? AND version > 0"
          + " ORDER BY entry_key LIMIT ?";

  /**
   * The highest version a tombstone purge deleted: a key with no row starts above it (migration
   * V6).
   */
  static final String SELECT_VERSION_FLOOR =
      "SELECT highest_removed FROM version_floor WHERE id = 1";

  /**
   * Tombstones written before a time, in key order; parameters: written-before, after, limit. Read
   * rarely (each {@code db.tombstonePurgeEveryMs}), so {@code updated_at} has no index (see {@link
   * #CHANGED_SINCE}).
   */
  static final String OLD_TOMBSTONES =
      "SELECT entry_key, version FROM state_entry WHERE deleted = TRUE AND version > 0"
          + " AND updated_at < ? AND entry_key > ? ORDER BY entry_key LIMIT ?";

  /**
   * Live nodes of an earlier release, which do not read the version floor (their renewals leave
   * {@code reads_version_floor} FALSE). Parameter: now.
   */
  static final String LIVE_NODES_NOT_READING_THE_FLOOR =
      "SELECT COUNT(*) FROM node_lease WHERE lease_until >= ? AND reads_version_floor = FALSE";

  /** Parameter: the highest version about to be deleted. */
  static final String RAISE_VERSION_FLOOR =
      "UPDATE version_floor SET highest_removed = GREATEST(highest_removed, ?) WHERE id = 1";

  /**
   * Deletes a tombstone if it is still the one read (a key written again since has another version
   * and stays); parameters: key, version.
   */
  static final String DELETE_TOMBSTONE =
      "DELETE FROM state_entry WHERE entry_key = ? AND version = ? AND deleted = TRUE";

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

  /**
   * The lease of the node a session row is connected on (0 when the node never renewed one); a
   * connected session's lease is the later of this and its own {@code lease_until}.
   */
  private static final String NODE_LEASE_OF_ROW =
      "COALESCE((SELECT n.lease_until FROM node_lease n"
          + " WHERE n.node_id = client_session.node_id), 0)";

  /**
   * Parameters: node, now, leaseUntil, id, client, disconnected-not-before, lease-not-before, node,
   * now.
   *
   * <p>The last condition: on one node, a resume does not take a session from a live connection
   * that connected after it (connected-at is strictly increasing per node), so that of two resumes
   * racing on one node the later-connected one owns the session, and the node keeps that one open
   * ({@code LiveSessions}). A dropped session is not compared: its connection is gone, or was an
   * earlier run's of the node, whose clock may have been ahead. Across nodes the clocks differ, and
   * each connection asks the row whether it owns the session instead.
   */
  static final String RESUME_SESSION =
      "UPDATE client_session SET node_id = ?, connected = TRUE, connected_at = ?,"
          + " disconnected_at = NULL, lease_until = ?"
          + " WHERE id = ? AND client_id = ? AND ended = FALSE AND ending = FALSE"
          + " AND ((connected = FALSE AND disconnected_at >= ?)"
          + " OR (connected = TRUE AND GREATEST(lease_until, "
          + NODE_LEASE_OF_ROW
          + ") >= ?))"
          + " AND (node_id <> ? OR connected = FALSE OR connected_at < ?)";

  /**
   * Gives a node a lease row if it has none, so that the expiry sweep, which starts from node
   * leases, finds its sessions even if it dies before it first renews. Parameters: node, lease
   * until, node.
   */
  static final String ENSURE_NODE_LEASE =
      "INSERT INTO node_lease (node_id, lease_until)"
          + " SELECT CAST(? AS VARCHAR(256)), CAST(? AS BIGINT)"
          + " WHERE NOT EXISTS (SELECT 1 FROM node_lease WHERE node_id = ?)";

  /**
   * Renews a node's lease and records how far its broadcasts had got. Parameters: node, lease
   * until, origin, broadcast number, when it was taken, renewal number.
   *
   * <p>Renewals go through the pool, so an older one's write can land after a newer one's. It is
   * then left out rather than set the lease and the broadcast number back: only a renewal with a
   * higher number, or of another origin (the node started again), changes the row (migration V7).
   */
  static final String H2_RENEW_NODE_LEASE =
      // no length in the casts: a cast would cut a value too long for its column, not refuse it
      "MERGE INTO node_lease t USING (VALUES (CAST(? AS VARCHAR), CAST(? AS BIGINT),"
          + " CAST(? AS VARCHAR), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT)))"
          + " AS s (node_id, lease_until, origin, broadcast_seq, broadcast_sampled_at, renewal_seq)"
          + " ON t.node_id = s.node_id"
          + " WHEN MATCHED AND (t.renewal_seq < s.renewal_seq OR t.origin IS DISTINCT FROM s.origin)"
          + " THEN UPDATE SET lease_until = s.lease_until, origin = s.origin,"
          + " broadcast_seq = s.broadcast_seq, broadcast_sampled_at = s.broadcast_sampled_at,"
          + " renewal_seq = s.renewal_seq, reads_version_floor = TRUE"
          + " WHEN NOT MATCHED THEN INSERT (node_id, lease_until, origin, broadcast_seq,"
          + " broadcast_sampled_at, renewal_seq, reads_version_floor)"
          + " VALUES (s.node_id, s.lease_until, s.origin, s.broadcast_seq, s.broadcast_sampled_at,"
          + " s.renewal_seq, TRUE)";

  /**
   * The broadcast numbers the other live nodes recorded (a row whose lease ran out long ago is a
   * dead node's). Parameters: this node, lease not before.
   */
  static final String SELECT_NODE_BROADCASTS =
      "SELECT origin, broadcast_seq, broadcast_sampled_at FROM node_lease"
          + " WHERE origin IS NOT NULL AND broadcast_seq > 0 AND node_id <> ? AND lease_until >= ?";

  /**
   * Forces H2's file to the disk. H2 writes each commit to its file (WRITE_DELAY=0) but never asks
   * the operating system to sync it, so without this a power loss or an OS crash could take
   * acknowledged writes with it. Needs an admin user (the embedded database's creator is one).
   */
  static final String H2_SYNC_TO_DISK = "CHECKPOINT SYNC";

  /** As {@link #H2_RENEW_NODE_LEASE}, an older renewal left out the same way. */
  static final String POSTGRES_RENEW_NODE_LEASE =
      "INSERT INTO node_lease (node_id, lease_until, origin, broadcast_seq, broadcast_sampled_at,"
          + " renewal_seq, reads_version_floor) VALUES (?, ?, ?, ?, ?, ?, TRUE)"
          + " ON CONFLICT (node_id) DO UPDATE SET lease_until = EXCLUDED.lease_until,"
          + " origin = EXCLUDED.origin, broadcast_seq = EXCLUDED.broadcast_seq,"
          + " broadcast_sampled_at = EXCLUDED.broadcast_sampled_at,"
          + " renewal_seq = EXCLUDED.renewal_seq, reads_version_floor = TRUE"
          + " WHERE node_lease.renewal_seq < EXCLUDED.renewal_seq"
          + " OR node_lease.origin IS DISTINCT FROM EXCLUDED.origin";

  /**
   * Parameters: now, id, node, connected-at of the dropping connection. The connected-at check
   * keeps a connection that closes late from disconnecting the session a newer connection resumed
   * meanwhile on the same node.
   */
  static final String DROP_SESSION =
      "UPDATE client_session SET connected = FALSE, disconnected_at = ?"
          + " WHERE id = ? AND node_id = ? AND connected_at = ? AND connected = TRUE"
          + " AND ended = FALSE";

  /** Parameters: node. */
  static final String SELECT_NODE_LEASE =
      "SELECT lease_until, renewal_seq, origin FROM node_lease WHERE node_id = ?";

  /** Parameters: now, node. See {@code SessionOp.DropEarlierRun}. */
  static final String DROP_EARLIER_RUN_SESSIONS =
      "UPDATE client_session SET connected = FALSE, disconnected_at = ?"
          + " WHERE node_id = ? AND connected = TRUE AND ended = FALSE";

  /**
   * Dropped sessions past their grace, and sessions whose end began and did not finish. Parameters:
   * disconnected-before, after-id, max.
   */
  static final String FIND_EXPIRED_DROPPED_SESSIONS =
      "SELECT "
          + SESSION_COLUMNS
          + " FROM client_session WHERE ended = FALSE AND connected = FALSE"
          + " AND (disconnected_at < ? OR ending = TRUE) AND id > ? ORDER BY id LIMIT ?";

  /**
   * Connected sessions of nodes whose lease ran out, found from the (few) node leases rather than
   * by reading every session. Parameters: lease-before (node), lease-before (session), after-id,
   * max.
   */
  static final String FIND_EXPIRED_CONNECTED_SESSIONS =
      "SELECT "
          + SESSION_COLUMNS.replaceAll("(\\w+)", "s.$1")
          + " FROM node_lease n JOIN client_session s ON s.node_id = n.node_id"
          + " WHERE n.lease_until < ? AND s.connected = TRUE AND s.ended = FALSE"
          + " AND s.lease_until < ? AND s.id > ? ORDER BY s.id LIMIT ?";

  /**
   * A session past its grace: dropped before the first time, or connected on a node whose lease
   * (and its own) ran out before the second; or one whose end began. (An {@code ending} row is
   * never connected while every node runs this release; a node of the release before, whose resume
   * does not look at {@code ending}, can resume one during a rolling upgrade, and then the row is
   * judged by its lease like any connected one, not ended under its connection.)
   */
  private static final String PAST_GRACE =
      " AND ((ending = TRUE AND connected = FALSE) OR (connected = FALSE AND disconnected_at < ?)"
          + " OR (connected = TRUE AND GREATEST(lease_until, "
          + NODE_LEASE_OF_ROW
          + ") < ?))";

  /**
   * Begins a session's end: from here on no resume takes it ({@link #RESUME_SESSION}), so its
   * ephemeral keys can be deleted before it is marked ended. Parameters: now, id,
   * disconnected-before, lease-before.
   */
  static final String BEGIN_SESSION_END =
      "UPDATE client_session SET ending = TRUE, connected = FALSE,"
          + " disconnected_at = COALESCE(disconnected_at, ?)"
          + " WHERE id = ? AND ended = FALSE"
          + PAST_GRACE;

  /** Parameters: now, id, disconnected-before, lease-before. */
  static final String MARK_SESSION_ENDED =
      "UPDATE client_session SET ended = TRUE, connected = FALSE,"
          + " disconnected_at = COALESCE(disconnected_at, ?)"
          + " WHERE id = ? AND ended = FALSE"
          + PAST_GRACE;

  /**
   * Deletes sessions that ended before a time. Nothing reads an ended session: presence counts only
   * live ones, and an ended session cannot be resumed. Parameter: ended-before.
   */
  static final String PRUNE_ENDED_SESSIONS =
      "DELETE FROM client_session WHERE ended = TRUE AND disconnected_at < ?";

  /**
   * Deletes the lease rows of nodes that stopped renewing before a time (a node id is new at every
   * start unless configured, so every restart leaves one). A row stays while any session that has
   * not ended names its node: the expiry sweep finds a dead node's connected sessions through it.
   * Parameter: lease-before.
   */
  static final String PRUNE_DEAD_NODE_LEASES =
      "DELETE FROM node_lease WHERE lease_until < ? AND NOT EXISTS (SELECT 1 FROM client_session s"
          + " WHERE s.node_id = node_lease.node_id AND s.ended = FALSE)";

  static final String SELECT_SESSION =
      "SELECT " + SESSION_COLUMNS + " FROM client_session WHERE id = ?";

  /** Reads the rows of an array of keys, without locking them. */
  static final String READ_ENTRIES =
      "SELECT " + ENTRY_COLUMNS + " FROM state_entry WHERE entry_key = ANY(?)";

  /**
   * Locks and reads the rows of an array of keys, in key order so that concurrent nodes never
   * deadlock.
   */
  static final String LOCK_ENTRIES =
      "SELECT "
          + ENTRY_COLUMNS
          + " FROM state_entry WHERE entry_key = ANY(?) ORDER BY entry_key FOR UPDATE";

  /** Removes never-written placeholder rows of an array of keys. */
  static final String DELETE_UNWRITTEN =
      "DELETE FROM state_entry WHERE entry_key = ANY(?) AND version = 0";

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
