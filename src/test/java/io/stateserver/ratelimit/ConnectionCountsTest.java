package io.stateserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionCountsTest {

  @Test
  void clientIdLimitRefusesTheNextConnectionUntilOneCloses() {
    ConnectionCounts counts = new ConnectionCounts(2, 100);
    ConnectionCounts.Slot a = counts.tryOpen("c", "1.1.1.1");
    ConnectionCounts.Slot b = counts.tryOpen("c", "2.2.2.2");
    assertThat(a).isNotNull();
    assertThat(b).isNotNull();
    assertThat(counts.tryOpen("c", "3.3.3.3")).isNull();
    assertThat(counts.refusedKind("c", "3.3.3.3")).isEqualTo(RejectionKind.CONNECTIONS_CLIENT);
    assertThat(counts.openFrom("3.3.3.3")).as("a refused attempt counts nothing").isZero();
    assertThat(counts.tryOpen("other", "3.3.3.3")).isNotNull();
    a.release();
    a.release(); // idempotent
    assertThat(counts.openFor("c")).isEqualTo(1);
    assertThat(counts.tryOpen("c", "3.3.3.3")).isNotNull();
  }

  @Test
  void addressLimitRefusesAnyClientFromThatAddress() {
    ConnectionCounts counts = new ConnectionCounts(100, 2);
    counts.tryOpen("a", "9.9.9.9");
    counts.tryOpen("b", "9.9.9.9");
    assertThat(counts.tryOpen("c", "9.9.9.9")).isNull();
    assertThat(counts.refusedKind("c", "9.9.9.9")).isEqualTo(RejectionKind.CONNECTIONS_ADDRESS);
    assertThat(counts.openFor("c")).isZero();
    assertThat(counts.tryOpen("c", "8.8.8.8")).isNotNull();
  }
}
