package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CatchUpWindowTest {
  private static final long LOOKBACK = 40_000;

  private final CatchUpWindow window = new CatchUpWindow(LOOKBACK);

  @Test
  void aDepartedMemberIsCaughtUpFromTheLookbackBeforeItWasNoticed() {
    assertThat(window.memberLeft(1_000_000)).isEqualTo(1_000_000 - LOOKBACK);
  }

  @Test
  void aJoinWithNoEarlierDepartureLooksBackOnlyTheLookback() {
    assertThat(window.memberJoined(500_000)).isEqualTo(500_000 - LOOKBACK);
  }

  @Test
  void aJoinAfterASplitLooksBackToTheFirstDepartureHoweverLongAgo() {
    window.memberLeft(100_000);
    window.memberLeft(150_000);

    assertThat(window.memberJoined(9_000_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void aCompletedJoinSweepCoversTheDeparturesBeforeItStarted() {
    window.memberLeft(100_000);
    window.memberJoined(200_000);
    window.joinSweepCompleted(200_001);

    assertThat(window.memberJoined(300_000)).isEqualTo(300_000 - LOOKBACK);
  }

  @Test
  void aDepartureDuringAJoinSweepKeepsEveryDepartureUncovered() {
    window.memberLeft(100_000);
    window.memberJoined(200_000);
    window.memberLeft(200_500);
    window.joinSweepCompleted(200_001);

    assertThat(window.memberJoined(300_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void aFailedOrUnfinishedJoinSweepCoversNothing() {
    window.memberLeft(100_000);
    window.memberJoined(200_000);

    assertThat(window.memberJoined(300_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void aNegativeLookbackIsRefused() {
    assertThatThrownBy(() -> new CatchUpWindow(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
