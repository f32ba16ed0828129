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

  @Test
  void theWindowGrowsByAMillisecondPerClientUpToAThirdOfTheGrace() {
    assertThat(ReconnectSpread.windowMs(0, GRACE_MS)).isZero();
    assertThat(ReconnectSpread.windowMs(1, GRACE_MS)).isEqualTo(1);
    assertThat(ReconnectSpread.windowMs(5_000, GRACE_MS)).isEqualTo(5_000);
    assertThat(ReconnectSpread.windowMs(50_000, GRACE_MS)).isEqualTo(10_000);
    assertThat(ReconnectSpread.windowMs(50_000, 3_000)).as("a short grace").isEqualTo(1_000);
  }

  @Test
  void manyClientsSentAwayAtOnceReconnectOverTheWholeWindowNeverBeforeTheBase() {
    LongSupplier delays = ReconnectSpread.delays(1_000, 5_000, GRACE_MS);

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
    LongSupplier delays = ReconnectSpread.delays(1_000, 1, GRACE_MS);
    for (int i = 0; i < 100; i++) {
      seen.add(delays.getAsLong());
    }
    assertThat(seen).isSubsetOf(1_000L, 1_001L);
    assertThat(ReconnectSpread.delays(1_000, 0, GRACE_MS).getAsLong()).isEqualTo(1_000);
  }
}
