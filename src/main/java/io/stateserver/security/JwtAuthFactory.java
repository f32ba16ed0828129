package io.stateserver.security;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the vertx-auth-jwt provider shared by {@link TokenVerifier} and {@link TokenIssuer}: the
 * HS256 secret, plus one verification key per configured RS256 / ES256 public key file.
 *
 * <p>Each public key's id ({@code kid}) is its file name without the extension: {@code
 * keys/fleet-2026-05.pem} is {@code fleet-2026-05}. A token whose header names a {@code kid} is
 * checked only against that key; a token without {@code kid} against every key of its algorithm.
 * The HS256 secret has no id, so an HS256 token must not carry a {@code kid}. Two key files with
 * the same id are a configuration error, as is a missing or short secret: a server never runs with
 * tokens unchecked.
 */
final class JwtAuthFactory {
  static final String HS256 = "HS256";
  static final String RS256 = "RS256";
  static final String ES256 = "ES256";

  private static final Logger log = LoggerFactory.getLogger(JwtAuthFactory.class);

  /** The provider, the algorithms a token may be signed with, and the algorithm of each key id. */
  record Provider(JWTAuth auth, Set<String> algorithms, Map<String, String> keyIds) {}

  private JwtAuthFactory() {}

  /** Reads the public key files (blocking, once at start-up). */
  static Provider create(Vertx vertx, ServerConfig.Jwt config) {
    if (config.secret() == null
        || config.secret().getBytes(StandardCharsets.UTF_8).length
            < ServerConfig.Jwt.MIN_SECRET_BYTES) {
      throw new ConfigException(
          "the jwt secret is missing or shorter than "
              + ServerConfig.Jwt.MIN_SECRET_BYTES
              + " bytes");
    }
    JWTAuthOptions options =
        new JWTAuthOptions()
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm(HS256).setBuffer(config.secret()))
            // exp, nbf, iat, iss and aud are checked by TokenVerifier, with messages of its own.
            .setJWTOptions(
                new JWTOptions()
                    .setAlgorithm(HS256)
                    .setLeeway(config.leewaySeconds())
                    .setIgnoreExpiration(true));
    Set<String> algorithms = new LinkedHashSet<>();
    algorithms.add(HS256);
    Map<String, String> keyIds = new LinkedHashMap<>();
    for (Path file : config.publicKeys()) {
      String pem = readPem(file);
      String algorithm = algorithmOf(file, pem);
      String kid = keyIdOf(file);
      if (keyIds.putIfAbsent(kid, algorithm) != null) {
        throw new ConfigException(
            "two jwt public key files have the key id \""
                + kid
                + "\" (the file name without extension); rename one of them");
      }
      options.addPubSecKey(
          new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem).setId(kid));
      algorithms.add(algorithm);
      log.info("jwt public key loaded [file: {}, kid: {}, algorithm: {}]", file, kid, algorithm);
    }
    try {
      return new Provider(
          JWTAuth.create(vertx, options), Set.copyOf(algorithms), Map.copyOf(keyIds));
    } catch (RuntimeException e) {
      throw new ConfigException("cannot use the configured jwt keys: " + e.getMessage(), e);
    }
  }

  /** The key id of a public key file: its name without the last extension. */
  static String keyIdOf(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String kid = dot > 0 ? name.substring(0, dot) : name;
    if (kid.isEmpty()) {
      throw new ConfigException("jwt public key file " + file + " has no name to use as key id");
    }
    return kid;
  }

  private static String readPem(Path file) {
    try {
      String pem = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!pem.startsWith("-----BEGIN PUBLIC KEY-----")) {
        throw new ConfigException(
            "jwt public key file " + file + " is not a PEM \"BEGIN PUBLIC KEY\" block");
      }
      return pem;
    } catch (IOException e) {
      throw new ConfigException("cannot read jwt public key file " + file + ": " + e, e);
    }
  }

  /** RS256 for an RSA key, ES256 for an elliptic-curve key. */
  private static String algorithmOf(Path file, String pem) {
    byte[] der =
        Base64.getMimeDecoder()
            .decode(
                pem.replace("-----BEGIN PUBLIC KEY-----", "")
                    .replace("-----END PUBLIC KEY-----", ""));
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    for (String[] candidate : new String[][] {{"RSA", RS256}, {"EC", ES256}}) {
      try {
        KeyFactory.getInstance(candidate[0]).generatePublic(spec);
        return candidate[1];
      } catch (Exception notThisType) {
        // try the next key type
      }
    }
    throw new ConfigException(
        "jwt public key file " + file + " holds neither an RSA nor an EC key");
  }
}
