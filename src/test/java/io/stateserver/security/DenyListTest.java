package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DenyListTest {
  private final AtomicLong clock = new AtomicLong(1_000);
  private final DenyList deny = new DenyList(clock::get);

  private static Principal principal(String client, String jti) {
    return new Principal(client, List.of("device"), Long.MAX_VALUE, jti);
  }

  @Test
  void disabledClientIsDeniedWhateverItsToken() {
    deny.apply(AccessChange.disabled("pi-1"));
    assertThat(deny.denies(principal("pi-1", "t1"))).isTrue();
    assertThat(deny.denies(principal("pi-1", null))).isTrue();
    assertThat(deny.denies(principal("pi-2", "t1"))).isFalse();
  }

  @Test
  void enablingLiftsTheDenial() {
    deny.apply(AccessChange.disabled("pi-1"));
    deny.apply(AccessChange.enabled("pi-1"));
    assertThat(deny.denies(principal("pi-1", "t1"))).isFalse();
  }

  @Test
  void revokedTokenIsDeniedOtherTokensOfTheClientAreNot() {
    deny.apply(AccessChange.revoked("t1", RevocationStore.NEVER));
    assertThat(deny.denies(principal("pi-1", "t1"))).isTrue();
    assertThat(deny.denies(principal("pi-1", "t2"))).isFalse();
  }

  @Test
  void listenersRunOnNewDenialsOnly() {
    AtomicInteger fired = new AtomicInteger();
    deny.onNewDenial(fired::incrementAndGet);
    deny.apply(AccessChange.enabled("pi-1"));
    assertThat(fired).hasValue(0);
    deny.apply(AccessChange.disabled("pi-1"));
    deny.apply(AccessChange.revoked("t1", 10));
    assertThat(fired).hasValue(2);
  }

  @Test
  void syncAddsDatabaseDenialsAndDropsClientsEnabledThere() {
    deny.apply(AccessChange.disabled("old"));
    clock.addAndGet(10);
    long started = deny.readStarted();
    int added =
        deny.sync(new DenyList.Snapshot(Set.of("cli-disabled"), Map.of("t9", 99L)), started);
    assertThat(added).isEqualTo(2);
    assertThat(deny.isDisabled("cli-disabled")).isTrue();
    assertThat(deny.isRevoked("t9")).isTrue();
    assertThat(deny.isDisabled("old")).isFalse();
  }

  @Test
  void syncDoesNotUndoAChangeThatArrivedWhileTheReadWasRunning() {
    long started = deny.readStarted();
    clock.addAndGet(10);
    deny.apply(AccessChange.disabled("pi-1")); // newer than the read
    deny.sync(new DenyList.Snapshot(Set.of(), Map.of()), started);
    assertThat(deny.isDisabled("pi-1")).isTrue();

    long second = deny.readStarted();
    clock.addAndGet(10);
    deny.apply(AccessChange.enabled("pi-1")); // newer than the second read, which saw it disabled
    deny.sync(new DenyList.Snapshot(Set.of("pi-1"), Map.of()), second);
    assertThat(deny.isDisabled("pi-1")).isFalse();
  }

  @Test
  void expiredRevocationsArePruned() {
    deny.apply(AccessChange.revoked("t1", 100));
    deny.apply(AccessChange.revoked("t2", RevocationStore.NEVER));
    deny.pruneRevoked(101);
    assertThat(deny.isRevoked("t1")).isFalse();
    assertThat(deny.isRevoked("t2")).isTrue();
  }
}
