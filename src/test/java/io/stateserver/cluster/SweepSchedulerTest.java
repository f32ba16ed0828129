package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.cluster.SweepScheduler.Sweep;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The order of catch-up sweeps, with a runner whose sweeps the test completes by hand and a timer
 * whose actions it fires by hand: no cluster, no clock.
 */
class SweepSchedulerTest {
  private static final long RETRY_MS = 5_000;

  /** A sweep the test has not completed yet. */
  private record Started(long since, Promise<Long> rows) {}

  private record Delayed(long delayMs, Runnable action) {}

  private record Done(Sweep sweep, long rows) {}

  private final List<Started> started = new ArrayList<>();
  private final List<Delayed> timers = new ArrayList<>();
  private final List<Done> completed = new ArrayList<>();
  private final List<Sweep> failed = new ArrayList<>();
  private RuntimeException runnerThrows;
  private RuntimeException completionThrows;

  private final SweepScheduler scheduler =
      new SweepScheduler(
          since -> {
            if (runnerThrows != null) {
              throw runnerThrows;
            }
            Promise<Long> rows = Promise.promise();
            started.add(new Started(since, rows));
            return rows.future();
          },
          (delayMs, action) -> timers.add(new Delayed(delayMs, action)),
          RETRY_MS,
          (sweep, rows, tookMs) -> {
            completed.add(new Done(sweep, rows));
            if (completionThrows != null) {
              throw completionThrows;
            }
          },
          (sweep, cause) -> failed.add(sweep),
          () -> 0L);

  @Test
  void aRequestStartsASweepAtOnce() {
    scheduler.request(new Sweep(1_000, Map.of("a", 10L)));

    assertThat(started).extracting(Started::since).containsExactly(1_000L);
    started.get(0).rows().complete(7L);
    assertThat(completed).containsExactly(new Done(new Sweep(1_000, Map.of("a", 10L)), 7));
    assertThat(scheduler.sweeping()).isFalse();
  }

  @Test
  void requestsDuringASweepRunAfterItAsOneSweepFromTheEarliestTime() {
    scheduler.request(new Sweep(5_000, Map.of()));
    scheduler.request(new Sweep(3_000, Map.of("a", 10L, "b", 20L)));
    scheduler.request(new Sweep(4_000, Map.of("a", 30L)));

    assertThat(started).hasSize(1);
    started.get(0).rows().complete(0L);

    assertThat(started).extracting(Started::since).containsExactly(5_000L, 3_000L);
    started.get(1).rows().complete(2L);
    // each address keeps its latest return: the sweep covers every one of them
    assertThat(completed)
        .extracting(Done::sweep)
        .containsExactly(new Sweep(5_000, Map.of()), new Sweep(3_000, Map.of("a", 30L, "b", 20L)));
  }

  @Test
  void aFailedSweepRunsAgainAfterTheRetryDelayAndCoversNothingUntilThen() {
    scheduler.request(new Sweep(1_000, Map.of("a", 10L)));
    started.get(0).rows().fail("database down");

    assertThat(failed).containsExactly(new Sweep(1_000, Map.of("a", 10L)));
    assertThat(completed).isEmpty();
    assertThat(started).hasSize(1);
    assertThat(timers).extracting(Delayed::delayMs).containsExactly(RETRY_MS);

    timers.get(0).action().run();
    assertThat(started).extracting(Started::since).containsExactly(1_000L, 1_000L);
    started.get(1).rows().complete(4L);
    assertThat(completed).containsExactly(new Done(new Sweep(1_000, Map.of("a", 10L)), 4));
  }

  @Test
  void aRequestWhileARetryWaitsRunsAtOnceAndTakesTheFailedSweepAlong() {
    scheduler.request(new Sweep(1_000, Map.of("a", 10L)));
    started.get(0).rows().fail("database down");

    scheduler.request(new Sweep(8_000, Map.of("b", 20L)));

    assertThat(started).extracting(Started::since).containsExactly(1_000L, 1_000L);
    started.get(1).rows().complete(3L);
    assertThat(completed)
        .containsExactly(new Done(new Sweep(1_000, Map.of("a", 10L, "b", 20L)), 3));

    // the retry timer finds nothing left to do
    timers.get(0).action().run();
    assertThat(started).hasSize(2);
  }

  @Test
  void failuresWhileARetryWaitsShareOneRetryTimer() {
    scheduler.request(new Sweep(1_000, Map.of()));
    started.get(0).rows().fail("down");
    scheduler.request(new Sweep(2_000, Map.of()));
    started.get(1).rows().fail("still down");
    scheduler.request(new Sweep(3_000, Map.of()));
    started.get(2).rows().fail("still down");

    assertThat(timers).hasSize(1);
    timers.get(0).action().run();
    assertThat(started).extracting(Started::since).containsExactly(1_000L, 1_000L, 1_000L, 1_000L);
  }

  @Test
  void aRunnerThatThrowsIsAFailedSweepAndDoesNotWedgeTheScheduler() {
    runnerThrows = new IllegalStateException("event bus closed");
    scheduler.request(new Sweep(1_000, Map.of("a", 10L)));

    assertThat(scheduler.sweeping()).isFalse();
    assertThat(failed).containsExactly(new Sweep(1_000, Map.of("a", 10L)));

    runnerThrows = null;
    timers.get(0).action().run();
    assertThat(started).extracting(Started::since).containsExactly(1_000L);
  }

  @Test
  void aThrowingCompletionCallbackStillLetsThePendingSweepRun() {
    completionThrows = new IllegalStateException("bug");
    scheduler.request(new Sweep(1_000, Map.of()));
    scheduler.request(new Sweep(2_000, Map.of()));

    try {
      started.get(0).rows().complete(0L);
    } catch (IllegalStateException expected) {
      // a promise without a context rethrows to whoever completes it; what matters is what follows
    }

    assertThat(started).extracting(Started::since).containsExactly(1_000L, 2_000L);
  }

  @Test
  void afterStopNoSweepStartsAndAFailedOneIsNotRetried() {
    scheduler.request(new Sweep(1_000, Map.of()));
    scheduler.request(new Sweep(2_000, Map.of()));
    scheduler.stop();

    started.get(0).rows().fail("stopped");
    scheduler.request(new Sweep(3_000, Map.of()));

    assertThat(started).hasSize(1);
    assertThat(timers).isEmpty();
    assertThat(failed).isEmpty();
  }
}
