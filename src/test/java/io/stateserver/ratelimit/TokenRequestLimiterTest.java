package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import org.junit.jupiter.api.Test;

class TokenRequestLimiterTest {
  private final ManualTime time = new ManualTime();

  /** 60 a minute (one a second) and a burst of 2 per client; 120 a minute and 3 per address. */
  private final TokenRequestLimiter limiter =
      new TokenRequestLimiter(new ServerConfig.TokenRequests(60, 2, 120, 3), time);

  @Test
  void aClientGetsItsBurstThenWaitsForTheRefill() {
    assertThat(limiter.tryAcquire("pi-1", "10.0.0.1").waitMs()).isZero();
    assertThat(limiter.tryAcquire("pi-1", "10.0.0.2").waitMs()).isZero();
    TokenRequestLimiter.Verdict refused = limiter.tryAcquire("pi-1", "10.0.0.3");
    assertThat(refused.waitMs()).isEqualTo(1000);
    assertThat(refused.kind()).isEqualTo(RejectionKind.TOKEN_CLIENT);
    time.advanceMillis(1000);
    assertThat(limiter.tryAcquire("pi-1", "10.0.0.3").waitMs()).isZero();
  }

  @Test
  void anAddressTryingManyClientIdsIsRefusedByItsOwnBudget() {
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("pi-" + i, "10.0.0.9").waitMs()).isZero();
    }
    TokenRequestLimiter.Verdict refused = limiter.tryAcquire("pi-3", "10.0.0.9");
    assertThat(refused.waitMs()).isEqualTo(500);
    assertThat(refused.kind()).isEqualTo(RejectionKind.TOKEN_ADDRESS);
  }

  @Test
  void aRequestRefusedByOneBudgetTakesNothingFromTheOther() {
    limiter.tryAcquire("pi-1", "10.0.0.1");
    limiter.tryAcquire("pi-1", "10.0.0.1");
    // pi-1 is out of tokens: these three refusals must leave 10.0.0.1's last token alone
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("pi-1", "10.0.0.1").kind())
          .isEqualTo(RejectionKind.TOKEN_CLIENT);
    }
    assertThat(limiter.tryAcquire("pi-2", "10.0.0.1").waitMs()).isZero();
    assertThat(limiter.tryAcquire("pi-3", "10.0.0.1").kind())
        .isEqualTo(RejectionKind.TOKEN_ADDRESS);
  }

  @Test
  void theKindNamesTheBudgetWithTheLongerWait() {
    TokenRequestLimiter tight =
        new TokenRequestLimiter(new ServerConfig.TokenRequests(6, 1, 60, 1), time);
    tight.tryAcquire("pi-1", "10.0.0.1");
    // the client refills in 10 s, the address in 1 s
    TokenRequestLimiter.Verdict refused = tight.tryAcquire("pi-1", "10.0.0.1");
    assertThat(refused.kind()).isEqualTo(RejectionKind.TOKEN_CLIENT);
    assertThat(refused.waitMs()).isEqualTo(10_000);
  }

  @Test
  void bucketsThatAreFullAgainAreForgotten() {
    limiter.tryAcquire("pi-1", "10.0.0.1");
    limiter.evictIdle();
    assertThat(limiter.tracked()).isEqualTo(2);
    time.advanceMillis(1000);
    limiter.evictIdle();
    assertThat(limiter.tracked()).isZero();
  }

  @Test
  void hugeKeysShareOneCappedBucket() {
    String base = "x".repeat(256);
    limiter.tryAcquire(base + "a", "10.0.0.1");
    limiter.tryAcquire(base + "b", "10.0.0.2");
    assertThat(limiter.tryAcquire(base + "c", "10.0.0.3").kind())
        .isEqualTo(RejectionKind.TOKEN_CLIENT);
  }
}
