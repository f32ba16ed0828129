package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeadlineWheelTest {
  private long now = 1_000;

  /** A deadline that records when it fired. */
  private final class Recorded extends DeadlineWheel.Deadline {
    final List<Long> firedAt = new ArrayList<>();
    Runnable also = () -> {};

    @Override
    protected void expired() {
      firedAt.add(now);
      also.run();
    }
  }

  private void runFor(DeadlineWheel wheel, long ms) {
    for (long i = 0; i < ms; i++) {
      now++;
      wheel.expire();
    }
  }

  @Test
  void aDeadlineFiresOnTheFirstExpireAtOrAfterItsDueTimeAndNeverEarly() {
    DeadlineWheel wheel = new DeadlineWheel(100, 16, () -> now);
    Recorded d = new Recorded();
    wheel.schedule(d, 250); // due at 1,250, between two tick boundaries

    runFor(wheel, 249);
    assertThat(d.firedAt).isEmpty();
    assertThat(d.isPending()).isTrue();
    runFor(wheel, 200);

    assertThat(d.firedAt).containsExactly(1_250L);
    assertThat(d.isPending()).isFalse();
    assertThat(wheel.pending()).isZero();
  }

  @Test
  void calledOncePerTickAtAnyOffsetEachDeadlineFiresAtTheFirstCallAtOrAfterItsDueTime() {
    for (long offset = 0; offset < 100; offset += 7) {
      now = 1_000 + offset;
      DeadlineWheel wheel = new DeadlineWheel(100, 16, () -> now);
      List<Recorded> all = new ArrayList<>();
      List<Long> dueAt = new ArrayList<>();
      for (long delay = 0; delay < 3_000; delay += 13) {
        Recorded d = new Recorded();
        wheel.schedule(d, delay);
        all.add(d);
        dueAt.add(now + delay);
      }
      for (int call = 0; call < 40; call++) { // the periodic timer: one call per tick
        now += 100;
        wheel.expire();
      }

      for (int i = 0; i < all.size(); i++) {
        long due = dueAt.get(i);
        long firstCallAtOrAfter =
            1_000 + offset + 100 * Math.max(1, -Math.floorDiv(-(due - 1_000 - offset), 100));
        assertThat(all.get(i).firedAt)
            .as("offset %d, due %d", offset, due)
            .containsExactly(firstCallAtOrAfter);
      }
    }
  }

  @Test
  void aDeadlineFurtherAwayThanOneTurnWaitsForItsOwnTurn() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now); // one turn is 80 ms
    Recorded d = new Recorded();
    wheel.schedule(d, 1_000);

    runFor(wheel, 999);
    assertThat(d.firedAt).isEmpty();
    runFor(wheel, 20);

    assertThat(d.firedAt).containsExactly(2_000L);
  }

  @Test
  void aCancelledOrRescheduledDeadlineDoesNotFireAtItsOldTime() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now);
    Recorded cancelled = new Recorded();
    Recorded moved = new Recorded();
    wheel.schedule(cancelled, 50);
    wheel.schedule(moved, 50);
    assertThat(wheel.pending()).isEqualTo(2);

    wheel.cancel(cancelled);
    wheel.cancel(cancelled); // twice is harmless
    wheel.schedule(moved, 500);
    assertThat(wheel.pending()).isEqualTo(1);
    runFor(wheel, 400);
    assertThat(cancelled.firedAt).isEmpty();
    assertThat(moved.firedAt).isEmpty();
    runFor(wheel, 200);

    assertThat(cancelled.firedAt).isEmpty();
    assertThat(moved.firedAt).containsExactly(1_500L);
  }

  @Test
  void aTaskCanCancelAnotherDeadlineDueInTheSameTick() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now);
    Recorded a = new Recorded();
    Recorded b = new Recorded();
    a.also = () -> wheel.cancel(b);
    b.also = () -> wheel.cancel(a);
    wheel.schedule(a, 5);
    wheel.schedule(b, 5);

    runFor(wheel, 100);

    assertThat(a.firedAt.size() + b.firedAt.size()).isEqualTo(1);
    assertThat(wheel.pending()).isZero();
  }

  @Test
  void aTaskThatReschedulesItselfAtOnceRunsOncePerExpireNotInALoop() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now);
    Recorded d = new Recorded();
    d.also = () -> wheel.schedule(d, 0);
    wheel.schedule(d, 0);

    now += 10;
    wheel.expire();
    assertThat(d.firedAt).hasSize(1);
    wheel.expire(); // due again at once: the next call runs it, not the one that rescheduled it
    now += 10;
    wheel.expire();

    assertThat(d.firedAt).containsExactly(1_010L, 1_010L, 1_020L);
    assertThat(wheel.pending()).isEqualTo(1);
  }

  @Test
  void aStalledEventLoopFiresEverythingDueWhenItCatchesUpAndNothingElse() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now);
    List<Recorded> due = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Recorded d = new Recorded();
      wheel.schedule(d, i * 10L);
      due.add(d);
    }
    Recorded later = new Recorded();
    wheel.schedule(later, 5_000);

    now += 2_000; // one call after many turns of the wheel
    wheel.expire();

    assertThat(due).allSatisfy(d -> assertThat(d.firedAt).containsExactly(3_000L));
    assertThat(later.firedAt).isEmpty();
    assertThat(wheel.pending()).isEqualTo(1);
  }

  @Test
  void aFailingTaskDoesNotStopTheOthers() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now);
    Recorded failing = new Recorded();
    failing.also =
        () -> {
          throw new IllegalStateException("boom");
        };
    Recorded before = new Recorded();
    Recorded after = new Recorded();
    // a slot runs its newest first: one of the others runs before the failing task, one after
    wheel.schedule(before, 5);
    wheel.schedule(failing, 5);
    wheel.schedule(after, 5);

    runFor(wheel, 20);

    assertThat(failing.firedAt).hasSize(1);
    assertThat(before.firedAt).hasSize(1);
    assertThat(after.firedAt).hasSize(1);
    assertThat(wheel.pending()).isZero();
  }

  @Test
  void manyDeadlinesScheduledAndCancelledAtRandomEachFireOnceWithinATickOfTheirTime() {
    Random random = new Random(42);
    DeadlineWheel wheel = new DeadlineWheel(7, 16, () -> now);
    List<Recorded> all = new ArrayList<>();
    List<Long> dueAt = new ArrayList<>();
    List<Boolean> live = new ArrayList<>();
    for (int step = 0; step < 5_000; step++) {
      if (random.nextInt(3) == 0) {
        Recorded d = new Recorded();
        long delay = random.nextInt(600);
        wheel.schedule(d, delay);
        all.add(d);
        dueAt.add(now + delay);
        live.add(true);
      }
      if (!all.isEmpty() && random.nextInt(10) == 0) {
        int i = random.nextInt(all.size());
        if (all.get(i).isPending()) {
          wheel.cancel(all.get(i));
          live.set(i, false);
        }
      }
      runFor(wheel, random.nextInt(3));
    }
    runFor(wheel, 700);

    for (int i = 0; i < all.size(); i++) {
      List<Long> fired = all.get(i).firedAt;
      if (live.get(i)) {
        assertThat(fired).hasSize(1);
        // called every millisecond: at its due time, or the next call for a delay of 0
        assertThat(fired.get(0)).isBetween(dueAt.get(i), dueAt.get(i) + 1);
      } else {
        assertThat(fired).isEmpty();
      }
    }
    assertThat(wheel.pending()).isZero();
  }

  @Test
  void aDelayTooLargeToAddToTheClockNeverFires() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, () -> now);
    Recorded d = new Recorded();
    wheel.schedule(d, Long.MAX_VALUE);

    runFor(wheel, 1_000);
    now += 1_000_000_000;
    wheel.expire();

    assertThat(d.firedAt).isEmpty();
    assertThat(d.isPending()).isTrue();
  }

  @Test
  void theWheelRefusesATickOrSlotCountItCannotUse() {
    assertThatThrownBy(() -> new DeadlineWheel(0, 8, () -> now))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DeadlineWheel(10, 12, () -> now))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
