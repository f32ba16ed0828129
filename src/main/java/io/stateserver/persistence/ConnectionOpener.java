package io.stateserver.persistence;

import io.stateserver.config.ServerConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Opens a physical JDBC connection: one of the pool's, or the writer's. */
@FunctionalInterface
interface ConnectionOpener {
  Connection open() throws SQLException;

  /**
   * Opens connections to {@code db}, with its network timeout on PostgreSQL.
   *
   * <p>Why: a path to the database that drops packets silently (a failover that moves the
   * database's address, a firewall that forgets the connection) fails no statement until the
   * operating system's TCP retries give up, about fifteen minutes later. Until then the statement
   * waits, and so does every write queued behind it on the writer connection. With the timeout, the
   * driver closes a connection that has not answered a statement, or a login, for that long; the
   * statement fails as {@code unavailable}, and the next one opens a new connection. The migrations
   * open their own connections without it: building an index may rightly take longer.
   *
   * <p>The database, for its part, ends a session left idle in a transaction for as long: the
   * closing of a connection given up on that path never reaches it, and the transaction would
   * otherwise hold its row locks, and stall every node's writes to those keys, until the database's
   * own TCP keepalive gives up (two hours by default). The server never leaves a transaction idle:
   * its statements follow each other on one thread.
   */
  static ConnectionOpener of(ServerConfig.Db db) {
    Properties properties = properties(db);
    return () -> DriverManager.getConnection(db.url(), properties);
  }

  /** The driver properties for {@code db}: a parameter of the same name in its URL wins. */
  static Properties properties(ServerConfig.Db db) {
    Properties properties = new Properties();
    if (db.user() != null) {
      properties.setProperty("user", db.user());
    }
    if (db.password() != null) {
      properties.setProperty("password", db.password());
    }
    if (db.isPostgres() && db.networkTimeoutMs() > 0) {
      // the PostgreSQL driver counts both in whole seconds
      String seconds = Long.toString((db.networkTimeoutMs() + 999) / 1000);
      properties.setProperty("socketTimeout", seconds);
      properties.setProperty("loginTimeout", seconds);
      properties.setProperty(
          "options", "-c idle_in_transaction_session_timeout=" + db.networkTimeoutMs());
    }
    return properties;
  }
}
