package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which failed transactions the state store runs again. */
class RowsTest {

  @ParameterizedTest
  @ValueSource(strings = {"40001", "40P01", "HYT00", "23505", "90131"})
  void aTransactionThatLostARaceIsRunAgain(String sqlState) {
    assertThat(Rows.isTransient(new SQLException("race", sqlState))).isTrue();
  }

  @Test
  void aCauseWrappedInAnotherExceptionStillCounts() {
    assertThat(Rows.isTransient(new RuntimeException(new SQLTransientException("race", "40001"))))
        .isTrue();
  }

  /**
   * The commit happened: running the transaction again would apply its writes twice, even when what
   * H2 reported underneath looks like a lost race.
   */
  @Test
  void aCommitThatCouldNotBeSyncedIsNeverRunAgain() {
    SQLException h2Timeout = new SQLException("timeout trying to lock", "HYT00");
    SQLException syncFailed =
        new SQLException("not synced", WriterConnection.SYNC_FAILED, h2Timeout);

    assertThat(Rows.isTransient(syncFailed)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"08006", "42P01", "22001"})
  void otherFailuresAreNotRunAgain(String sqlState) {
    assertThat(Rows.isTransient(new SQLException("broken", sqlState))).isFalse();
  }
}
