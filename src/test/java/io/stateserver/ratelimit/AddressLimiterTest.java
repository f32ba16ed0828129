package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AddressLimiterTest {
  private final ManualTime time = new ManualTime();

  @Test
  void eachAddressHasItsOwnBurstThenRefillsPerMinute() {
    AddressLimiter limiter = new AddressLimiter(60, 2, time);
    assertThat(limiter.tryAcquire("a")).isZero();
    assertThat(limiter.tryAcquire("a")).isZero();
    long wait = limiter.tryAcquire("a");
    assertThat(wait).isEqualTo(1_000_000_000L);
    assertThat(limiter.tryAcquire("b")).isZero();
    time.advanceMillis(1000);
    assertThat(limiter.tryAcquire("a")).isZero();
  }

  @Test
  void fullBucketsAreForgotten() {
    AddressLimiter limiter = new AddressLimiter(60, 2, time);
    limiter.tryAcquire("a");
    limiter.tryAcquire("b");
    time.advanceMillis(500);
    limiter.evictIdle();
    assertThat(limiter.tracked()).isEqualTo(2);
    time.advanceMillis(1000);
    limiter.evictIdle();
    assertThat(limiter.tracked()).isZero();
  }
}
