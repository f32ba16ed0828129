package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConnectionOpenerTest {

  private static ServerConfig.Db db(String url, String user, String password, long timeoutMs) {
    return new ServerConfig.Db(url, user, password, 4, 100, 0, 3_600_000, timeoutMs);
  }

  @Test
  void postgresConnectionsGiveUpOnAStatementOrLoginAfterTheTimeoutInWholeSeconds() {
    Properties p =
        ConnectionOpener.properties(db("jdbc:postgresql://db/state", "state", "pw", 2_500));

    assertThat(p.getProperty("socketTimeout")).as("rounded up").isEqualTo("3");
    assertThat(p.getProperty("loginTimeout")).isEqualTo("3");
    assertThat(p.getProperty("options")).isEqualTo("-c idle_in_transaction_session_timeout=2500");
    assertThat(p.getProperty("user")).isEqualTo("state");
    assertThat(p.getProperty("password")).isEqualTo("pw");
  }

  @Test
  void aTimeoutOfZeroLeavesTheDriverWithoutOne() {
    Properties p = ConnectionOpener.properties(db("jdbc:postgresql://db/state", null, null, 0));

    assertThat(p).isEmpty();
  }

  @Test
  void h2GetsNoPostgresPropertiesItWouldRefuse() {
    Properties p = ConnectionOpener.properties(db("jdbc:h2:tcp://127.0.0.1/x", "sa", null, 30_000));

    assertThat(p.stringPropertyNames()).containsExactly("user");
  }
}
