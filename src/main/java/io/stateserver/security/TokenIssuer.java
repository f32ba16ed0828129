package io.stateserver.security;

import io.stateserver.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import java.util.List;
import java.util.UUID;

/**
 * Signs HS256 access tokens with the configured secret: {@code sub}, {@code roles}, a random {@code
 * jti}, {@code iat}, {@code exp}, and {@code iss} / {@code aud} when configured, so that the
 * server's own {@link TokenVerifier} accepts them.
 */
public final class TokenIssuer {
  private final JwtAuthFactory.Provider provider;
  private final ServerConfig.Jwt config;

  /** Reads the configured key files (blocking): call it at start-up, off the event loops. */
  public TokenIssuer(Vertx vertx, ServerConfig.Jwt config) {
    this(JwtAuthFactory.create(vertx, config), config);
  }

  TokenIssuer(JwtAuthFactory.Provider provider, ServerConfig.Jwt config) {
    this.provider = provider;
    this.config = config;
  }

  /**
   * @param lifetimeSeconds from 1 to {@link Integer#MAX_VALUE}
   * @throws IllegalArgumentException for an empty {@code sub} or a lifetime out of range
   */
  public String issue(String sub, List<String> roles, long lifetimeSeconds) {
    if (sub == null || sub.isEmpty()) {
      throw new IllegalArgumentException("sub must not be empty");
    }
    if (lifetimeSeconds < 1 || lifetimeSeconds > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("lifetime must be 1.." + Integer.MAX_VALUE + " seconds");
    }
    JsonObject claims =
        new JsonObject()
            .put("sub", sub)
            .put("roles", new JsonArray(List.copyOf(roles)))
            .put("jti", UUID.randomUUID().toString());
    JWTOptions options =
        new JWTOptions()
            .setAlgorithm(JwtAuthFactory.HS256)
            .setExpiresInSeconds((int) lifetimeSeconds);
    if (config.issuer() != null) {
      options.setIssuer(config.issuer());
    }
    if (config.audience() != null) {
      options.addAudience(config.audience());
    }
    return provider.auth().generateToken(claims, options);
  }
}
