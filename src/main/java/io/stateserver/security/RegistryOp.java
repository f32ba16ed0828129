package io.stateserver.security;

import java.util.List;

/**
 * Requests to the registry verticle at {@code security.registry} (local, request/reply). Failures
 * come back as {@link io.stateserver.protocol.StateException}s.
 */
public sealed interface RegistryOp {

  /** A token request; replies an {@link IssuedToken}. */
  record IssueToken(String clientId, String secret, String remoteAddress) implements RegistryOp {}

  /** Registers a client; replies a {@link ClientSecret} ({@code version_conflict} if taken). */
  record Register(String clientId, List<String> roles) implements RegistryOp {}

  /** Replies a {@link Clients}. */
  record ListClients() implements RegistryOp {}

  /** Disables or enables a client; replies the client id (a String). */
  record SetEnabled(String clientId, boolean enabled) implements RegistryOp {}

  /** Replaces a client's secret; replies a {@link ClientSecret}. */
  record RotateSecret(String clientId) implements RegistryOp {}

  /**
   * Revokes a token by jti; replies the jti as a String.
   *
   * @param expiresAt epoch seconds when the token expires, or {@link RevocationStore#NEVER}
   */
  record Revoke(String jti, long expiresAt) implements RegistryOp {}

  /** A signed access token and its lifetime in seconds. */
  record IssuedToken(String token, long expiresIn) {}

  /** A client id with its new secret (shown once). */
  record ClientSecret(String clientId, String secret) {}

  /** Every registered client, without secrets. */
  record Clients(List<ClientInfo> clients) {}
}
