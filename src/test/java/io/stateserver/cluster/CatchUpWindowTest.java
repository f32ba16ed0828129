package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CatchUpWindowTest {
  private static final long LOOKBACK = 40_000;
  private static final String A = "[10.0.0.1]:5701";
  private static final String B = "[10.0.0.2]:5701";
  private static final String C = "[10.0.0.3]:5701";

  private final CatchUpWindow window = new CatchUpWindow(LOOKBACK);

  @Test
  void aDepartedMemberIsCaughtUpFromTheLookbackBeforeItWasNoticed() {
    assertThat(window.memberLeft(A, 1_000_000)).isEqualTo(1_000_000 - LOOKBACK);
  }

  @Test
  void aMemberAtANewAddressLooksBackOnlyTheLookback() {
    window.memberLeft(A, 100_000);

    assertThat(window.memberJoined(B, 500_000)).isEqualTo(500_000 - LOOKBACK);
  }

  @Test
  void aMemberBackAfterASplitIsCaughtUpFromWhenItLeftHoweverLongAgo() {
    window.memberLeft(A, 100_000);

    assertThat(window.memberJoined(A, 9_000_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void anotherMembersJoinDoesNotCoverADepartureThatHasNotComeBack() {
    window.memberLeft(C, 100_000);
    window.memberJoined(B, 200_000);
    window.caughtUp(Set.of(B), 200_001);

    assertThat(window.memberJoined(C, 900_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void aCompletedSweepAfterTheMemberCameBackCoversItsDeparture() {
    window.memberLeft(A, 100_000);
    window.memberJoined(A, 200_000);
    window.caughtUp(Set.of(A), 200_001);

    assertThat(window.memberJoined(A, 300_000)).isEqualTo(300_000 - LOOKBACK);
  }

  @Test
  void aDepartureDuringTheSweepStaysRecordedFromItsOwnTime() {
    window.memberLeft(A, 100_000);
    window.memberJoined(A, 200_000);
    window.memberLeft(A, 200_500);
    window.caughtUp(Set.of(A), 200_001);

    assertThat(window.memberJoined(A, 300_000)).isEqualTo(200_500 - LOOKBACK);
  }

  @Test
  void anUnfinishedSweepCoversNothing() {
    window.memberLeft(A, 100_000);
    window.memberJoined(A, 200_000);

    assertThat(window.memberJoined(A, 300_000)).isEqualTo(100_000 - LOOKBACK);
  }

  @Test
  void aMergeLooksBackToTheOldestDepartureAndItsSweepCoversThemAll() {
    window.memberLeft(B, 150_000);
    window.memberLeft(C, 100_000);

    assertThat(window.merged(400_000)).isEqualTo(100_000 - LOOKBACK);
    window.caughtUp(null, 400_001);
    assertThat(window.merged(500_000)).isEqualTo(500_000 - LOOKBACK);
  }

  @Test
  void departuresOlderThanADayAreForgotten() {
    window.memberLeft(A, 100_000);
    window.memberLeft(B, 100_000 + CatchUpWindow.FORGET_AFTER_MS + 1);

    assertThat(window.memberJoined(A, 100_000 + CatchUpWindow.FORGET_AFTER_MS + 2))
        .isEqualTo(100_000 + CatchUpWindow.FORGET_AFTER_MS + 2 - LOOKBACK);
  }

  @Test
  void aNegativeLookbackIsRefused() {
    assertThatThrownBy(() -> new CatchUpWindow(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
