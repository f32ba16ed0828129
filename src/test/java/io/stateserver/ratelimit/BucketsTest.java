package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BucketsTest {

  @Test
  void aRateAboveOneTokenPerNanosecondIsHeldAtTheMaximumInsteadOfFailing() {
    ManualTime time = new ManualTime();
    var bucket = Buckets.local(Buckets.perSecond(5_000_000_000L, 2_000_000_000L), time);
    assertThat(bucket.tryConsume(4_000_000_000L)).isTrue();
    assertThat(bucket.getAvailableTokens()).isEqualTo(1_000_000_000L);
  }
}
