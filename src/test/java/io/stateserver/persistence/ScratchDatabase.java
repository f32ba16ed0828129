package io.stateserver.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh in-memory H2 database with one table, and a connection of its own for the test to look at
 * it (or to end other sessions from outside).
 */
final class ScratchDatabase implements AutoCloseable {
  final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  final Connection admin;

  /**
   * @param createTable the table's DDL
   */
  ScratchDatabase(String createTable) throws SQLException {
    admin = DriverManager.getConnection(url);
    try (Statement s = admin.createStatement()) {
      s.execute(createTable);
    }
  }

  /** Opens connections to it, as the server's opener would. */
  ConnectionOpener opener() {
    return () -> DriverManager.getConnection(url);
  }

  /** How many rows {@code table} has, as the admin connection sees it. */
  int rows(String table) throws SQLException {
    try (Statement s = admin.createStatement();
        ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  @Override
  public void close() throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute("SHUTDOWN");
    }
    admin.close();
  }
}
