package io.stateserver.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted slow hashes of client secrets with the JDK's PBKDF2-HMAC-SHA256 (OWASP 2023: at least
 * 600,000 iterations). The encoded form names the algorithm and carries the iterations and the
 * salt, {@code pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>}, so that the work factor can be
 * raised later: old hashes still verify, and {@link #needsRehash} says when to replace one.
 *
 * <p>Hashing takes a substantial fraction of a second on purpose: call it on a worker thread
 * ({@code vertx.executeBlocking}), never on an event loop. Thread-safe.
 */
public final class SecretHasher {
  public static final String ALGORITHM = "pbkdf2-sha256";
  public static final int DEFAULT_ITERATIONS = 600_000;
  static final int SALT_BYTES = 16;
  static final int HASH_BYTES = 32;
  private static final int MAX_SECRET_CHARS = 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int iterations;
  private volatile String dummy;

  public SecretHasher() {
    this(DEFAULT_ITERATIONS);
  }

  /** A hasher with another work factor (tests use fewer iterations to stay fast). */
  SecretHasher(int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be positive");
    }
    this.iterations = iterations;
  }

  /** A new random secret to hand to a client: 32 random bytes, base64url (43 characters). */
  public static String randomSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The encoded salted hash of a secret, with a fresh random salt. Blocking. */
  public String hash(String secret) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = pbkdf2(secret, salt, iterations, HASH_BYTES);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return ALGORITHM
        + "$"
        + iterations
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(hash);
  }

  /**
   * Whether the secret matches the encoded hash, compared in constant time. A malformed or null
   * encoded hash matches nothing, but costs as much time as a real one. Blocking.
   */
  public boolean matches(String secret, String encoded) {
    Encoded e = Encoded.parse(encoded);
    if (e == null) {
      // Same work as a real comparison, so that a broken row cannot be told apart by timing.
      matches(secret, dummy());
      return false;
    }
    byte[] actual = pbkdf2(secret, e.salt, e.iterations, e.hash.length);
    return MessageDigest.isEqual(actual, e.hash);
  }

  /**
   * Runs one full comparison against a hash no secret matches: what an unknown client id costs, so
   * that it takes as long as a wrong secret for a known one. Blocking; always false.
   */
  public boolean matchesNothing(String secret) {
    matches(secret, dummy());
    return false;
  }

  /** A hash of a random secret nobody knows, made on first use (on a worker thread). */
  private String dummy() {
    String d = dummy;
    if (d == null) {
      synchronized (this) {
        if (dummy == null) {
          dummy = hash(randomSecret());
        }
        d = dummy;
      }
    }
    return d;
  }

  /** Whether an encoded hash was made with a weaker work factor than this hasher's. */
  public boolean needsRehash(String encoded) {
    Encoded e = Encoded.parse(encoded);
    return e == null || e.iterations < iterations;
  }

  private static byte[] pbkdf2(String secret, byte[] salt, int iterations, int bytes) {
    // A secret is at most 1 KiB here; longer input would only cost the caller time, never match.
    String bounded = secret == null ? "" : secret;
    if (bounded.length() > MAX_SECRET_CHARS) {
      bounded = bounded.substring(0, MAX_SECRET_CHARS);
    }
    char[] chars = bounded.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, bytes * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
    } finally {
      spec.clearPassword();
      Arrays.fill(chars, '\0');
    }
  }

  /** The parts of an encoded hash. */
  record Encoded(int iterations, byte[] salt, byte[] hash) {
    static Encoded parse(String encoded) {
      if (encoded == null) {
        return null;
      }
      String[] parts = encoded.split("\\$", -1);
      if (parts.length != 4 || !parts[0].equals(ALGORITHM)) {
        return null;
      }
      try {
        int iterations = Integer.parseInt(parts[1]);
        byte[] salt = Base64.getDecoder().decode(parts[2].getBytes(StandardCharsets.US_ASCII));
        byte[] hash = Base64.getDecoder().decode(parts[3].getBytes(StandardCharsets.US_ASCII));
        if (iterations < 1 || salt.length == 0 || hash.length == 0) {
          return null;
        }
        return new Encoded(iterations, salt, hash);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }
}
