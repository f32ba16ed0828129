package io.stateserver.state;

import io.vertx.core.json.JsonObject;

/**
 * How far a node's change broadcasts have got. Published by a clustered node every second over the
 * event bus, with the number of the last change it had broadcast one beacon earlier ({@code
 * StateVerticle}); also read from the other nodes' lease rows, where each node records the number
 * of a few seconds earlier and when it took it ({@code SessionVerticle}). A node that has seen
 * fewer of that origin's changes has lost some, even when no change follows to show the gap ({@code
 * cluster.BroadcastGaps}).
 *
 * @param origin the broadcasting node's incarnation ({@link ChangeEvent#origin()})
 * @param seq the number of its last change broadcast a while ago; 0 before the first
 * @param sampledAt for a number read from a lease row, when (the sender's epoch ms) the sender took
 *     it; 0 for a beacon sent over the event bus, which is as good as current
 */
public record BroadcastBeacon(String origin, long seq, long sampledAt) {

  /** A beacon sent over the event bus. */
  public BroadcastBeacon(String origin, long seq) {
    this(origin, seq, 0);
  }

  /** True when read from a lease row rather than sent over the event bus. */
  public boolean fromLeaseRecord() {
    return sampledAt > 0;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("origin", origin).put("seq", seq);
    if (sampledAt > 0) {
      json.put("sampledAt", sampledAt);
    }
    return json;
  }

  public static BroadcastBeacon fromJson(JsonObject json) {
    return new BroadcastBeacon(
        json.getString("origin"), json.getLong("seq", 0L), json.getLong("sampledAt", 0L));
  }
}
