package io.stateserver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the operator sees of a deferral the tools wait out, on a clock the test moves. */
class DeferralsTest {
  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final Deferrals deferrals =
      new Deferrals(
          "the target (--to-url ws://new:8080/v1/ws)",
          new PrintStream(errBytes, true, StandardCharsets.UTF_8),
          now::get);

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aDeferralIsReportedOnceItHasLastedAndThenEveryThirtySecondsUntilItIsOver() {
    deferrals.deferred("writes", "unavailable");
    now.addAndGet(29_000);
    deferrals.deferred("writes", "unavailable");
    assertThat(err()).as("a short deferral is not worth a line").isEmpty();

    now.addAndGet(1_000);
    deferrals.deferred("writes", "unavailable");
    now.addAndGet(1_000);
    deferrals.deferred("writes", "unavailable");
    assertThat(err().lines())
        .containsExactly(
            "the target (--to-url ws://new:8080/v1/ws) has deferred writes since"
                + " 2027-01-15T08:00:00Z [unavailable, 30 s]: waiting for as long as it lasts");

    now.addAndGet(29_000);
    deferrals.deferred("writes", "unavailable");
    now.addAndGet(5_000);
    deferrals.over();
    assertThat(err().lines())
        .hasSize(3)
        .element(1)
        .asString()
        .contains("has deferred writes since 2027-01-15T08:00:00Z [unavailable, 60 s]");
    assertThat(err().lines().toList().get(2))
        .isEqualTo(
            "the target (--to-url ws://new:8080/v1/ws) serves again after deferring for 65 s");
  }

  @Test
  void aDeferralThatWasNotReportedEndsQuietlyAndTheNextOneCountsFromItsOwnStart() {
    deferrals.deferred("list requests", "rate_limited");
    now.addAndGet(10_000);
    deferrals.over();
    now.addAndGet(100_000);
    deferrals.deferred("list requests", "rate_limited");
    now.addAndGet(20_000);
    deferrals.deferred("list requests", "rate_limited");
    assertThat(err()).isEmpty();
  }

  @Test
  void aRequestDeferredAgainAndAgainWaitsLongerUpToACap() {
    assertThat(Pace.backoff(1_000, 1)).isEqualTo(1_000);
    assertThat(Pace.backoff(1_000, 2)).isEqualTo(2_000);
    assertThat(Pace.backoff(1_000, 3)).isEqualTo(4_000);
    assertThat(Pace.backoff(1_000, 4)).isEqualTo(Pace.MAX_BACKOFF_MS);
    assertThat(Pace.backoff(1_000, 100)).isEqualTo(Pace.MAX_BACKOFF_MS);
    assertThat(Pace.backoff(8_000, 5)).as("the server's own delay, where longer").isEqualTo(8_000);
    assertThat(Pace.backoff(0, 1)).isEqualTo(1);
  }
}
