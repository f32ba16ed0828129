package io.stateserver.persistence;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells a database that cannot be reached (a broken or refused connection: a network fault, a
 * failover, a restart) from other failures. The first is {@code unavailable}, retryable, and says
 * nothing about the request; the second is a fault to log with its stack trace.
 */
public final class DatabaseFailures {
  /** How long a client should wait before retrying when the database is unavailable. */
  public static final long RETRY_AFTER_MS = 1000;

  /**
   * A connection unused for longer is checked before its next use: after a database outage or
   * failover it is usually dead, and the request that finds out would fail. Under load connections
   * are never idle that long, so the check costs nothing there.
   */
  static final long IDLE_CHECK_NANOS = 1_000_000_000L;

  /**
   * Whether an idle connection still answers ({@code isValid}, at most a second; H2 ignores the
   * limit). False also when the check itself fails: a new connection is the way out either way.
   */
  static boolean answers(Connection connection) {
    try {
      return connection.isValid(1);
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  private DatabaseFailures() {}

  /** Whether {@code failure}, or one of its causes, is a lost or refused connection. */
  public static boolean unreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLNonTransientConnectionException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLRecoverableException
          || t instanceof ConnectException) {
        return true;
      }
      if (t instanceof SQLException e && e.getSQLState() != null && unreachable(e.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * SQLSTATE class 08, connection exception (PostgreSQL's driver reports 08001 and 08006), and
   * PostgreSQL's own states of a server going away or not yet back: 57P01 (shut down by the
   * administrator), 57P02 (crash shutdown), 57P03 (cannot connect now: starting up, in recovery),
   * 53300 (too many connections).
   */
  private static boolean unreachable(String sqlState) {
    return sqlState.startsWith("08")
        || sqlState.equals("57P01")
        || sqlState.equals("57P02")
        || sqlState.equals("57P03")
        || sqlState.equals("53300");
  }

  /** The refusal a client gets while the database cannot be reached. */
  public static StateException unavailable() {
    return new StateException(
        ErrorCode.UNAVAILABLE,
        "database unavailable",
        new JsonObject().put("retryAfterMs", RETRY_AFTER_MS));
  }

  /** For {@code recover}: an unreachable database as {@link #unavailable()}, others unchanged. */
  public static <T> Future<T> asUnavailable(Throwable failure) {
    return Future.failedFuture(unreachable(failure) ? unavailable() : failure);
  }
}
