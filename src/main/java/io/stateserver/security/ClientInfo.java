package io.stateserver.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A registered client as shown to administrators: never its secret or the secret's hash.
 *
 * @param createdAt epoch milliseconds
 * @param updatedAt epoch milliseconds of the last change (enable, disable, new secret)
 */
public record ClientInfo(
    String clientId, List<String> roles, boolean enabled, long createdAt, long updatedAt) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("clientId", clientId)
        .put("roles", new JsonArray(roles))
        .put("enabled", enabled)
        .put("createdAt", createdAt)
        .put("updatedAt", updatedAt);
  }
}
