package io.stateserver.persistence;

import java.util.Optional;

/** The SQL databases the server runs on, with what differs between them. */
public enum Dialect {
  // H2 reads the array type name "TEXT" as CLOB, PostgreSQL's key column is TEXT.
  H2(
      "h2",
      SqlStatements.H2_INSERT_TOMBSTONE,
      SqlStatements.H2_RENEW_NODE_LEASE,
      "VARCHAR",
      SqlStatements.H2_SYNC_TO_DISK),
  // PostgreSQL's commit is durable by itself (synchronous_commit, on by default).
  POSTGRES(
      "postgresql",
      SqlStatements.POSTGRES_INSERT_TOMBSTONE,
      SqlStatements.POSTGRES_RENEW_NODE_LEASE,
      "text",
      null);

  private final String migrationFolder;
  private final String insertTombstone;
  private final String renewNodeLease;
  private final String keyArrayType;
  private final String syncAfterCommit;

  Dialect(
      String migrationFolder,
      String insertTombstone,
      String renewNodeLease,
      String keyArrayType,
      String syncAfterCommit) {
    this.migrationFolder = migrationFolder;
    this.insertTombstone = insertTombstone;
    this.renewNodeLease = renewNodeLease;
    this.keyArrayType = keyArrayType;
    this.syncAfterCommit = syncAfterCommit;
  }

  /**
   * The dialect of a JDBC URL.
   *
   * @throws IllegalArgumentException for a database the server does not support
   */
  public static Dialect of(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return POSTGRES;
    }
    if (jdbcUrl.startsWith("jdbc:h2:")) {
      return H2;
    }
    throw new IllegalArgumentException("unsupported database url: " + jdbcUrl);
  }

  /** The Flyway location of this dialect's migrations. */
  public String migrationLocation() {
    return "classpath:db/migration/" + migrationFolder;
  }

  /**
   * Inserts a never-written tombstone (version 0) for one key unless a row exists. Parameter: the
   * key. On PostgreSQL a concurrent insert of the same key by another node is harmless; on H2 it
   * can fail with a unique violation or a concurrent-update error, which {@link StateStore}
   * retries.
   */
  String insertTombstone() {
    return insertTombstone;
  }

  /**
   * The statement that makes committed transactions survive a power loss, run after each commit of
   * the writer connection and before anything is acknowledged; empty when a commit already does.
   */
  Optional<String> syncAfterCommit() {
    return Optional.ofNullable(syncAfterCommit);
  }

  /** Inserts or updates a node's lease. Parameters: node, lease until. */
  String renewNodeLease() {
    return renewNodeLease;
  }

  /**
   * Compares two keys as this database orders them: H2 by UTF-16 code unit (Java's {@link
   * String#compareTo}), PostgreSQL ({@code COLLATE "C"} on UTF-8) by code point. They differ only
   * for keys with characters beyond the Basic Multilingual Plane. What the server decides about key
   * order itself (an exact pattern's {@code after}) must agree with the order the database pages
   * in.
   */
  int compareKeys(String a, String b) {
    return this == H2 ? a.compareTo(b) : compareCodePoints(a, b);
  }

  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /** The SQL element type of a JDBC array of keys or ids bound to {@code = ANY(?)}. */
  String keyArrayType() {
    return keyArrayType;
  }
}
