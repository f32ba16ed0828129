package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
  private final ManualTime time = new ManualTime();

  @Test
  void burstPassesThenMessagesAreRefusedWithTheTimeToTheNextToken() {
    ConnectionLimiter limiter =
        new ConnectionLimiter(
            ConnectionLimiter.Budgets.of(new ServerConfig.ConnectionRate(10, 3, 1_000_000)), time);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryTake(10).allowed()).isTrue();
    }
    RateVerdict refused = limiter.tryTake(10);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.kind()).isEqualTo(RejectionKind.CONNECTION_MESSAGES);
    assertThat(refused.retryAfterMs()).isEqualTo(100);
    time.advanceMillis(100);
    assertThat(limiter.tryTake(10).allowed()).isTrue();
    assertThat(limiter.tryTake(10).allowed()).isFalse();
  }

  @Test
  void byteBudgetRefusesLargeMessagesWithoutUsingUpAMessageToken() {
    ConnectionLimiter limiter =
        new ConnectionLimiter(
            ConnectionLimiter.Budgets.of(new ServerConfig.ConnectionRate(100, 2, 1000)), time);
    assertThat(limiter.tryTake(limiter.byteCost(800)).allowed()).isTrue();
    RateVerdict refused = limiter.tryTake(limiter.byteCost(800));
    assertThat(refused.kind()).isEqualTo(RejectionKind.CONNECTION_BYTES);
    assertThat(refused.retryAfterMs()).isEqualTo(600);
    // the refused message gave its message token back: a small one still fits
    assertThat(limiter.tryTake(limiter.byteCost(100)).allowed()).isTrue();
  }

  @Test
  void messageLargerThanTheByteBudgetCostsTheWholeBudget() {
    ConnectionLimiter limiter =
        new ConnectionLimiter(
            ConnectionLimiter.Budgets.of(new ServerConfig.ConnectionRate(100, 10, 1000)), time);
    assertThat(limiter.byteCost(5000)).isEqualTo(1000);
    assertThat(limiter.tryTake(limiter.byteCost(5000)).allowed()).isTrue();
    assertThat(limiter.tryTake(1).allowed()).isFalse();
    time.advanceMillis(1000);
    assertThat(limiter.tryTake(limiter.byteCost(5000)).allowed()).isTrue();
  }

  @Test
  void givenBackTokensCanBeSpentAgain() {
    ConnectionLimiter limiter =
        new ConnectionLimiter(
            ConnectionLimiter.Budgets.of(new ServerConfig.ConnectionRate(1, 1, 100)), time);
    assertThat(limiter.tryTake(100).allowed()).isTrue();
    assertThat(limiter.tryTake(100).allowed()).isFalse();
    limiter.giveBack(100);
    assertThat(limiter.tryTake(100).allowed()).isTrue();
  }
}
