package io.stateserver.state;

/**
 * One row of the state table, as stored. A deleted key keeps its row as a tombstone so that its
 * version keeps increasing across delete and re-create (PROTOCOL.md section 1: versions are never
 * reused).
 *
 * @param key the key
 * @param valueJson the value as JSON text; {@code null} for a tombstone
 * @param version the version of the last write (the deletion's version for a tombstone); 0 for a
 *     key that was never written
 * @param deleted whether this row is a tombstone
 * @param updatedAt epoch ms of the last write
 * @param updatedBy the {@code sub} of the last writer
 * @param expiresAt epoch ms at which the key expires ({@code ttlMs}), or {@code null}
 * @param ownerSession the session an ephemeral key is tied to, or {@code null}
 */
public record StoredEntry(
    String key,
    String valueJson,
    long version,
    boolean deleted,
    long updatedAt,
    String updatedBy,
    Long expiresAt,
    String ownerSession) {

  /** The state of a key that has never been written. */
  public static StoredEntry absent(String key) {
    return new StoredEntry(key, null, 0, true, 0, null, null, null);
  }

  /**
   * The state of a key with no row, when tombstone purges have removed versions up to {@code
   * floor}: like a tombstone at that version, so that the next write takes {@code floor + 1}.
   */
  public static StoredEntry absent(String key, long floor) {
    return new StoredEntry(key, null, floor, true, 0, null, null, null);
  }

  /** True when a client would see the key as existing. */
  public boolean exists() {
    return !deleted;
  }

  /** The version a client sees: 0 when the key does not exist now. */
  public long visibleVersion() {
    return deleted ? 0 : version;
  }
}
