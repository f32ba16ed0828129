package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.session.LeaseState.AfterFailure;
import io.stateserver.session.LeaseState.Renewal;
import org.junit.jupiter.api.Test;

class LeaseStateTest {
  // grace 20 s, lease 10 s, renewals every 3 s
  private static final SessionTiming TIMING = new SessionTiming(20_000, 10_000, 3_000, 1_000);
  private static final long LEASE = TIMING.leaseMs();
  private static final long LEASE_AND_GRACE = TIMING.leaseMs() + TIMING.graceMs();

  /** A node that renewed at {@code now} for the first time. */
  private static LeaseState heldSince(long now, boolean clustered) {
    LeaseState state = new LeaseState(TIMING, clustered);
    assertThat(state.renewed(now + LEASE, now)).isEqualTo(Renewal.AS_USUAL);
    return state;
  }

  /** Renewals every 3 s that each succeed at once, from {@code from} up to {@code to}. */
  private static void renewOnTime(LeaseState state, long from, long to) {
    for (long t = from; t <= to; t += 3_000) {
      assertThat(state.renewed(t + LEASE, t)).isEqualTo(Renewal.AS_USUAL);
    }
  }

  private static void fail(LeaseState state, long sentAt, long now) {
    state.renewalFailed(sentAt + LEASE, now);
  }

  @Test
  void aNodeOfItsOwnEndsSessionsFromItsFirstLeaseAndOnlyWhileItHoldsIt() {
    LeaseState state = new LeaseState(TIMING, false);
    assertThat(state.mayEndSessions(1_000)).as("before the first lease").isFalse();

    state.renewed(1_000 + LEASE, 1_000);

    assertThat(state.mayEndSessions(1_000)).isTrue();
    assertThat(state.mayEndSessions(1_000 + LEASE - 1)).isTrue();
    assertThat(state.mayEndSessions(1_000 + LEASE)).as("its lease ran out").isFalse();
  }

  @Test
  void aClusteredNodeEndsNoSessionForALeaseAndAGraceAfterItStarts() {
    LeaseState state = heldSince(1_000, true);

    renewOnTime(state, 4_000, 31_000);
    assertThat(state.mayEndSessions(1_000 + LEASE_AND_GRACE - 1)).isFalse();
    assertThat(state.mayEndSessions(1_000 + LEASE_AND_GRACE)).isTrue();
  }

  @Test
  void aShortBreakPausesTheEndingOfSessionsOnlyUntilTheNextRenewal() {
    LeaseState state = heldSince(0, false);
    fail(state, 3_000, 3_100);
    assertThat(state.mayEndSessions(3_200)).as("lease still held, but a renewal failed").isFalse();

    assertThat(state.renewed(6_000 + LEASE, 6_000)).isEqualTo(Renewal.AFTER_SHORT_BREAK);

    assertThat(state.mayEndSessions(6_000)).isTrue();
  }

  @Test
  void afterABreakOfTheGraceOrLongerNoSessionEndsForALeaseAndAGrace() {
    LeaseState state = heldSince(0, true);
    renewOnTime(state, 3_000, 15_000);
    for (long t = 18_000; t <= 36_000; t += 3_000) {
      fail(state, t, t + 1);
    }
    assertThat(state.mayEndSessions(36_002)).isFalse();

    // the last renewal that counted succeeded at 15 s: a break of 24 s
    assertThat(state.renewed(39_000 + LEASE, 39_000)).isEqualTo(Renewal.AFTER_LONG_BREAK);

    assertThat(state.mayEndSessions(39_000)).isFalse();
    renewOnTime(state, 42_000, 69_000);
    assertThat(state.mayEndSessions(39_000 + LEASE_AND_GRACE - 1)).isFalse();
    assertThat(state.mayEndSessions(39_000 + LEASE_AND_GRACE)).isTrue();
  }

  @Test
  void aFailureOfARenewalSentBeforeOneThatSucceededChangesNothing() {
    LeaseState state = heldSince(0, false);
    renewOnTime(state, 3_000, 30_000);

    // sent at 3 s, its request timed out only now, after later renewals succeeded
    assertThat(state.renewalFailed(3_000 + LEASE, 30_500)).isEqualTo(AfterFailure.NOTHING);

    assertThat(state.mayEndSessions(30_500)).isTrue();
  }

  @Test
  void aSuccessOfARenewalSentBeforeOneThatSucceededChangesNothing() {
    LeaseState state = heldSince(0, false);
    renewOnTime(state, 3_000, 9_000);
    fail(state, 12_000, 12_100);

    // sent at 6 s, its reply came only now (replies can come out of order)
    assertThat(state.renewed(6_000 + LEASE, 12_200)).isEqualTo(Renewal.AS_USUAL);

    assertThat(state.mayEndSessions(12_200)).as("the newer renewal failed").isFalse();
  }

  @Test
  void aRenewalThatSucceedsOnlyAfterTheLeaseRanOutEndsABreak() {
    LeaseState state = heldSince(0, false);

    // sent at 12 s, after the lease (until 10 s) ran out, with no failure seen (the request hung)
    assertThat(state.renewed(12_000 + LEASE, 12_500)).isEqualTo(Renewal.AFTER_SHORT_BREAK);
    assertThat(state.mayEndSessions(12_500)).isTrue();
  }

  @Test
  void aRenewalWhoseLeaseRanOutBeforeItSucceededDoesNotCount() {
    LeaseState state = heldSince(0, false);

    assertThat(state.renewed(3_000 + LEASE, 16_000)).isEqualTo(Renewal.AS_USUAL);

    assertThat(state.mayEndSessions(16_000)).isFalse();
    assertThat(state.renewed(18_000 + LEASE, 18_000)).isEqualTo(Renewal.AFTER_SHORT_BREAK);
    assertThat(state.mayEndSessions(18_000)).isTrue();
  }

  @Test
  void aNodeWhoseLeaseRanOutSendsItsClientsAwayWhileAnotherNodeHoldsOne() {
    LeaseState state = heldSince(0, true);
    state.otherHeld("n2", 9_000 + LEASE);

    assertThat(state.renewalFailed(9_000 + LEASE, 9_000))
        .as("own lease still held")
        .isEqualTo(AfterFailure.NOTHING);
    state.otherHeld("n2", 12_000 + LEASE);
    assertThat(state.renewalFailed(12_000 + LEASE, 12_000)).isEqualTo(AfterFailure.SEND_AWAY_FIRST);
    assertThat(state.othersHolding()).isEqualTo(1);
    state.otherHeld("n2", 15_000 + LEASE);
    assertThat(state.renewalFailed(15_000 + LEASE, 15_000)).isEqualTo(AfterFailure.SEND_AWAY_AGAIN);

    assertThat(state.renewed(18_000 + LEASE, 18_000)).isEqualTo(Renewal.AFTER_SHORT_BREAK);
    assertThat(state.heldUntil()).isEqualTo(18_000 + LEASE);
  }

  @Test
  void theClientsStayWhenNoOtherNodeRenewedWithinTwoRenewalPeriods() {
    LeaseState state = heldSince(0, true);
    state.otherHeld("n2", 12_000 + LEASE);
    assertThat(state.renewalFailed(12_000 + LEASE, 12_000)).isEqualTo(AfterFailure.SEND_AWAY_FIRST);

    // n2 stopped renewing too (the whole database went away): its lease still runs, but is stale
    assertThat(state.renewalFailed(18_000 + LEASE, 18_000)).isEqualTo(AfterFailure.CLIENTS_STAY);
    assertThat(state.renewalFailed(21_000 + LEASE, 21_000)).isEqualTo(AfterFailure.NOTHING);
  }

  @Test
  void aNodeOfItsOwnNeverSendsItsClientsAway() {
    LeaseState state = heldSince(0, false);
    state.otherHeld("n2", 12_000 + LEASE);

    assertThat(state.renewalFailed(12_000 + LEASE, 12_000)).isEqualTo(AfterFailure.NOTHING);
  }

  @Test
  void aNodeThatNeverHeldALeaseSendsNoClientAway() {
    LeaseState state = new LeaseState(TIMING, true);
    state.otherHeld("n2", 1_000 + LEASE);

    assertThat(state.renewalFailed(1_000 + LEASE, 1_000)).isEqualTo(AfterFailure.NOTHING);
  }
}
