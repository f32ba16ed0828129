package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.session.LeaseState.AfterFailure;
import org.junit.jupiter.api.Test;

class LeaseStateTest {
  // grace 5 s, lease 10 s, renewals every 3 s
  private static final SessionTiming TIMING = new SessionTiming(5_000, 10_000, 3_000, 1_000);
  private static final long LEASE = TIMING.leaseMs();
  private static final long LEASE_AND_GRACE = TIMING.leaseMs() + TIMING.graceMs();

  private static LeaseState heldSince(long now, boolean clustered) {
    LeaseState state = new LeaseState(TIMING, clustered);
    assertThat(state.renewed(now + LEASE, now)).as("the first lease is no break").isFalse();
    return state;
  }

  /** Renewals every 3 s that each succeed at once, from {@code from} up to {@code to}. */
  private static void renewOnTime(LeaseState state, long from, long to) {
    for (long t = from; t <= to; t += 3_000) {
      assertThat(state.renewed(t + LEASE, t)).isFalse();
    }
  }

  @Test
  void aNodeEndsSessionsOnlyWhileItHoldsItsLease() {
    LeaseState state = new LeaseState(TIMING, false);
    assertThat(state.mayEndSessions(1_000)).as("before the first lease").isFalse();

    state.renewed(1_000 + LEASE, 1_000);

    assertThat(state.mayEndSessions(1_000)).isTrue();
    assertThat(state.mayEndSessions(1_000 + LEASE - 1)).isTrue();
    assertThat(state.mayEndSessions(1_000 + LEASE)).as("its lease ran out").isFalse();
  }

  @Test
  void afterAFailedRenewalNoSessionEndsUntilTheLeaseHasBeenHeldForALeaseAndAGrace() {
    LeaseState state = heldSince(0, true);
    state.renewalFailed(3_000);
    assertThat(state.mayEndSessions(3_001)).as("lease still held, but a renewal failed").isFalse();

    assertThat(state.renewed(6_000 + LEASE, 6_000)).as("the break ends").isTrue();

    assertThat(state.mayEndSessions(6_000)).isFalse();
    renewOnTime(state, 9_000, 18_000);
    assertThat(state.mayEndSessions(6_000 + LEASE_AND_GRACE - 1)).isFalse();
    assertThat(state.mayEndSessions(6_000 + LEASE_AND_GRACE)).isTrue();
  }

  @Test
  void aRenewalThatSucceedsOnlyAfterTheLeaseRanOutIsABreak() {
    LeaseState state = heldSince(0, false);

    // sent at 12 s, after the lease (until 10 s) ran out, with no failure seen (the request hung)
    assertThat(state.renewed(12_000 + LEASE, 12_500)).isTrue();

    renewOnTime(state, 15_000, 24_000);
    assertThat(state.mayEndSessions(12_500 + LEASE_AND_GRACE - 1)).isFalse();
    assertThat(state.mayEndSessions(12_500 + LEASE_AND_GRACE)).isTrue();
  }

  @Test
  void aRenewalWhoseLeaseRanOutBeforeItSucceededDoesNotEndTheBreak() {
    LeaseState state = heldSince(0, false);
    state.renewalFailed(3_000);

    assertThat(state.renewed(5_000 + LEASE, 16_000)).as("its lease already ran out").isFalse();

    assertThat(state.mayEndSessions(16_000)).isFalse();
    assertThat(state.renewed(18_000 + LEASE, 18_000)).isTrue();
  }

  @Test
  void aNodeWhoseLeaseRanOutSendsItsClientsAwayWhileAnotherNodeHoldsOne() {
    LeaseState state = heldSince(0, true);
    state.otherHeld("n2", 9_000 + LEASE);

    assertThat(state.renewalFailed(9_000))
        .as("own lease still held")
        .isEqualTo(AfterFailure.NOTHING);
    state.otherHeld("n2", 12_000 + LEASE);
    assertThat(state.renewalFailed(12_000)).isEqualTo(AfterFailure.SEND_AWAY_FIRST);
    assertThat(state.othersHolding()).isEqualTo(1);
    state.otherHeld("n2", 15_000 + LEASE);
    assertThat(state.renewalFailed(15_000)).isEqualTo(AfterFailure.SEND_AWAY_AGAIN);

    assertThat(state.renewed(18_000 + LEASE, 18_000)).isTrue();
    assertThat(state.heldUntil()).isEqualTo(18_000 + LEASE);
  }

  @Test
  void theClientsStayWhenNoOtherNodeRenewedWithinTwoRenewalPeriods() {
    LeaseState state = heldSince(0, true);
    state.otherHeld("n2", 12_000 + LEASE);
    assertThat(state.renewalFailed(12_000)).isEqualTo(AfterFailure.SEND_AWAY_FIRST);

    // n2 stopped renewing too (the whole database went away): its lease still runs, but is stale
    assertThat(state.renewalFailed(18_000)).isEqualTo(AfterFailure.CLIENTS_STAY);
    assertThat(state.renewalFailed(21_000)).isEqualTo(AfterFailure.NOTHING);
  }

  @Test
  void aNodeOfItsOwnNeverSendsItsClientsAway() {
    LeaseState state = heldSince(0, false);
    state.otherHeld("n2", 12_000 + LEASE);

    assertThat(state.renewalFailed(12_000)).isEqualTo(AfterFailure.NOTHING);
  }

  @Test
  void aNodeThatNeverHeldALeaseSendsNoClientAway() {
    LeaseState state = new LeaseState(TIMING, true);
    state.otherHeld("n2", 1_000 + LEASE);

    assertThat(state.renewalFailed(1_000)).isEqualTo(AfterFailure.NOTHING);
  }
}
