package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DatabaseFailuresTest {

  @Test
  void lostAndRefusedConnectionsAreUnreachable() {
    assertThat(DatabaseFailures.unreachable(new SQLNonTransientConnectionException("broken")))
        .isTrue();
    assertThat(DatabaseFailures.unreachable(new SQLTransientConnectionException("timeout")))
        .isTrue();
    assertThat(DatabaseFailures.unreachable(new SQLRecoverableException("reset"))).isTrue();
    // PostgreSQL's driver: a plain SQLException (PSQLException) with SQLSTATE 08006 or 08001
    assertThat(DatabaseFailures.unreachable(new SQLException("i/o error", "08006"))).isTrue();
    assertThat(DatabaseFailures.unreachable(new SQLException("cannot connect", "08001"))).isTrue();
    // PostgreSQL going away (restart, failover) and not yet back
    for (String state : List.of("57P01", "57P02", "57P03", "53300")) {
      assertThat(DatabaseFailures.unreachable(new SQLException("going away", state)))
          .as(state)
          .isTrue();
    }
  }

  @Test
  void aCauseAnywhereInTheChainCounts() {
    Throwable wrapped =
        new CompletionException(
            new SQLException("acquisition failed", null, new ConnectException("refused")));
    assertThat(DatabaseFailures.unreachable(wrapped)).isTrue();
  }

  @Test
  void faultsOfTheStatementOrTheDataAreNot() {
    assertThat(DatabaseFailures.unreachable(new SQLSyntaxErrorException("bad sql", "42601")))
        .isFalse();
    assertThat(
            DatabaseFailures.unreachable(
                new SQLIntegrityConstraintViolationException("duplicate", "23505")))
        .isFalse();
    assertThat(DatabaseFailures.unreachable(new SQLException("no state"))).isFalse();
    assertThat(DatabaseFailures.unreachable(new IllegalStateException("a bug"))).isFalse();
  }

  @Test
  void anUnreachableDatabaseIsRefusedAsUnavailableWithARetryHint() {
    Throwable refused =
        DatabaseFailures.asUnavailable(new SQLRecoverableException("reset")).cause();
    assertThat(refused).isInstanceOf(StateException.class);
    assertThat(((StateException) refused).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(((StateException) refused).details().getLong("retryAfterMs")).isPositive();

    IllegalStateException bug = new IllegalStateException("a bug");
    assertThat(DatabaseFailures.asUnavailable(bug).cause()).isSameAs(bug);
  }
}
