package io.stateserver.state;

import io.vertx.core.json.JsonObject;

/**
 * Published by a clustered node every second: the number of the last change it had broadcast one
 * beacon earlier ({@code StateVerticle}). A node that has seen fewer of that origin's changes has
 * lost some, even when no change follows to show the gap ({@code cluster.BroadcastGaps}).
 *
 * @param origin the broadcasting node's incarnation ({@link ChangeEvent#origin()})
 * @param seq the number of its last change broadcast at least a beacon interval ago; 0 before the
 *     first
 */
public record BroadcastBeacon(String origin, long seq) {

  public JsonObject toJson() {
    return new JsonObject().put("origin", origin).put("seq", seq);
  }

  public static BroadcastBeacon fromJson(JsonObject json) {
    return new BroadcastBeacon(json.getString("origin"), json.getLong("seq", 0L));
  }
}
