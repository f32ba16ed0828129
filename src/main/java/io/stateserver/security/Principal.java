package io.stateserver.security;

import java.util.List;

/**
 * The authenticated identity behind a connection or HTTP request, taken from a verified JWT.
 *
 * @param clientId the {@code sub} claim
 * @param roles the {@code roles} claim
 * @param expiresAt the {@code exp} claim, epoch seconds
 * @param tokenId the {@code jti} claim, or null
 */
public record Principal(String clientId, List<String> roles, long expiresAt, String tokenId) {
  public boolean isAdmin() {
    return roles.contains("admin");
  }
}
