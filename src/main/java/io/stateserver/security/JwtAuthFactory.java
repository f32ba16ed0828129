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
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the vertx-auth-jwt provider shared by {@link TokenVerifier} and {@link TokenIssuer}: the
 * HS256 secret, plus one verification key per configured RS256 / ES256 public key file.
 */
final class JwtAuthFactory {
  static final String HS256 = "HS256";
  static final String RS256 = "RS256";
  static final String ES256 = "ES256";

  private static final Logger log = LoggerFactory.getLogger(JwtAuthFactory.class);

  /** The provider and the algorithms a token may be signed with. */
  record Provider(JWTAuth auth, Set<String> algorithms) {}

  private JwtAuthFactory() {}

  /** Reads the public key files (blocking, once at start-up). */
  static Provider create(Vertx vertx, ServerConfig.Jwt config) {
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
    for (Path file : config.publicKeys()) {
      String pem = readPem(file);
      String algorithm = algorithmOf(file, pem);
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem));
      algorithms.add(algorithm);
      log.info("jwt public key loaded [file: {}, algorithm: {}]", file, algorithm);
    }
    try {
      return new Provider(JWTAuth.create(vertx, options), Set.copyOf(algorithms));
    } catch (RuntimeException e) {
      throw new ConfigException("cannot use the configured jwt keys: " + e.getMessage(), e);
    }
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
