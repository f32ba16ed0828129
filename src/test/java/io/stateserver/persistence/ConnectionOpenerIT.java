package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import java.sql.Connection;
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
