package io.stateserver.session;

import io.vertx.core.json.JsonObject;

/**
 * A cluster-wide instruction about live connections, published to every node: close the
 * connection(s) of a session that was taken over by a resume elsewhere.
 *
 * @param sessionId the session concerned
 * @param exceptNode the node that must ignore it (the one that took the session over), or null
 * @param exceptConnection the connection that must ignore it, or null
 */
public record SessionControl(String sessionId, String exceptNode, String exceptConnection) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("sessionId", sessionId)
        .put("exceptNode", exceptNode)
        .put("exceptConnection", exceptConnection);
  }

  public static SessionControl fromJson(JsonObject json) {
    return new SessionControl(
        json.getString("sessionId"),
        json.getString("exceptNode"),
        json.getString("exceptConnection"));
  }
}
