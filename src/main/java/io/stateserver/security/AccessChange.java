package io.stateserver.security;

import io.vertx.core.json.JsonObject;

/**
 * A cluster-wide notice that a client was disabled or enabled, or a token revoked, published on
 * {@code security.access} after the change is in the database. Each node's registry verticle
 * applies it to the node's {@link DenyList}, which closes matching live connections.
 *
 * @param kind what happened
 * @param subject the client id, or the token's jti
 * @param expiresAt for a revocation: epoch seconds after which the jti no longer matters, or {@link
 *     RevocationStore#NEVER}; 0 otherwise
 */
public record AccessChange(Kind kind, String subject, long expiresAt) {

  public enum Kind {
    CLIENT_DISABLED,
    CLIENT_ENABLED,
    TOKEN_REVOKED
  }

  public static AccessChange disabled(String clientId) {
    return new AccessChange(Kind.CLIENT_DISABLED, clientId, 0);
  }

  public static AccessChange enabled(String clientId) {
    return new AccessChange(Kind.CLIENT_ENABLED, clientId, 0);
  }

  public static AccessChange revoked(String jti, long expiresAt) {
    return new AccessChange(Kind.TOKEN_REVOKED, jti, expiresAt);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("kind", kind.name())
        .put("subject", subject)
        .put("expiresAt", expiresAt);
  }

  public static AccessChange fromJson(JsonObject json) {
    return new AccessChange(
        Kind.valueOf(json.getString("kind")), json.getString("subject"), json.getLong("expiresAt"));
  }
}
