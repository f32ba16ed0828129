package io.stateserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresenceValueTest {
  private static final long NOW = 5_000;

  private static SessionRow connected(String id) {
    return new SessionRow(id, "c", "n1", true, 1, null, 9_000, false);
  }

  private static SessionRow dropped(String id) {
    return new SessionRow(id, "c", "n1", false, 1, 2L, 9_000, false);
  }

  private static SessionRow ended(String id) {
    return new SessionRow(id, "c", "n1", false, 1, 2L, 9_000, true);
  }

  private static JsonObject compute(String current, List<SessionRow> sessions) {
    return new JsonObject(PresenceValue.compute(current, sessions, NOW));
  }

  @Test
  void firstConnectionIsOnlineSinceNow() {
    assertThat(compute(null, List.of(connected("a"))))
        .isEqualTo(
            new JsonObject()
                .put("online", true)
                .put("connections", 1)
                .put("since", NOW)
                .put("lastSeen", NOW));
  }

  @Test
  void countsOnlyOpenConnectionsButDroppedSessionsKeepTheClientOnline() {
    JsonObject v = compute(null, List.of(connected("a"), dropped("b"), ended("c")));
    assertThat(v.getBoolean("online")).isTrue();
    assertThat(v.getLong("connections")).isEqualTo(1);

    JsonObject onlyDropped = compute(null, List.of(dropped("b")));
    assertThat(onlyDropped.getBoolean("online")).isTrue();
    assertThat(onlyDropped.getLong("connections")).isZero();
  }

  @Test
  void offlineWhenEverySessionEnded() {
    JsonObject v = compute(null, List.of(ended("a"), ended("b")));
    assertThat(v.getBoolean("online")).isFalse();
    assertThat(v.getLong("connections")).isZero();
  }

  @Test
  void sinceIsKeptWhileOnlineDoesNotChange() {
    String current = "{\"online\":true,\"connections\":1,\"since\":100,\"lastSeen\":200}";
    JsonObject v = compute(current, List.of(connected("a"), connected("b")));
    assertThat(v.getLong("since")).isEqualTo(100);
    assertThat(v.getLong("lastSeen")).isEqualTo(NOW);
    assertThat(v.getLong("connections")).isEqualTo(2);
  }

  @Test
  void sinceMovesToNowWhenOnlineChanges() {
    String current = "{\"online\":true,\"connections\":1,\"since\":100,\"lastSeen\":200}";
    assertThat(compute(current, List.of(ended("a"))).getLong("since")).isEqualTo(NOW);
    String offline = "{\"online\":false,\"connections\":0,\"since\":100,\"lastSeen\":200}";
    assertThat(compute(offline, List.of(connected("a"))).getLong("since")).isEqualTo(NOW);
  }

  @Test
  void lastSeenIsNowWhileConnectedAndTheLastCloseOnceNot() {
    String current = "{\"online\":true,\"connections\":1,\"since\":100,\"lastSeen\":1}";
    assertThat(compute(current, List.of(connected("a"), dropped("b"))).getLong("lastSeen"))
        .isEqualTo(NOW);
    // dropped at 2 and 3, updated at NOW (a grace later): last seen at the later close
    SessionRow droppedLater = new SessionRow("c", "c", "n2", false, 1, 3L, 9_000, false);
    assertThat(compute(current, List.of(dropped("b"), droppedLater)).getLong("lastSeen"))
        .isEqualTo(3);
    // the sessions' end, a grace after the close, keeps the close
    assertThat(compute(current, List.of(ended("a"))).getLong("lastSeen")).isEqualTo(2);
  }

  @Test
  void lastSeenNeverGoesBackNorBeyondNow() {
    // the ended sessions were pruned meanwhile: the value's own lastSeen stays
    String seenAt40 = "{\"online\":false,\"connections\":0,\"since\":10,\"lastSeen\":40}";
    assertThat(compute(seenAt40, List.of(ended("a"))).getLong("lastSeen")).isEqualTo(40);
    assertThat(compute(seenAt40, List.of()).getLong("lastSeen")).isEqualTo(40);
    // nothing known at all: now
    assertThat(compute(null, List.of()).getLong("lastSeen")).isEqualTo(NOW);
    // a close recorded by a node whose clock is ahead
    SessionRow ahead = new SessionRow("f", "c", "n3", false, 1, NOW + 60_000, 9_000, false);
    assertThat(compute(null, List.of(ahead)).getLong("lastSeen")).isEqualTo(NOW);
  }

  @Test
  void anUnreadableCurrentValueIsTreatedAsAbsent() {
    assertThat(compute("[1]", List.of(connected("a"))).getLong("since")).isEqualTo(NOW);
    assertThat(
            compute("{\"online\":\"yes\",\"since\":1}", List.of(connected("a"))).getLong("since"))
        .isEqualTo(NOW);
  }
}
