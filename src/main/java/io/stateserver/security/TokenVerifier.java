package io.stateserver.security;

import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.stateserver.protocol.WholeNumbers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies access tokens (PROTOCOL.md section 6) and turns them into a {@link Principal}.
 *
 * <p>vertx-auth-jwt checks the signature; this class checks the header first (only algorithms with
 * a configured key, compared exactly, so never {@code none} in any spelling; a {@code kid} only if
 * it names a configured key of that algorithm, see {@link JwtAuthFactory}) and the claims after:
 * {@code exp} is required, {@code exp}, {@code nbf} and {@code iat} are compared with the clock
 * within the configured leeway (numbers that fit a long; a fraction counts as the stricter whole
 * second), {@code iss} and {@code aud} must match when configured, {@code sub} must be a valid
 * client id ({@link ClientIds}) and {@code roles}, when present, an array of strings; a header with
 * {@code crit} is refused, since no extension is understood. Every refusal is a {@link
 * StateException} with {@link ErrorCode#UNAUTHORIZED} and a short message safe to show a client.
 *
 * <p>A valid token is still refused, with {@link ErrorCode#FORBIDDEN}, when the {@link DenyList}
 * says its client is disabled or its {@code jti} revoked.
 *
 * <p>Verification is CPU work only (an HMAC or a signature check), cheap enough for an event loop.
 */
public final class TokenVerifier {
  private static final Logger log = LoggerFactory.getLogger(TokenVerifier.class);

  private final JwtAuthFactory.Provider provider;
  private final ServerConfig.Jwt config;
  private final LongSupplier nowSeconds;
  private final DenyList denyList;

  /**
   * Builds the verifier; reads the configured public key files (blocking), so call it at start-up,
   * off the event loops.
   */
  public TokenVerifier(Vertx vertx, ServerConfig.Jwt config) {
    this(vertx, config, new DenyList());
  }

  /** A verifier that also refuses the disabled clients and revoked tokens of {@code denyList}. */
  public TokenVerifier(Vertx vertx, ServerConfig.Jwt config, DenyList denyList) {
    this(vertx, config, () -> System.currentTimeMillis() / 1000, denyList);
  }

  TokenVerifier(Vertx vertx, ServerConfig.Jwt config, LongSupplier nowSeconds) {
    this(vertx, config, nowSeconds, new DenyList());
  }

  TokenVerifier(Vertx vertx, ServerConfig.Jwt config, LongSupplier nowSeconds, DenyList denyList) {
    this.provider = JwtAuthFactory.create(vertx, config);
    this.config = config;
    this.nowSeconds = nowSeconds;
    this.denyList = denyList;
  }

  /** An issuer signing with this verifier's keys, so that the key files are read only once. */
  public TokenIssuer issuer() {
    return new TokenIssuer(provider, config);
  }

  /** Whether a (verified) principal has lost access since: client disabled or token revoked. */
  public boolean denied(Principal principal) {
    return denyList.denies(principal);
  }

  /** The verified identity, or a failure with {@link ErrorCode#UNAUTHORIZED}. */
  public Future<Principal> verify(String token) {
    try {
      precheck(token);
    } catch (StateException e) {
      return Future.failedFuture(e);
    }
    return authenticate(token)
        .recover(
            cause -> {
              log.debug("token refused [reason: {}]", cause.getMessage());
              return Future.failedFuture(refuse("invalid token"));
            })
        .compose(
            user -> {
              try {
                // the payload as the provider decoded it, so that it is decoded only once
                Principal principal = principalOf(claimsOf(user));
                if (denyList.denies(principal)) {
                  return Future.failedFuture(
                      new StateException(ErrorCode.FORBIDDEN, "access revoked"));
                }
                return Future.succeededFuture(principal);
              } catch (StateException e) {
                return Future.failedFuture(e);
              }
            });
  }

  /**
   * The provider's verdict as a future, always: vertx-auth-jwt reads {@code exp}, {@code nbf} and
   * {@code iat} of a validly signed token with {@code getLong} outside its own error handling, so a
   * claim like {@code "exp": "soon"} throws instead of failing the future.
   */
  private Future<User> authenticate(String token) {
    try {
      return provider.auth().authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Parses the token's header and checks its algorithm before any key is tried. */
  private void precheck(String token) {
    if (token == null || token.isBlank()) {
      throw refuse("missing token");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw refuse("malformed token");
    }
    JsonObject header = decodePart(parts[0]);
    Object algorithm = header.getValue("alg");
    // Exact, case-sensitive match against the configured algorithms: "none" in any spelling, and
    // an algorithm without a key of its own, never reach a signature check.
    if (!(algorithm instanceof String alg) || !provider.algorithms().contains(alg)) {
      throw refuse("token algorithm not accepted [" + truncate(algorithm) + "]");
    }
    // A kid must name a configured public key of the token's algorithm. Without this an unknown
    // kid would fall back to every key without an id, and a kid of an RS256 key could be paired
    // with "alg": "HS256".
    Object kid = header.getValue("kid");
    if (kid != null && !(kid instanceof String id && alg.equals(provider.keyIds().get(id)))) {
      throw refuse("token key id not accepted [" + truncate(kid) + "]");
    }
    // RFC 7515 section 4.1.11: a critical extension the recipient does not understand makes the
    // token invalid. The server understands none, and vertx-auth-jwt ignores crit altogether.
    if (header.containsKey("crit")) {
      throw refuse("token has critical header extensions");
    }
    checkSignatureEncoding(parts[2], alg);
  }

  /** The sizes RFC 7518 gives these algorithms' signatures: HMAC-SHA256 and ES256's R and S. */
  private static final Map<String, Integer> SIGNATURE_BYTES = Map.of("HS256", 32, "ES256", 64);

  /**
   * The signature must be unpadded base64url (RFC 7515: no {@code =}) and, for HS256 and ES256, of
   * the size RFC 7518 gives (ES256: R and S, 32 bytes each). vertx-auth-jwt also takes a padded
   * signature and an ES256 signature in DER form: no forgery, but one token could be altered and
   * still verify, so its jti would no longer name one string.
   */
  private static void checkSignatureEncoding(String signature, String alg) {
    for (int i = 0; i < signature.length(); i++) {
      char c = signature.charAt(i);
      boolean base64url =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_';
      if (!base64url) {
        throw refuse("malformed token signature");
      }
    }
    Integer bytes = SIGNATURE_BYTES.get(alg);
    if (bytes != null && signature.length() != (bytes * 4 + 2) / 3) {
      throw refuse("malformed token signature");
    }
  }

  /** The verified token's claims, as vertx-auth-jwt keeps them in the user's attributes. */
  private static JsonObject claimsOf(User user) {
    if (!(user.attributes().getValue("accessToken") instanceof JsonObject claims)) {
      throw refuse("token has no claims");
    }
    return claims;
  }

  private static JsonObject decodePart(String part) {
    try {
      return new JsonObject(
          new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw refuse("malformed token");
    }
  }

  private Principal principalOf(JsonObject claims) {
    long now = nowSeconds.getAsLong();
    long leeway = config.leewaySeconds();

    // A fractional time (RFC 7519 allows one) is rounded towards the stricter side. The leeway is
    // applied to now, never to a claim, which can be as large as a long: exp + leeway overflowed
    // for an exp near Long.MAX_VALUE, and that token was refused as expired.
    Long exp = numericClaim(claims, "exp", RoundingMode.FLOOR);
    if (exp == null) {
      throw refuse("token has no exp claim");
    }
    if (now - leeway > exp) {
      throw refuse("token expired");
    }
    Long nbf = numericClaim(claims, "nbf", RoundingMode.CEILING);
    if (nbf != null && now + leeway < nbf) {
      throw refuse("token not valid yet");
    }
    Long iat = numericClaim(claims, "iat", RoundingMode.CEILING);
    if (iat != null && now + leeway < iat) {
      throw refuse("token issued in the future");
    }
    if (config.issuer() != null && !config.issuer().equals(claims.getValue("iss"))) {
      throw refuse("token issuer not accepted");
    }
    if (config.audience() != null && !hasAudience(claims.getValue("aud"), config.audience())) {
      throw refuse("token audience not accepted");
    }
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty()) {
      throw refuse("token has no sub claim");
    }
    // The sub becomes the client id: it is put into access patterns and the presence key
    // $sys/clients/<sub>, and stored with the session. The registry's rule keeps it one valid key
    // segment that fits the database, so "+", "a/b" or 2000 characters never get that far.
    if (!ClientIds.isValid(sub)) {
      throw refuse("token sub is not a valid client id");
    }
    Object jti = claims.getValue("jti");
    if (jti != null && !(jti instanceof String)) {
      throw refuse("token jti claim must be a string");
    }
    return new Principal(sub, roles(claims.getValue("roles")), exp, (String) jti);
  }

  /**
   * The claim in whole epoch seconds, or null when absent. A number beyond a long is refused, not
   * read with {@code longValue()}, which wraps a BigInteger (99999999999999999999999 was accepted
   * as an exp in the year 6 billion) and saturates a double.
   */
  private static Long numericClaim(JsonObject claims, String name, RoundingMode rounding) {
    Object value = claims.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number)) {
      throw refuse("token " + name + " claim must be a number");
    }
    Long seconds = WholeNumbers.rounded(number, rounding);
    if (seconds == null) {
      throw refuse("token " + name + " claim out of range");
    }
    return seconds;
  }

  private static boolean hasAudience(Object aud, String expected) {
    if (aud instanceof String single) {
      return single.equals(expected);
    }
    return aud instanceof JsonArray many && many.contains(expected);
  }

  private static List<String> roles(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw refuse("token roles claim must be an array of strings");
    }
    List<String> roles = new ArrayList<>(array.size());
    for (Object role : array) {
      if (!(role instanceof String name)) {
        throw refuse("token roles claim must be an array of strings");
      }
      // a fleet has a handful of role names and every connection keeps its own: one copy each
      roles.add(name.intern());
    }
    return List.copyOf(roles);
  }

  private static String truncate(Object value) {
    String text = String.valueOf(value);
    return text.length() > 32 ? text.substring(0, 32) + "..." : text;
  }

  private static StateException refuse(String message) {
    return new StateException(ErrorCode.UNAUTHORIZED, message);
  }

  /** The algorithms this verifier accepts, for diagnostics. */
  Set<String> algorithms() {
    return provider.algorithms();
  }
}
