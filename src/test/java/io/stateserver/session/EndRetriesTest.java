package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndRetriesTest {

  @Test
  void aFailedEndIsTriedAgainAfterABackoffThatDoublesUpToAMinute() {
    EndRetries retries = new EndRetries();
    assertThat(retries.due("s1", 0)).isTrue();

    retries.failed("s1", 0);
    assertThat(retries.due("s1", 999)).isFalse();
    assertThat(retries.due("s1", 1_000)).isTrue();
    assertThat(retries.due("s2", 999)).as("another session").isTrue();

    retries.failed("s1", 1_000);
    assertThat(retries.due("s1", 2_999)).isFalse();
    assertThat(retries.due("s1", 3_000)).isTrue();

    long now = 3_000;
    for (int i = 0; i < 6; i++) {
      retries.failed("s1", now);
    }
    assertThat(retries.due("s1", now + 59_999)).as("at most a minute").isFalse();
    assertThat(retries.due("s1", now + 60_000)).isTrue();
  }

  @Test
  void anEndThatKeptFailingForAnHourEndsTheSessionWithoutItsLastWills() {
    EndRetries retries = new EndRetries();
    assertThat(retries.givingUp("s1", 0)).as("never failed").isFalse();
    long now = 0;
    while (now < EndRetries.GIVE_UP_AFTER_MS) {
      assertThat(retries.givingUp("s1", now)).as("at %d ms", now).isFalse();
      retries.failed("s1", now);
      now += 60_000;
    }
    assertThat(retries.givingUp("s1", EndRetries.GIVE_UP_AFTER_MS)).isTrue();

    retries.ended("s1");
    assertThat(retries.givingUp("s1", EndRetries.GIVE_UP_AFTER_MS)).isFalse();
    assertThat(retries.due("s1", 0)).isTrue();
    assertThat(retries.failing()).isZero();
  }

  @Test
  void aSessionNotTriedAgainForTenMinutesIsForgotten() {
    EndRetries retries = new EndRetries();
    retries.failed("gone", 0); // ended by another node: never found again here
    retries.failed("s1", 700_000);
    assertThat(retries.failing()).isEqualTo(1);
    assertThat(retries.due("gone", 700_000)).isTrue();
  }
}
