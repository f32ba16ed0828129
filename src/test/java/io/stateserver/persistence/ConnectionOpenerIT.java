package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.config.ServerConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What the PostgreSQL driver makes of the opener's properties, on a real connection. */
class ConnectionOpenerIT {

  private static ServerConfig.Db postgres(String url, long networkTimeoutMs) {
    return new ServerConfig.Db(url, null, null, 4, 100, 0, 3_600_000, networkTimeoutMs);
  }

  private static String postgresUrl() {
    String url = TestDatabases.postgresUrl();
    Assumptions.assumeTrue(url != null, "needs " + TestDatabases.POSTGRES_URL_VARIABLE);
    return url;
  }

  @Test
  void aPostgresConnectionTimesOutAfterTheConfiguredNetworkTimeout() throws Exception {
    try (Connection c = ConnectionOpener.of(postgres(postgresUrl(), 2_500)).open()) {
      assertThat(c.getNetworkTimeout()).isEqualTo(3_000);
    }
  }

  @Test
  void theDatabaseEndsASessionLeftIdleInATransactionForTheTimeout() throws Exception {
    // As when the server gave up on a connection whose path went silent mid-transaction: its
    // close never reached the database, and the transaction would go on holding its locks.
    try (Connection c = ConnectionOpener.of(postgres(postgresUrl(), 1_000)).open();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("CREATE TEMPORARY TABLE held (id INT)");
      Thread.sleep(2_500);
      assertThatThrownBy(() -> s.execute("INSERT INTO held VALUES (1)"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(c.isValid(1)).isFalse());
    }
  }

  @Test
  void aSocketTimeoutInTheUrlWinsOverTheSetting() throws Exception {
    String url = postgresUrl();
    String ownTimeout = url + (url.contains("?") ? "&" : "?") + "socketTimeout=7";
    try (Connection c = ConnectionOpener.of(postgres(ownTimeout, 2_500)).open()) {
      assertThat(c.getNetworkTimeout()).isEqualTo(7_000);
    }
  }

  @Test
  void aTimeoutOfZeroLeavesTheConnectionWaitingForTheKernel() throws Exception {
    try (Connection c = ConnectionOpener.of(postgres(postgresUrl(), 0)).open()) {
      assertThat(c.getNetworkTimeout()).isZero();
    }
  }
}
