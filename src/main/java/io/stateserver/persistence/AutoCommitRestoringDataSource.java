package io.stateserver.persistence;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DriverManager data source whose connections return to auto-commit after a transaction.
 *
 * <p>Why: the Vert.x JDBC client 5.0.x ends every transaction with {@code commit()} (or {@code
 * rollback()}) followed by {@code setAutoCommit(false)} instead of {@code true}
 * (vert-x3/vertx-jdbc-client#356, fixed upstream after 5.0.10). A pooled connection then runs every
 * later single statement in an implicit transaction that is never committed: acknowledged writes
 * would stay invisible, hold locks, and be lost. This wrapper turns that one {@code
 * setAutoCommit(false)} right after a commit or rollback into {@code setAutoCommit(true)}. Remove
 * it when the BOM brings a fixed client; {@code AutoCommitRestoringDataSourceIT} shows the need.
 */
final class AutoCommitRestoringDataSource implements DataSource {
  private final ConnectionOpener opener;

  AutoCommitRestoringDataSource(ConnectionOpener opener) {
    this.opener = opener;
  }

  @Override
  public Connection getConnection() throws SQLException {
    // Each pooled connection also replaces its physical connection after that one broke.
    return wrap(ReconnectingConnection.open(opener));
  }

  /** The pool asks without credentials; the opener has the configured ones. */
  @Override
  public Connection getConnection(String username, String pass) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials come from the server's configuration");
  }

  static Connection wrap(Connection real) {
    boolean[] transactionJustEnded = {false};
    return (Connection)
        Proxy.newProxyInstance(
            AutoCommitRestoringDataSource.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if ("setAutoCommit".equals(name)
                  && Boolean.FALSE.equals(args[0])
                  && transactionJustEnded[0]) {
                transactionJustEnded[0] = false;
                real.setAutoCommit(true);
                return null;
              }
              if ("commit".equals(name) || "rollback".equals(name)) {
                transactionJustEnded[0] = true;
              } else if (!"setAutoCommit".equals(name)) {
                transactionJustEnded[0] = false;
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public PrintWriter getLogWriter() {
    return DriverManager.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) {
    DriverManager.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) {
    DriverManager.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() {
    return DriverManager.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
