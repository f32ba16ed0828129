package io.stateserver.persistence;

import io.stateserver.session.SessionRow;
import io.stateserver.state.StoredEntry;
import io.vertx.sqlclient.Row;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Mapping between table rows and records, by column position (H2 upper-cases column names). */
final class Rows {
  private Rows() {}

  /** Reads a row selected with {@link SqlStatements#ENTRY_COLUMNS}. */
  static StoredEntry entry(Row row) {
    return new StoredEntry(
        row.getString(0),
        row.getString(1),
        row.getLong(2),
        row.getBoolean(3),
        row.getLong(4),
        row.getString(5),
        row.getLong(6),
        row.getString(7));
  }

  /** As {@link #entry(Row)}, from a plain JDBC result (the writer connection). */
  static StoredEntry entry(ResultSet rs) throws SQLException {
    return new StoredEntry(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getBoolean(4),
        rs.getLong(5),
        rs.getString(6),
        rs.getObject(7, Long.class),
        rs.getString(8));
  }

  /** Reads a row selected with {@link SqlStatements#SESSION_COLUMNS}. */
  static SessionRow session(Row row) {
    return new SessionRow(
        row.getString(0),
        row.getString(1),
        row.getString(2),
        row.getBoolean(3),
        row.getLong(4),
        row.getLong(5),
        row.getLong(6),
        row.getBoolean(7));
  }

  /** As {@link #session(Row)}, from a plain JDBC result (the writer connection). */
  static SessionRow session(ResultSet rs) throws SQLException {
    return new SessionRow(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getBoolean(4),
        rs.getLong(5),
        rs.getObject(6, Long.class),
        rs.getLong(7),
        rs.getBoolean(8));
  }

  /** The SQLSTATE of a failure, if it came from the database; null otherwise. */
  static String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  /**
   * Whether a transaction failed only because it lost a race with another one (deadlock,
   * serialization failure, a row changed after it was read, lock timeout, or two nodes inserting
   * the same new key), so that running it again may succeed.
   */
  static boolean isTransient(Throwable failure) {
    String state = sqlState(failure);
    // 40xxx: transaction rollback (PostgreSQL 40001, 40P01; H2 40001); HYT00: H2 lock timeout;
    // 23505: unique violation, which only the first insert of a key (or its placeholder) can cause;
    // 90131: H2's concurrent update, raised instead of 23505 while the other insert is uncommitted.
    return state != null
        && (state.startsWith("40")
            || state.equals("HYT00")
            || state.equals("23505")
            || state.equals("90131"));
  }
}
