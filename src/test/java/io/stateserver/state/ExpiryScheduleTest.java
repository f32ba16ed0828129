package io.stateserver.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExpiryScheduleTest {

  @Test
  void theEarliestTimeIsSweptAtFirstRoundedUpToItsBucket() {
    ExpirySchedule schedule = new ExpirySchedule();
    assertThat(schedule.next()).isEqualTo(-1);
    assertThat(schedule.add(1_005)).as("the first is the earliest").isTrue();
    assertThat(schedule.next()).isEqualTo(1_010);
    assertThat(schedule.add(2_000)).as("a later one moves nothing").isFalse();
    assertThat(schedule.add(1_001)).as("the same bucket moves nothing").isFalse();
    assertThat(schedule.add(500)).as("an earlier one moves the timer").isTrue();
    assertThat(schedule.next()).isEqualTo(500);
  }

  @Test
  void aSweepForgetsTheTimesItCoversAndLeavesTheLaterOnes() {
    ExpirySchedule schedule = new ExpirySchedule();
    schedule.add(100);
    schedule.add(200);
    schedule.add(300);
    schedule.sweptAt(200);
    assertThat(schedule.next()).isEqualTo(300);
    schedule.sweptAt(300);
    assertThat(schedule.next()).isEqualTo(-1);
  }

  @Test
  void atMostMaxTimesAreKeptTheLatestForgottenFirst() {
    ExpirySchedule schedule = new ExpirySchedule();
    for (int i = 1; i <= ExpirySchedule.MAX_TIMES; i++) {
      schedule.add(i * ExpirySchedule.BUCKET_MS * 2);
    }
    long latest = ExpirySchedule.MAX_TIMES * ExpirySchedule.BUCKET_MS * 2;
    assertThat(schedule.add(latest + 1_000)).as("beyond the latest, when full").isFalse();
    assertThat(schedule.add(ExpirySchedule.BUCKET_MS)).as("earlier than all").isTrue();
    // the latest made room for it
    schedule.sweptAt(latest - 1);
    assertThat(schedule.next()).isEqualTo(-1);
  }
}
