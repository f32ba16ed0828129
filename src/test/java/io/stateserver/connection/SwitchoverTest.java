package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class SwitchoverTest {
  private static final String URL = "wss://new-fleet.example:8443/v1/ws";

  private static JsonObject body(Object url) {
    return new JsonObject().put("url", url);
  }

  private static void refused(JsonObject body, String field) {
    assertThatThrownBy(() -> Switchover.Target.fromRequest(body, 1L, false))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
        .hasMessageContaining("'" + field + "'");
  }

  @Test
  void aRequestWithAWebSocketUrlIsATargetWithTheDrainsReconnectDelayByDefault() {
    Switchover.Target t = Switchover.Target.fromRequest(body(URL), 1234L, false);

    assertThat(t).isEqualTo(new Switchover.Target(URL, 1_000, 1234L));
    assertThat(Switchover.Target.fromRequest(body("ws://10.0.0.7/v1/ws"), 1L, false).url())
        .isEqualTo("ws://10.0.0.7/v1/ws");
    assertThat(
            Switchover.Target.fromRequest(body(URL).put("reconnectMs", 0), 1L, false).reconnectMs())
        .isZero();
    assertThat(
            Switchover.Target.fromRequest(body(URL).put("reconnectMs", 3_600_000L), 1L, false)
                .reconnectMs())
        .isEqualTo(3_600_000L);
  }

  @Test
  void aUrlThatIsNotAWebSocketUrlWithAHostIsABadRequest() {
    refused(new JsonObject(), "url");
    refused(body(7), "url");
    refused(body("http://new-fleet.example/v1/ws"), "url");
    refused(body("new-fleet.example/v1/ws"), "url");
    refused(body("ws:///v1/ws"), "url");
    refused(body("ws://new fleet/v1/ws"), "url");
    refused(body(URL + "#here"), "url");
    refused(body("wss://h.example:99999/v1/ws"), "url");
    refused(body("wss://h.example:0/v1/ws"), "url");
    refused(body("wss://h.example/" + "a".repeat(Switchover.MAX_URL_CHARS)), "url");
  }

  @Test
  void aServerWithTlsSendsClientsOnlyToAnotherWithTls() {
    assertThatThrownBy(
            () -> Switchover.Target.fromRequest(body("ws://new-fleet.example/v1/ws"), 1L, true))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
        .hasMessageContaining("wss://");
    assertThatThrownBy(
            () -> Switchover.Target.fromRequest(body("WS://new-fleet.example/v1/ws"), 1L, true))
        .isInstanceOf(StateException.class);
    assertThat(Switchover.Target.fromRequest(body(URL), 1L, true).url()).isEqualTo(URL);
  }

  @Test
  void aReconnectDelayThatIsNotAWholeNumberFromZeroToAnHourIsABadRequest() {
    refused(body(URL).put("reconnectMs", -1), "reconnectMs");
    refused(body(URL).put("reconnectMs", 3_600_001L), "reconnectMs");
    refused(body(URL).put("reconnectMs", 1.5), "reconnectMs");
    refused(body(URL).put("reconnectMs", "100"), "reconnectMs");
  }

  @Test
  void aStoredTargetReadsBackAndAnythingElseReadsAsNone() {
    Switchover.Target t = new Switchover.Target(URL, 250, 99L);

    assertThat(Switchover.Target.fromStored(t.toJson().encode())).isEqualTo(t);
    assertThat(Switchover.Target.fromStored(null)).isNull();
    assertThat(Switchover.Target.fromStored("not json")).isNull();
    assertThat(Switchover.Target.fromStored("[1]")).isNull();
    assertThat(Switchover.Target.fromStored("{\"url\":\"" + URL + "\"}")).isNull();
  }

  @Test
  void onlyANewerVersionChangesWhatTheNodeKnows() {
    Switchover s = new Switchover();
    String set = new Switchover.Target(URL, 250, 99L).toJson().encode();

    assertThat(s.current()).isNull();
    assertThat(s.update(3, set)).isTrue();
    assertThat(s.current().url()).isEqualTo(URL);
    // a re-read of an older deletion, or the same version again, changes nothing
    assertThat(s.update(2, null)).isFalse();
    assertThat(s.update(3, null)).isFalse();
    assertThat(s.current().url()).isEqualTo(URL);
    assertThat(s.update(4, null)).isTrue();
    assertThat(s.current()).isNull();
  }
}
