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
 *
 * <p>A connection that was idle for {@link DatabaseFailures#IDLE_CHECK_NANOS} or longer is checked
 * ({@code isValid}) before its next use outside a transaction, so that the first read after an
 * outage does not fail on a connection that died while nobody used it.
 */
final class ReconnectingConnection implements InvocationHandler {
  private static final Logger log = LoggerFactory.getLogger(ReconnectingConnection.class);
  private static final Set<Class<?>> STATEMENTS =
      Set.of(Statement.class, PreparedStatement.class, CallableStatement.class);
  // calls that ask about the connection rather than use it: they do not check it first
  private static final Set<String> STATUS_CALLS = Set.of("close", "isClosed", "isValid");

  private final ConnectionOpener opener;
  private final long idleCheckNanos;
  // The fields are used by one thread at a time (the pool leases a connection to one worker); a
  // statement's failure marks the connection from the thread that uses it too.
  private volatile Connection real;
  private volatile int generation;
  private volatile boolean broken;
  private volatile boolean inTransaction;
  private volatile boolean closed;
  private volatile long lastUsedNanos = System.nanoTime();

  private ReconnectingConnection(ConnectionOpener opener, Connection real, long idleCheckNanos) {
    this.opener = opener;
    this.real = real;
    this.idleCheckNanos = idleCheckNanos;
  }

  static Connection open(ConnectionOpener opener) throws SQLException {
    return open(opener, DatabaseFailures.IDLE_CHECK_NANOS);
  }

  /**
   * As {@link #open(ConnectionOpener)}, checking a connection idle for {@code idleCheckNanos}
   * (tests).
   */
  static Connection open(ConnectionOpener opener, long idleCheckNanos) throws SQLException {
    return (Connection)
        Proxy.newProxyInstance(
            ReconnectingConnection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new ReconnectingConnection(opener, opener.open(), idleCheckNanos));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    if (!STATUS_CALLS.contains(name)
        && !closed
        && !broken
        && !inTransaction
        && System.nanoTime() - lastUsedNanos >= idleCheckNanos) {
      checkIdle();
    }
    switch (name) {
      case "close" -> {
        closed = true;
        if (broken) {
          closeQuietly(real);
          return null;
        }
      }
      case "isClosed" -> {
        if (closed || broken) {
          return closed; // a broken one opens again on its next use
        }
      }
      case "isValid" -> {
        if (closed || broken) {
          return false;
        }
      }
      case "setAutoCommit" -> inTransaction = !(Boolean) args[0];
      default -> {}
    }
    if (closed && !"close".equals(name)) {
      throw new SQLNonTransientConnectionException("the connection is closed", "08003");
    }
    if (broken) {
      if ("rollback".equals(name)) {
        inTransaction = false;
        return null; // the transaction ended with the connection
      }
      if (inTransaction && !"setAutoCommit".equals(name)) {
        // its statements so far are lost: going on in a new connection would commit the rest alone
        throw new SQLNonTransientConnectionException(
            "the connection broke during a transaction; it is lost", "08003");
      }
      reconnect();
    }
    int made = generation;
    Object result = call(real, made, method, args);
    if (result instanceof Statement statement && STATEMENTS.contains(method.getReturnType())) {
      return Proxy.newProxyInstance(
          ReconnectingConnection.class.getClassLoader(),
          new Class<?>[] {method.getReturnType()},
          (p, m, a) -> call(statement, made, m, a));
    }
    return result;
  }

  /**
   * Calls {@code method} on {@code target}, made on the physical connection of generation {@code
   * made}; a failure that says that connection broke marks it. Idle time counts from the end of the
   * last call, on the connection or on a statement, so that a long query does not count as
   * idleness.
   */
  private Object call(Object target, int made, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      if (!broken && made == generation && DatabaseFailures.unreachable(e.getCause())) {
        broken = true;
        log.warn("pooled connection broke [cause: {}]", e.getCause().getMessage());
      }
      throw e.getCause();
    } finally {
      lastUsedNanos = System.nanoTime();
    }
  }

  /** Marks the connection broken when it died while idle, to be replaced before this use. */
  private void checkIdle() {
    if (!DatabaseFailures.answers(real)) {
      broken = true;
      log.warn("idle pooled connection found broken");
    }
  }

  /** Replaces the broken physical connection; while the database is unreachable, this fails. */
  private void reconnect() throws SQLException {
    Connection fresh = opener.open();
    closeQuietly(real);
    real = fresh;
    generation++;
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
