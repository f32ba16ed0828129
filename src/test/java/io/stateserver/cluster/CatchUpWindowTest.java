package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CatchUpWindowTest {
  private static final long LOOKBACK = 40_000;
  private static final long STARTED = 50_000;
  private static final String A = "[10.0.0.1]:5701";
  private static final String B = "[10.0.0.2]:5701";
  private static final String C = "[10.0.0.3]:5701";

  private final CatchUpWindow window = new CatchUpWindow(LOOKBACK, STARTED);

  @Test
  void aDepartedMemberIsCaughtUpFromTheLookbackBeforeItWasNoticed() {
    assertThat(window.memberLeft(A, 1_000_000)).isEqualTo(1_000_000 - LOOKBACK);
  }

  @Test
  void aNewlyStartedMemberLooksBackFromItsStart() {
    window.memberLeft(A, 100_000);

    assertThat(window.memberJoined(B, 490_000L, 500_000)).isEqualTo(490_000 - LOOKBACK);
  }

  @Test
  void aMemberThatStartedBeforeThisNodeLooksBackFromThisNodesStart() {
    assertThat(window.memberJoined(B, 10_000L, 500_000)).isEqualTo(STARTED - LOOKBACK);
  }

  @Test
  void aMemberThatDoesNotSayWhenItStartedLooksBackOnlyTheLookback() {
    assertThat(window.memberJoined(B, null, 500_000)).isEqualTo(500_000 - LOOKBACK);
  }

  @Test
  void aMemberBackAfterASplitIsCaughtUpFromWhenItLeftHoweverLongAgo() {
    window.memberLeft(A, 100_000);

    assertThat(window.memberJoined(A, 90_000L, 9_000_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void anotherMembersJoinDoesNotCoverADepartureThatHasNotComeBack() {
    window.memberLeft(C, 100_000);
    window.caughtUp(Map.of(B, 200_000L));

    assertThat(window.memberJoined(C, 60_000L, 900_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void aCompletedSweepForTheMembersReturnCoversItsDeparture() {
    window.memberLeft(A, 100_000);
    window.caughtUp(Map.of(A, 200_000L));

    assertThat(window.memberJoined(A, null, 300_000)).isEqualTo(300_000 - LOOKBACK);
  }

  @Test
  void aDepartureAfterTheReturnStaysRecordedFromItsOwnTimeWhateverSweepCompletes() {
    window.memberLeft(A, 100_000);
    // back at 200,000, gone again at 200,500; the sweep for the return (or its repeat 5 s later)
    // completes after that
    window.memberLeft(A, 200_500);
    window.caughtUp(Map.of(A, 200_000L));
    window.caughtUp(Map.of(A, 200_000L));

    assertThat(window.memberJoined(A, null, 900_000)).isEqualTo(200_500 - LOOKBACK);
  }

  @Test
  void anUnfinishedSweepCoversNothing() {
    window.memberLeft(A, 100_000);
    window.memberJoined(A, null, 200_000);

    assertThat(window.memberJoined(A, null, 300_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void theOldestAddressesAreForgottenBeyondTheLimit() {
    for (int i = 0; i <= CatchUpWindow.MAX_DEPARTURES; i++) {
      window.memberLeft("[10.1.0." + i + "]:5701", 100_000 + i);
    }

    assertThat(window.memberJoined("[10.1.0.0]:5701", null, 900_000))
        .as("the oldest was dropped")
        .isEqualTo(900_000 - LOOKBACK);
    assertThat(window.memberJoined("[10.1.0.1]:5701", null, 900_000)).isEqualTo(100_001 - LOOKBACK);
  }

  @Test
  void aNegativeLookbackIsRefused() {
    assertThatThrownBy(() -> new CatchUpWindow(-1, STARTED))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
