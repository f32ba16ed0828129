package io.stateserver.persistence;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
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
      // SQLSTATE class 08: connection exception (PostgreSQL's driver reports 08001 and 08006)
      if (t instanceof SQLException e
          && e.getSQLState() != null
          && e.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
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
