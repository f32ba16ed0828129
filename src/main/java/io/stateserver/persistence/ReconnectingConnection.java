package io.stateserver.persistence;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pooled JDBC connection that opens a new physical connection for its next use once the one it
 * had broke (the database restarted, failed over, or the network between them failed).
 *
 * <p>Why: the Vert.x JDBC client 5.0.x never learns that a pooled connection died (its {@code
 * isValid()} is always true) and leases it again for ever, so after an outage every read, session
 * operation and readiness check would fail until the node restarts (vert-x3/vertx-jdbc-client#357,
 * fixed upstream after 5.1.3). Failures of the connection or of the statements it made are watched;
 * one that {@link DatabaseFailures#unreachable} recognises marks the connection broken. The work
 * that failed still fails (as {@code unavailable}): a transaction that was open on it is lost, so a
 * {@code commit} on a broken connection fails too, and a {@code rollback} has nothing left to do.
 * Remove this when the BOM brings a fixed client; {@code DatabaseOutageIT} shows the need.
 */
final class ReconnectingConnection implements InvocationHandler {
  private static final Logger log = LoggerFactory.getLogger(ReconnectingConnection.class);
  private static final Set<Class<?>> STATEMENTS =
      Set.of(Statement.class, PreparedStatement.class, CallableStatement.class);

  /** Opens a physical connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private Connection real;
  // set by a statement's failure too, on the thread that uses the connection
  private volatile boolean broken;

  private ReconnectingConnection(Opener opener, Connection real) {
    this.opener = opener;
    this.real = real;
  }

  static Connection open(Opener opener) throws SQLException {
    return (Connection)
        Proxy.newProxyInstance(
            ReconnectingConnection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new ReconnectingConnection(opener, opener.open()));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (broken) {
      switch (method.getName()) {
        case "close" -> {
          closeQuietly(real);
          return null;
        }
        case "isClosed" -> {
          return false; // it opens again on its next use
        }
        case "rollback" -> {
          return null; // the transaction ended with the connection
        }
        case "commit" ->
            throw new SQLNonTransientConnectionException(
                "the connection broke before the commit; the transaction is lost", "08003");
        default -> reconnect();
      }
    }
    Object result = call(real, method, args);
    if (result instanceof Statement statement && STATEMENTS.contains(method.getReturnType())) {
      return Proxy.newProxyInstance(
          ReconnectingConnection.class.getClassLoader(),
          new Class<?>[] {method.getReturnType()},
          (p, m, a) -> call(statement, m, a));
    }
    return result;
  }

  /** Calls {@code method} on {@code target}; a failure that says the connection broke marks it. */
  private Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      if (!broken && DatabaseFailures.unreachable(e.getCause())) {
        broken = true;
        log.warn("pooled connection broke [cause: {}]", e.getCause().getMessage());
      }
      throw e.getCause();
    }
  }

  /** Replaces the broken physical connection; while the database is unreachable, this fails. */
  private void reconnect() throws SQLException {
    Connection fresh = opener.open();
    closeQuietly(real);
    real = fresh;
    broken = false;
    log.info("pooled connection opened again");
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException | RuntimeException e) {
      // it is broken: closing is only to free what the driver still holds
    }
  }
}
