package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BroadcastGapsTest {
  private static final String SELF = "n0/aa";
  private static final String A = "n1/bb";
  private static final String B = "n2/cc";

  private final BroadcastGaps gaps = new BroadcastGaps(SELF);

  @Test
  void changesInSequenceShowNoGap() {
    for (long seq = 1; seq <= 100; seq++) {
      assertThat(gaps.changeArrived(A, seq, seq * 10)).isNull();
    }
    assertThat(gaps.beaconArrived(A, 100, 2_000)).isNull();
  }

  @Test
  void aChangeThatSkipsNumbersReportsTheMissedOnesFromTheLastOneHeard() {
    gaps.changeArrived(A, 1, 1_000);
    gaps.changeArrived(A, 2, 1_100);

    assertThat(gaps.changeArrived(A, 6, 5_000))
        .isEqualTo(new BroadcastGaps.Gap(A, 3, 1_100, BroadcastGaps.VIA_CHANGE));
    // the origin now stands at 6: the next change is in sequence
    assertThat(gaps.changeArrived(A, 7, 5_100)).isNull();
  }

  @Test
  void aBeaconAheadOfTheLastChangeReportsTheTrailingLoss() {
    gaps.changeArrived(A, 1, 1_000);

    assertThat(gaps.beaconArrived(A, 4, 3_000))
        .isEqualTo(new BroadcastGaps.Gap(A, 3, 1_000, BroadcastGaps.VIA_BEACON));
    assertThat(gaps.beaconArrived(A, 4, 4_000)).isNull();
    assertThat(gaps.changeArrived(A, 5, 4_500)).isNull();
  }

  @Test
  void aBeaconInStepMovesTheTimeTheGapIsCountedFrom() {
    gaps.changeArrived(A, 1, 1_000);
    gaps.beaconArrived(A, 1, 9_000);

    assertThat(gaps.changeArrived(A, 3, 9_500))
        .isEqualTo(new BroadcastGaps.Gap(A, 1, 9_000, BroadcastGaps.VIA_CHANGE));
  }

  @Test
  void theFirstNumberHeardFromAnOriginOnlySetsWhereItStands() {
    assertThat(gaps.changeArrived(A, 500, 1_000)).isNull();
    assertThat(gaps.beaconArrived(B, 70, 1_000)).isNull();

    assertThat(gaps.changeArrived(A, 501, 1_100)).isNull();
    assertThat(gaps.beaconArrived(B, 72, 2_000))
        .isEqualTo(new BroadcastGaps.Gap(B, 2, 1_000, BroadcastGaps.VIA_BEACON));
  }

  @Test
  void originsAreFollowedApart() {
    gaps.changeArrived(A, 1, 1_000);
    gaps.changeArrived(B, 1, 1_000);

    assertThat(gaps.changeArrived(A, 2, 1_100)).isNull();
    assertThat(gaps.changeArrived(B, 3, 1_200))
        .isEqualTo(new BroadcastGaps.Gap(B, 1, 1_000, BroadcastGaps.VIA_CHANGE));
  }

  @Test
  void aRestartedNodeIsANewOriginNotAGap() {
    gaps.changeArrived("n1/old", 900, 1_000);

    assertThat(gaps.changeArrived("n1/new", 1, 2_000)).isNull();
    assertThat(gaps.changeArrived("n1/new", 2, 2_100)).isNull();
  }

  @Test
  void numbersAlreadyHeardAreNotGaps() {
    gaps.changeArrived(A, 5, 1_000);

    assertThat(gaps.changeArrived(A, 5, 1_100)).isNull();
    assertThat(gaps.changeArrived(A, 3, 1_200)).isNull();
    assertThat(gaps.beaconArrived(A, 4, 1_300)).isNull();
    // and they do not move the origin back: 6 is still next
    assertThat(gaps.changeArrived(A, 6, 1_400)).isNull();
  }

  @Test
  void ownAndUnnumberedBroadcastsAreNotFollowed() {
    assertThat(gaps.changeArrived(SELF, 1, 1_000)).isNull();
    assertThat(gaps.changeArrived(SELF, 50, 1_100)).isNull();
    assertThat(gaps.beaconArrived(SELF, 99, 1_200)).isNull();
    assertThat(gaps.changeArrived(null, 0, 1_300)).isNull();
    assertThat(gaps.size()).isZero();
  }

  @Test
  void theOriginHeardFromLongestAgoIsForgottenFirst() {
    gaps.changeArrived(A, 1, 0);
    for (int i = 0; i < BroadcastGaps.MAX_ORIGINS - 1; i++) {
      gaps.changeArrived("old/" + i, 1, 1);
    }
    gaps.beaconArrived(A, 1, 2); // A heard again: now the most recent
    gaps.changeArrived(B, 1, 3); // one too many: "old/0" goes

    assertThat(gaps.size()).isEqualTo(BroadcastGaps.MAX_ORIGINS);
    assertThat(gaps.changeArrived(A, 3, 4))
        .isEqualTo(new BroadcastGaps.Gap(A, 1, 2, BroadcastGaps.VIA_CHANGE));
    assertThat(gaps.changeArrived("old/0", 5, 5)).isNull(); // forgotten: a fresh start
  }

  @Test
  void aLeaseRecordAheadOfWhatArrivedReportsTheLossFromTheLastOneHeard() {
    gaps.changeArrived(A, 1, 1_000);

    assertThat(gaps.leaseRecordRead(A, 4, 2_000, 9_000))
        .isEqualTo(new BroadcastGaps.Gap(A, 3, 1_000, BroadcastGaps.VIA_LEASE_RECORD));
    // the losses it showed are not shown again by the beacon that follows
    assertThat(gaps.beaconArrived(A, 4, 9_500)).isNull();
  }

  @Test
  void aLeaseRecordCountsAsHeardWhenItsNumberWasTakenNotWhenItIsRead() {
    gaps.changeArrived(A, 1, 1_000);
    gaps.leaseRecordRead(A, 1, 4_000, 9_000);

    assertThat(gaps.changeArrived(A, 3, 9_500))
        .isEqualTo(new BroadcastGaps.Gap(A, 1, 4_000, BroadcastGaps.VIA_CHANGE));
  }

  @Test
  void aLeaseRecordThatStoppedChangingDoesNotMoveTheTimeAGapIsCountedFrom() {
    gaps.changeArrived(A, 5, 1_000);
    for (long read = 10_000; read < 100_000; read += 3_000) {
      assertThat(gaps.leaseRecordRead(A, 5, 900, read)).isNull();
    }

    assertThat(gaps.beaconArrived(A, 8, 100_000))
        .isEqualTo(new BroadcastGaps.Gap(A, 3, 1_000, BroadcastGaps.VIA_BEACON));
  }

  @Test
  void aLeaseRecordBehindWhatArrivedIsNoGapAndMovesNothingBack() {
    gaps.changeArrived(A, 9, 5_000);

    assertThat(gaps.leaseRecordRead(A, 6, 4_000, 6_000)).isNull();
    assertThat(gaps.leaseRecordRead(A, 9, 4_500, 6_500)).isNull();
    assertThat(gaps.changeArrived(A, 11, 7_000))
        .isEqualTo(new BroadcastGaps.Gap(A, 1, 5_000, BroadcastGaps.VIA_CHANGE));
  }

  @Test
  void aLeaseRecordTakenOnAClockAheadCountsAsHeardWhenRead() {
    gaps.changeArrived(A, 1, 1_000);
    gaps.leaseRecordRead(A, 1, 50_000, 9_000);

    assertThat(gaps.changeArrived(A, 3, 9_500))
        .isEqualTo(new BroadcastGaps.Gap(A, 1, 9_000, BroadcastGaps.VIA_CHANGE));
  }

  @Test
  void everyLossIsReportedExactlyOnceWhateverTheInterleavingOfBeacons() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      BroadcastGaps tracker = new BroadcastGaps(SELF);
      List<BroadcastGaps.Gap> reported = new ArrayList<>();
      long lost = 0;
      long sent = 0;
      long now = 0;
      tracker.changeArrived(A, ++sent, now);
      for (int step = 0; step < 300; step++) {
        now++;
        if (random.nextInt(10) == 0) {
          add(reported, tracker.beaconArrived(A, sent, now));
        } else {
          sent++;
          if (random.nextInt(4) == 0) {
            lost++;
          } else {
            add(reported, tracker.changeArrived(A, sent, now));
          }
        }
      }
      add(reported, tracker.beaconArrived(A, sent, ++now));

      assertThat(reported.stream().mapToLong(BroadcastGaps.Gap::missed).sum())
          .as("round %d", round)
          .isEqualTo(lost);
    }
  }

  private static void add(List<BroadcastGaps.Gap> reported, BroadcastGaps.Gap gap) {
    if (gap != null) {
      reported.add(gap);
    }
  }
}
