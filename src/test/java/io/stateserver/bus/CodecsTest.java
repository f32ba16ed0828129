package io.stateserver.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.state.BroadcastBeacon;
import io.stateserver.state.ChangeEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The wire encodings of what crosses nodes, and their tolerance of the previous release. */
class CodecsTest {
  private static final WireCodec<ChangeEvent> CHANGES =
      new WireCodec<>(ChangeEvent.class, Codecs::changeToJson, Codecs::changeFromJson);

  private static <T> T roundTrip(WireCodec<T> codec, T message) {
    Buffer buffer = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(buffer, message);
    return codec.decodeFromWire("prefix".length(), buffer);
  }

  @Test
  void aNumberedChangeCrossesTheWireWhole() {
    ChangeEvent change = new ChangeEvent("a/b", 7, "{\"x\":1}", false, 123, "dev-1", "n1/ab", 42);

    assertThat(roundTrip(CHANGES, change)).isEqualTo(change);
  }

  @Test
  void aDeletionCrossesTheWireWithoutAValue() {
    ChangeEvent deletion = new ChangeEvent("a/b", 8, null, true, 124, "$server", "n1/ab", 43);

    assertThat(roundTrip(CHANGES, deletion)).isEqualTo(deletion);
  }

  @Test
  void aChangeFromAnEarlierReleaseArrivesUnnumbered() {
    // what the previous release put on the wire
    JsonObject earlier =
        new JsonObject()
            .put("key", "k")
            .put("version", 1)
            .put("value", "1")
            .put("deleted", false)
            .put("ts", 5)
            .put("by", "bob");

    assertThat(Codecs.changeFromJson(earlier))
        .isEqualTo(new ChangeEvent("k", 1, "1", false, 5, "bob", null, 0));
  }

  @Test
  void anUnnumberedChangeIsWrittenAsThePreviousReleaseWroteIt() {
    assertThat(Codecs.changeToJson(new ChangeEvent("k", 1, "1", false, 5, "bob")).fieldNames())
        .containsExactlyInAnyOrder("key", "version", "value", "deleted", "ts", "by");
  }

  @Test
  void aBeaconCrossesTheWireWhole() {
    var codec =
        new WireCodec<>(BroadcastBeacon.class, BroadcastBeacon::toJson, BroadcastBeacon::fromJson);

    assertThat(roundTrip(codec, new BroadcastBeacon("n2/cd", 99)))
        .isEqualTo(new BroadcastBeacon("n2/cd", 99));
    assertThat(roundTrip(codec, new BroadcastBeacon("n2/cd", 99, 12_345)))
        .isEqualTo(new BroadcastBeacon("n2/cd", 99, 12_345));
  }
}
