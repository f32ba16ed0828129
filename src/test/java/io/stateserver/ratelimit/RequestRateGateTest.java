package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestRateGateTest {
  private final ManualTime time = new ManualTime();
  private final List<String> rejected = new ArrayList<>();

  private static ServerConfig.Rate rate(int perSecond, int burst, int bytesPerSecond) {
    return new ServerConfig.Rate(
        perSecond,
        burst,
        bytesPerSecond,
        new ServerConfig.ConnectionRate(0, 0, 0),
        100,
        100,
        10_000);
  }

  private static RateVerdict verdict(Future<RateVerdict> f) {
    assertThat(f.isComplete()).as("a single node answers at once").isTrue();
    return f.result();
  }

  @Test
  void requestsSpendTheClientBudgetAndAreRefusedWithTheWaitWhenItIsEmpty() {
    ClientBudgets clients = ClientBudgets.single(rate(10, 3, 1_000_000), time);
    RequestRateGate gate = new RequestRateGate(clients, 1_000_000, rejected::add);
    for (int i = 0; i < 3; i++) {
      assertThat(verdict(gate.admit("c", 0, null)).allowed()).isTrue();
    }
    RateVerdict refused = verdict(gate.admit("c", 0, null));
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.kind()).isEqualTo(RejectionKind.CLIENT);
    assertThat(refused.retryAfterMs()).isEqualTo(100);
    assertThat(refused.close()).as("no connection to close").isFalse();
    assertThat(rejected).containsExactly(RejectionKind.CLIENT);
    time.advanceMillis(100);
    assertThat(verdict(gate.admit("c", 0, null)).allowed()).isTrue();
  }

  @Test
  void theBudgetIsTheOneTheConnectionsSpend() {
    ClientBudgets clients = ClientBudgets.single(rate(10, 3, 1_000_000), time);
    RequestRateGate gate = new RequestRateGate(clients, 1_000_000, rejected::add);
    for (int i = 0; i < 3; i++) {
      assertThat(clients.tryTake("c", 1).join().allowed()).isTrue();
    }
    assertThat(verdict(gate.admit("c", 0, null)).allowed()).isFalse();
    assertThat(verdict(gate.admit("other", 0, null)).allowed()).isTrue();
  }

  @Test
  void aBodyCostsItsBytesAtLeastOneAndAtMostTheByteCapacity() {
    ClientBudgets clients = ClientBudgets.single(rate(100, 100, 1000), time);
    RequestRateGate gate = new RequestRateGate(clients, 1000, rejected::add);
    assertThat(gate.byteCost(0)).isEqualTo(1);
    assertThat(gate.byteCost(600)).isEqualTo(600);
    assertThat(gate.byteCost(5000)).isEqualTo(1000);

    assertThat(verdict(gate.admit("c", 600, null)).allowed()).isTrue();
    RateVerdict refused = verdict(gate.admit("c", 600, null));
    assertThat(refused.allowed()).isFalse();
    // 400 of 1000 bytes a second are left: 200 more take 200 ms
    assertThat(refused.retryAfterMs()).isEqualTo(200);
    time.advanceMillis(600);
    assertThat(verdict(gate.admit("c", 5000, null)).allowed())
        .as("a body over the capacity passes once the budget is full")
        .isTrue();
  }
}
