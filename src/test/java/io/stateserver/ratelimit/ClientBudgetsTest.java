package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ClientBudgetsTest {
  private final ManualTime time = new ManualTime();

  /** A shared budget that counts requests and can hold them back. */
  private static final class CountingShared implements SharedBudget {
    final SharedBudget inner;
    final List<CompletableFuture<Void>> held = new ArrayList<>();
    boolean hold;
    int requests;
    long messagesAsked;

    CountingShared(SharedBudget inner) {
      this.inner = inner;
    }

    @Override
    public CompletableFuture<Grant> take(String clientId, long messages, long bytes) {
      requests++;
      messagesAsked += messages;
      if (!hold) {
        return inner.take(clientId, messages, bytes);
      }
      CompletableFuture<Void> gate = new CompletableFuture<>();
      held.add(gate);
      return gate.thenCompose(v -> inner.take(clientId, messages, bytes));
    }
  }

  private static ServerConfig.Rate rate(int perSecond, int burst, int leaseMs) {
    return new ServerConfig.Rate(
        perSecond,
        burst,
        1_000_000,
        new ServerConfig.ConnectionRate(0, 0, 0),
        leaseMs,
        100,
        10_000);
  }

  private static boolean allowed(CompletableFuture<RateVerdict> v) {
    assertThat(v).isDone();
    return v.join().allowed();
  }

  @Test
  void singleNodeBudgetIsExact() {
    ServerConfig.Rate r = rate(10, 5, 100);
    ClientBudgets budgets = ClientBudgets.single(r, time);
    for (int i = 0; i < 5; i++) {
      assertThat(allowed(budgets.tryTake("c", 1))).isTrue();
    }
    RateVerdict refused = budgets.tryTake("c", 1).join();
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.kind()).isEqualTo(RejectionKind.CLIENT);
    assertThat(refused.retryAfterMs()).isEqualTo(100);
    assertThat(allowed(budgets.tryTake("other", 1))).as("budgets are per client id").isTrue();
    time.advanceMillis(100);
    assertThat(allowed(budgets.tryTake("c", 1))).isTrue();
  }

  @Test
  void singleNodeByteBudgetRefusesAMessageLargerThanWhatIsLeftUntilItHasRefilled() {
    ClientBudgets budgets = ClientBudgets.single(rate(100, 100, 100), time);
    assertThat(allowed(budgets.tryTake("c", 600_000))).isTrue();

    RateVerdict refused = budgets.tryTake("c", 600_000).join();
    assertThat(refused.allowed()).isFalse();
    // 400,000 bytes are left of 1,000,000 per second: 200,000 more take 200 ms
    assertThat(refused.retryAfterMs()).isEqualTo(200);
    time.advanceMillis(199);
    assertThat(allowed(budgets.tryTake("c", 600_000))).isFalse();
    time.advanceMillis(1);
    assertThat(allowed(budgets.tryTake("c", 600_000))).isTrue();
  }

  @Test
  void leaseSizeIsLeaseMsOfTheRateCappedByTheBurst() {
    assertThat(ClientBudgets.leaseMessages(rate(500, 2000, 100))).isEqualTo(50);
    assertThat(ClientBudgets.leaseMessages(rate(500, 20, 100))).isEqualTo(20);
    assertThat(ClientBudgets.leaseMessages(rate(5, 5, 100))).isEqualTo(1);
    assertThat(ClientBudgets.leaseBytes(rate(500, 2000, 100))).isEqualTo(100_000);
  }

  @Test
  void aNodeTakesTokensInBatchesAndSpendsThemLocally() {
    ServerConfig.Rate r = rate(100, 100, 100);
    CountingShared shared = new CountingShared(new LocalSharedBudget(r, time));
    ClientBudgets node = ClientBudgets.leasing(r, shared, time);
    for (int i = 0; i < 30; i++) {
      assertThat(allowed(node.tryTake("c", 1))).isTrue();
    }
    assertThat(shared.requests).as("30 messages, leases of 10").isEqualTo(3);
  }

  @Test
  void anExhaustedSharedBudgetIsRefusedLocallyUntilItCouldHaveRefilled() {
    ServerConfig.Rate r = rate(10, 10, 1000);
    CountingShared shared = new CountingShared(new LocalSharedBudget(r, time));
    ClientBudgets node = ClientBudgets.leasing(r, shared, time);
    for (int i = 0; i < 10; i++) {
      assertThat(allowed(node.tryTake("c", 1))).isTrue();
    }
    int before = shared.requests;
    RateVerdict refused = node.tryTake("c", 1).join();
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterMs()).isEqualTo(100);
    for (int i = 0; i < 50; i++) {
      assertThat(allowed(node.tryTake("c", 1))).isFalse();
    }
    assertThat(shared.requests)
        .as("one request for the refusal, none while refused")
        .isEqualTo(before + 1);
    time.advanceMillis(100);
    assertThat(allowed(node.tryTake("c", 1))).isTrue();
  }

  @Test
  void messagesArrivingDuringARefillWaitForItAndShareIt() {
    ServerConfig.Rate r = rate(100, 100, 100);
    CountingShared shared = new CountingShared(new LocalSharedBudget(r, time));
    shared.hold = true;
    ClientBudgets node = ClientBudgets.leasing(r, shared, time);
    CompletableFuture<RateVerdict> first = node.tryTake("c", 1);
    CompletableFuture<RateVerdict> second = node.tryTake("c", 1);
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();
    assertThat(shared.requests).isEqualTo(1);
    shared.held.get(0).complete(null);
    assertThat(first.join().allowed()).isTrue();
    assertThat(second.join().allowed()).isTrue();
  }

  @Test
  void anUnavailableSharedBudgetFailsOpen() {
    ServerConfig.Rate r = rate(1, 1, 100);
    SharedBudget broken =
        (id, m, b) -> CompletableFuture.failedFuture(new IllegalStateException("no cluster"));
    ClientBudgets node = ClientBudgets.leasing(r, broken, time);
    for (int i = 0; i < 5; i++) {
      assertThat(allowed(node.tryTake("c", 1))).isTrue();
    }
  }

  @Test
  void idleLeasesAreDropped() {
    ServerConfig.Rate r = rate(100, 100, 100);
    ClientBudgets node = ClientBudgets.leasing(r, new LocalSharedBudget(r, time), time);
    node.tryTake("c", 1);
    node.evictIdle();
    assertThat(node.trackedClients()).isEqualTo(1);
    time.advanceMillis(61_000);
    node.evictIdle();
    assertThat(node.trackedClients()).isZero();
  }

  /**
   * The documented error bound: N nodes sharing one budget admit at most burst + rate * elapsed + N
   * * leaseMessages messages, whatever the interleaving of messages and time.
   */
  @Property(tries = 200)
  void nodesSharingABudgetStayWithinTheDocumentedBound(
      @ForAll @IntRange(min = 1, max = 4) int nodes,
      @ForAll @IntRange(min = 1, max = 200) int perSecond,
      @ForAll @IntRange(min = 1, max = 300) int burst,
      @ForAll @IntRange(min = 1, max = 500) int leaseMs,
      @ForAll("steps") List<Integer> steps) {
    ManualTime clock = new ManualTime();
    ServerConfig.Rate r = rate(perSecond, burst, leaseMs);
    LocalSharedBudget shared = new LocalSharedBudget(r, clock);
    List<ClientBudgets> members = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      members.add(ClientBudgets.leasing(r, shared, clock));
    }
    long admitted = 0;
    long elapsedMs = 0;
    for (int step : steps) {
      if (step < 0) {
        clock.advanceMillis(-step);
        elapsedMs += -step;
      } else if (members.get(step % nodes).tryTake("c", 1).join().allowed()) {
        admitted++;
      }
    }
    long bound =
        burst
            + (long) Math.floor(perSecond * elapsedMs / 1000.0)
            + (long) nodes * ClientBudgets.leaseMessages(r);
    assertThat(admitted).isLessThanOrEqualTo(bound);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<List<Integer>> steps() {
    // non-negative: a message on node (step % nodes); negative: time passes (-step ms)
    return net.jqwik.api.Arbitraries.oneOf(
            net.jqwik.api.Arbitraries.integers().between(0, 3),
            net.jqwik.api.Arbitraries.integers().between(-50, -1))
        .list()
        .ofMaxSize(800);
  }
}
