package io.stateserver.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints HS256 access tokens exactly as the server's {@code TokenIssuer} does (sub, roles, jti, iat,
 * exp; the secret's UTF-8 bytes as the HMAC key). Minting in-process keeps 50k distinct tokens
 * cheap; the harness sets the same secret on the server through {@code STATE_JWT_SECRET}.
 */
public final class Tokens {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER =
      B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

  private final ThreadLocal<Mac> mac;

  public Tokens(String secret) {
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    this.mac =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(key, "HmacSHA256"));
                return m;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no HmacSHA256", e);
              }
            });
  }

  public String issue(String sub, String role, long lifetimeSeconds) {
    long now = System.currentTimeMillis() / 1000;
    String claims =
        "{\"sub\":\""
            + sub
            + "\",\"roles\":[\""
            + role
            + "\"],\"jti\":\""
            + UUID.randomUUID()
            + "\",\"iat\":"
            + now
            + ",\"exp\":"
            + (now + lifetimeSeconds)
            + "}";
    String signingInput =
        HEADER + "." + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    byte[] signature = mac.get().doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + B64.encodeToString(signature);
  }
}
