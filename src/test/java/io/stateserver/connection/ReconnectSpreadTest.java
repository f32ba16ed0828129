package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.LongSummaryStatistics;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ReconnectSpreadTest {
  private static final long GRACE_MS = 30_000;
  private static final long BASE_MS = 1_000;

  @Test
  void theWindowGrowsByAMillisecondPerClientUpToItsBound() {
    long drain = ReconnectSpread.drainWindowMs(GRACE_MS);
    assertThat(drain).as("a third of the grace").isEqualTo(10_000);
    assertThat(ReconnectSpread.windowMs(0, drain)).isZero();
    assertThat(ReconnectSpread.windowMs(1, drain)).isEqualTo(1);
    assertThat(ReconnectSpread.windowMs(5_000, drain)).isEqualTo(5_000);
    assertThat(ReconnectSpread.windowMs(50_000, drain)).isEqualTo(10_000);
    assertThat(ReconnectSpread.windowMs(50_000, ReconnectSpread.drainWindowMs(3_000)))
        .as("a short grace")
        .isEqualTo(1_000);
  }

  @Test
  void afterALostLeaseTheWindowEndsBeforeWhatIsLeftOfTheGraceRunsOut() {
    long ranOutAt = 100_000;
    // found at once: a third of the grace, as for a drain
    assertThat(ReconnectSpread.leaseLostWindowMs(ranOutAt, ranOutAt, BASE_MS, GRACE_MS))
        .isEqualTo(10_000);
    // found 20 s late: 10 s left, less the base delay and the time to resume
    assertThat(ReconnectSpread.leaseLostWindowMs(ranOutAt, ranOutAt + 20_000, BASE_MS, GRACE_MS))
        .isEqualTo(10_000 - BASE_MS - ReconnectSpread.RESUME_MARGIN_MS);
    // found so late that nothing is left to spread over: every client goes after the base delay
    assertThat(ReconnectSpread.leaseLostWindowMs(ranOutAt, ranOutAt + 27_000, BASE_MS, GRACE_MS))
        .isZero();
    assertThat(ReconnectSpread.leaseLostWindowMs(ranOutAt, ranOutAt + 60_000, BASE_MS, GRACE_MS))
        .isZero();
  }

  @Test
  void manyClientsSentAwayAtOnceReconnectOverTheWholeWindowNeverBeforeTheBase() {
    LongSupplier delays = ReconnectSpread.delays(BASE_MS, 5_000, 10_000);

    LongSummaryStatistics seen = LongStream.generate(delays).limit(5_000).summaryStatistics();

    assertThat(seen.getMin()).isBetween(1_000L, 1_100L);
    assertThat(seen.getMax()).isBetween(5_900L, 6_000L);
    // about a thousand per second: no second of the window gets more than twice its share
    long[] perSecond = new long[5];
    LongStream.generate(delays)
        .limit(5_000)
        .forEach(d -> perSecond[(int) Math.min(4, (d - 1_000) / 1_000)]++);
    assertThat(LongStream.of(perSecond).boxed().toList())
        .allSatisfy(n -> assertThat(n).isBetween(500L, 2_000L));
  }

  @Test
  void aLoneClientWaitsTheBaseOrAMomentMore() {
    Set<Long> seen = new HashSet<>();
    LongSupplier delays = ReconnectSpread.delays(BASE_MS, 1, 10_000);
    for (int i = 0; i < 100; i++) {
      seen.add(delays.getAsLong());
    }
    assertThat(seen).isSubsetOf(1_000L, 1_001L);
    assertThat(ReconnectSpread.delays(BASE_MS, 0, 10_000).getAsLong()).isEqualTo(1_000);
    assertThat(ReconnectSpread.delays(BASE_MS, 5_000, 0).getAsLong()).isEqualTo(1_000);
  }
}
