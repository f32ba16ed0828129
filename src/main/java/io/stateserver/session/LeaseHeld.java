package io.stateserver.session;

import io.vertx.core.json.JsonObject;

/**
 * A node renewed its lease: published to every node of the cluster after each renewal that reached
 * the database. A node that lost its own lease sends its clients away only while another node holds
 * one, for only such a node can resume their sessions (and end them).
 *
 * @param nodeId the node that renewed
 * @param until when its lease runs out (epoch ms, its clock)
 */
public record LeaseHeld(String nodeId, long until) {

  public JsonObject toJson() {
    return new JsonObject().put("nodeId", nodeId).put("until", until);
  }

  public static LeaseHeld fromJson(JsonObject json) {
    return new LeaseHeld(json.getString("nodeId"), json.getLong("until"));
  }
}
