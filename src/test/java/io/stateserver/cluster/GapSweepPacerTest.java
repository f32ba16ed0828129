package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.cluster.SweepScheduler.Sweep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pacing of sweeps for lost broadcasts, with a clock the test sets and a timer whose actions it
 * fires by hand: no cluster, no waiting.
 */
class GapSweepPacerTest {
  private static final long MIN_INTERVAL_MS = 10_000;
  private static final long FACTOR = 5;

  private record Delayed(long dueAt, Runnable action) {}

  private final List<Sweep> started = new ArrayList<>();
  private final List<Delayed> timers = new ArrayList<>();
  private long now = 1_000_000;

  private final GapSweepPacer pacer =
      new GapSweepPacer(
          MIN_INTERVAL_MS,
          FACTOR,
          (delayMs, action) -> timers.add(new Delayed(now + delayMs, action)),
          () -> now,
          started::add);

  private static Sweep since(long since) {
    return new Sweep(since, Map.of());
  }

  /** Moves the clock to {@code at} and fires every timer due by then, in order. */
  private void advanceTo(long at) {
    now = at;
    boolean fired = true;
    while (fired) {
      fired = false;
      for (Delayed d : List.copyOf(timers)) {
        if (d.dueAt() <= now) {
          timers.remove(d);
          d.action().run();
          fired = true;
        }
      }
    }
  }

  @Test
  void aFirstGapSweepsAtOnce() {
    assertThat(pacer.request(since(500))).isZero();

    assertThat(started).containsExactly(since(500));
    assertThat(timers).isEmpty();
  }

  @Test
  void gapsWithinTheIntervalMergeIntoOneSweepFromTheEarliestTimeWhenItIsOver() {
    pacer.request(since(500));
    advanceTo(now + 3_000);

    assertThat(pacer.request(since(900))).isEqualTo(7_000);
    advanceTo(now + 3_000);
    assertThat(pacer.request(since(700))).isEqualTo(4_000);
    assertThat(pacer.request(since(800))).isEqualTo(4_000);
    assertThat(timers).as("one timer however many gaps").hasSize(1);
    assertThat(started).containsExactly(since(500));

    advanceTo(now + 3_999);
    assertThat(started).hasSize(1);
    advanceTo(now + 1);
    assertThat(started).containsExactly(since(500), since(700));
  }

  @Test
  void aGapAfterTheIntervalSweepsAtOnce() {
    pacer.request(since(500));
    advanceTo(now + MIN_INTERVAL_MS);

    assertThat(pacer.request(since(600))).isZero();
    assertThat(started).containsExactly(since(500), since(600));
  }

  @Test
  void theDeferredSweepStartsTheIntervalAgain() {
    pacer.request(since(500));
    advanceTo(now + 1_000);
    pacer.request(since(600));
    advanceTo(now + 9_000);
    assertThat(started).containsExactly(since(500), since(600));

    // the deferred sweep started just now: the next gap waits a whole interval
    assertThat(pacer.request(since(700))).isEqualTo(MIN_INTERVAL_MS);
  }

  @Test
  void aLongSweepKeepsTheNextGapSweepWaitingSeveralTimesItsDuration() {
    pacer.request(since(500));
    advanceTo(now + 4_000);
    pacer.sweepTook(4_000);

    // 4 s of sweeping keeps the next one waiting 20 s from its end, more than the interval
    assertThat(pacer.request(since(600))).isEqualTo(4_000 * FACTOR);
    advanceTo(now + 4_000 * FACTOR - 1);
    assertThat(started).containsExactly(since(500));
    advanceTo(now + 1);
    assertThat(started).containsExactly(since(500), since(600));
  }

  @Test
  void aSweepEndingWhileOneIsDeferredPutsItOffToo() {
    pacer.request(since(500));
    advanceTo(now + 1_000);
    pacer.request(since(600));
    // a membership sweep meanwhile took 3 s, and ended 8 s after the first
    advanceTo(now + 7_000);
    pacer.sweepTook(3_000);

    advanceTo(now + 2_000);
    assertThat(started).as("not yet: 15 s after the long sweep ended").hasSize(1);
    advanceTo(now + 13_000);
    assertThat(started).containsExactly(since(500), since(600));
  }

  @Test
  void aShortSweepDoesNotShortenTheInterval() {
    pacer.request(since(500));
    advanceTo(now + 100);
    pacer.sweepTook(100);

    assertThat(pacer.request(since(600))).isEqualTo(MIN_INTERVAL_MS - 100);
  }

  @Test
  void nothingStartsAfterStopAndTheDeferredSweepIsDropped() {
    pacer.request(since(500));
    pacer.request(since(600));
    pacer.stop();

    advanceTo(now + MIN_INTERVAL_MS);
    assertThat(pacer.request(since(700))).isZero();
    assertThat(started).containsExactly(since(500));
  }

  @Test
  void everyGapIsCoveredBySomeSweepStartedNoEarlierThanItAsked() {
    // whatever the order of gaps and sweep durations, no gap is left without a sweep from at most
    // its time, started at or after it asked
    Random random = new Random(42);
    List<long[]> asked = new ArrayList<>();
    List<long[]> startedAt = new ArrayList<>();
    GapSweepPacer recorded =
        new GapSweepPacer(
            MIN_INTERVAL_MS,
            FACTOR,
            (delayMs, action) -> timers.add(new Delayed(now + delayMs, action)),
            () -> now,
            s -> startedAt.add(new long[] {now, s.since()}));
    for (int i = 0; i < 500; i++) {
      advanceTo(now + random.nextInt(4_000));
      if (random.nextInt(5) == 0) {
        recorded.sweepTook(random.nextInt(3_000));
      } else {
        long since = now - random.nextInt(60_000);
        asked.add(new long[] {now, since});
        recorded.request(since(since));
      }
    }
    advanceTo(now + 1_000_000);

    for (long[] gap : asked) {
      assertThat(startedAt)
          .as("a sweep for the gap asked at %d from %d", gap[0], gap[1])
          .anyMatch(s -> s[0] >= gap[0] && s[1] <= gap[1]);
    }
    for (int i = 1; i < startedAt.size(); i++) {
      assertThat(startedAt.get(i)[0] - startedAt.get(i - 1)[0])
          .as("time between sweep %d and the one before", i)
          .isGreaterThanOrEqualTo(MIN_INTERVAL_MS);
    }
  }
}
