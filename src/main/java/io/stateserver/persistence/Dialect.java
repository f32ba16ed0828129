package io.stateserver.persistence;

/** The SQL databases the server runs on, with what differs between them. */
public enum Dialect {
  H2("h2", SqlStatements.H2_INSERT_TOMBSTONE),
  POSTGRES("postgresql", SqlStatements.POSTGRES_INSERT_TOMBSTONE);

  private final String migrationFolder;
  private final String insertTombstone;

  Dialect(String migrationFolder, String insertTombstone) {
    this.migrationFolder = migrationFolder;
    this.insertTombstone = insertTombstone;
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
   * can fail with a unique violation, which {@link StateStore} retries.
   */
  String insertTombstone() {
    return insertTombstone;
  }
}
