package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RejectionWindowTest {
  private static final long MS = 1_000_000L;

  @Test
  void moreThanTheAllowedRejectionsWithinTheWindowIsAbuse() {
    RejectionWindow window = new RejectionWindow(3, 1000);
    assertThat(window.recordAndCheck(0)).isFalse();
    assertThat(window.recordAndCheck(10 * MS)).isFalse();
    assertThat(window.recordAndCheck(20 * MS)).isFalse();
    assertThat(window.recordAndCheck(30 * MS)).isTrue();
  }

  @Test
  void rejectionsSpreadOverMoreThanTheWindowAreNotAbuse() {
    RejectionWindow window = new RejectionWindow(3, 1000);
    for (int i = 0; i < 100; i++) {
      // one rejection every 400 ms: at most 3 in any second
      assertThat(window.recordAndCheck(i * 400 * MS)).as("rejection %d", i).isFalse();
    }
  }

  @Test
  void oldRejectionsLeaveTheWindow() {
    RejectionWindow window = new RejectionWindow(2, 1000);
    window.recordAndCheck(0);
    window.recordAndCheck(1 * MS);
    assertThat(window.recordAndCheck(1000 * MS)).isFalse();
    assertThat(window.recordAndCheck(1001 * MS)).isFalse();
    assertThat(window.recordAndCheck(1002 * MS)).isTrue();
  }
}
