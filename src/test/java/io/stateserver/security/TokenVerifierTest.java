package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class TokenVerifierTest {
  static final String SECRET = "test-secret-test-secret-test-secret-0123456789";
  static final int LEEWAY = 30;

  private static ServerConfig.Jwt jwt(String issuer, String audience, List<Path> keys) {
    return new ServerConfig.Jwt(SECRET, keys, issuer, audience, LEEWAY);
  }

  private static ServerConfig.Jwt plainJwt() {
    return jwt(null, null, List.of());
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** Signs arbitrary claims with HS256 and the given secret, adding nothing. */
  private static String sign(Vertx vertx, String secret, JsonObject claims) {
    JWTAuth auth =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  private static JsonObject validClaims() {
    return new JsonObject()
        .put("sub", "pi-7")
        .put("roles", new JsonArray().add("device"))
        .put("exp", now() + 600);
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static void expectRefusal(
      VertxTestContext ctx, Future<Principal> result, String messagePart) {
    result.onComplete(
        ar ->
            ctx.verify(
                () -> {
                  assertThat(ar.failed()).as("token must be refused").isTrue();
                  assertThat(ar.cause()).isInstanceOf(StateException.class);
                  StateException e = (StateException) ar.cause();
                  assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
                  assertThat(e.getMessage()).contains(messagePart);
                  ctx.completeNow();
                }));
  }

  @Test
  void acceptsATokenFromTheIssuer(Vertx vertx, VertxTestContext ctx) {
    String token =
        new TokenIssuer(vertx, plainJwt()).issue("pi-7", List.of("device", "viewer"), 3600);

    new TokenVerifier(vertx, plainJwt())
        .verify(token)
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(p.clientId()).isEqualTo("pi-7");
                          assertThat(p.roles()).containsExactly("device", "viewer");
                          assertThat(p.expiresAt()).isBetween(now() + 3590, now() + 3610);
                          assertThat(p.tokenId()).isNotBlank();
                          ctx.completeNow();
                        })));
  }

  @Test
  void missingRolesMeanNoRoles(Vertx vertx, VertxTestContext ctx) {
    JsonObject noRoles = validClaims();
    noRoles.remove("roles");

    new TokenVerifier(vertx, plainJwt())
        .verify(sign(vertx, SECRET, noRoles))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(p.roles()).isEmpty();
                          assertThat(p.tokenId()).isNull();
                          ctx.completeNow();
                        })));
  }

  @Test
  void refusesABadSignature(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET + "-other", validClaims());

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "invalid token");
  }

  @Test
  void refusesATamperedPayload(Vertx vertx, VertxTestContext ctx) {
    String[] parts = sign(vertx, SECRET, validClaims()).split("\\.");
    String forged =
        parts[0]
            + "."
            + b64(validClaims().put("roles", new JsonArray().add("admin")).encode())
            + "."
            + parts[2];

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(forged), "invalid token");
  }

  @Test
  void refusesAlgNone(Vertx vertx, VertxTestContext ctx) {
    String token =
        b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(validClaims().encode()) + ".";

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "algorithm");
  }

  @Test
  void refusesAnAlgorithmWithoutAConfiguredKey(Vertx vertx, VertxTestContext ctx) {
    String[] parts = sign(vertx, SECRET, validClaims()).split("\\.");
    String token = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2];

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "algorithm");
  }

  @Test
  void refusesAnExpiredToken(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("exp", now() - LEEWAY - 60));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "expired");
  }

  @Test
  void acceptsATokenExpiredWithinTheLeeway(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("exp", now() - 5));

    new TokenVerifier(vertx, plainJwt())
        .verify(token)
        .onComplete(ctx.succeeding(p -> ctx.completeNow()));
  }

  @Test
  void refusesATokenWithoutExp(Vertx vertx, VertxTestContext ctx) {
    JsonObject claims = validClaims();
    claims.remove("exp");

    expectRefusal(
        ctx, new TokenVerifier(vertx, plainJwt()).verify(sign(vertx, SECRET, claims)), "no exp");
  }

  @Test
  void refusesATokenNotValidYet(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("nbf", now() + LEEWAY + 300));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "not valid yet");
  }

  @Test
  void refusesATokenIssuedInTheFuture(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("iat", now() + LEEWAY + 300));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "future");
  }

  @Test
  void refusesAWrongIssuerWhenOneIsConfigured(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("iss", "someone-else"));

    expectRefusal(
        ctx, new TokenVerifier(vertx, jwt("us", null, List.of())).verify(token), "issuer");
  }

  @Test
  void refusesAMissingIssuerWhenOneIsConfigured(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims());

    expectRefusal(
        ctx, new TokenVerifier(vertx, jwt("us", null, List.of())).verify(token), "issuer");
  }

  @Test
  void refusesAWrongAudienceWhenOneIsConfigured(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("aud", new JsonArray().add("a").add("b")));

    expectRefusal(
        ctx, new TokenVerifier(vertx, jwt(null, "state", List.of())).verify(token), "audience");
  }

  @Test
  void acceptsMatchingIssuerAndAudienceAndTheIssuerSetsThem(Vertx vertx, VertxTestContext ctx) {
    ServerConfig.Jwt config = jwt("us", "state", List.of());
    TokenVerifier verifier = new TokenVerifier(vertx, config);
    String handMade =
        sign(
            vertx,
            SECRET,
            validClaims().put("iss", "us").put("aud", new JsonArray().add("x").add("state")));
    String issued = new TokenIssuer(vertx, config).issue("pi-1", List.of(), 60);

    verifier
        .verify(handMade)
        .compose(p -> verifier.verify(issued))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(p.clientId()).isEqualTo("pi-1");
                          ctx.completeNow();
                        })));
  }

  @Test
  void refusesAMissingSub(Vertx vertx, VertxTestContext ctx) {
    JsonObject claims = validClaims();
    claims.remove("sub");

    expectRefusal(
        ctx, new TokenVerifier(vertx, plainJwt()).verify(sign(vertx, SECRET, claims)), "no sub");
  }

  @Test
  void refusesAnEmptySub(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("sub", ""));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "no sub");
  }

  @Test
  void refusesRolesThatAreNotAnArray(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("roles", "admin"));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "roles");
  }

  @Test
  void refusesRolesThatAreNotAllStrings(Vertx vertx, VertxTestContext ctx) {
    String token =
        sign(vertx, SECRET, validClaims().put("roles", new JsonArray().add("device").add(1)));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "roles");
  }

  @Test
  void refusesMalformedAndMissingTokens(Vertx vertx, VertxTestContext ctx) {
    TokenVerifier verifier = new TokenVerifier(vertx, plainJwt());
    List<String> bad = List.of("", "abc", "a.b.c", "a.b", b64("{}") + "." + b64("[1]") + ".x");

    Future<Void> all = Future.succeededFuture();
    for (String token : bad) {
      all =
          all.compose(
              v ->
                  verifier
                      .verify(token)
                      .transform(
                          ar ->
                              ar.failed()
                                      && ar.cause() instanceof StateException e
                                      && e.code() == ErrorCode.UNAUTHORIZED
                                  ? Future.<Void>succeededFuture()
                                  : Future.<Void>failedFuture(
                                      "accepted or wrong failure: " + token)));
    }
    all.compose(v -> verifier.verify(null).transform(ar -> Future.succeededFuture(ar.failed())))
        .onComplete(
            ctx.succeeding(
                refused ->
                    ctx.verify(
                        () -> {
                          assertThat(refused).isTrue();
                          ctx.completeNow();
                        })));
  }

  // ---- public keys ----

  private static Path writePublicKey(Path dir, KeyPair pair) throws Exception {
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    Path file = dir.resolve("key.pem");
    Files.writeString(file, pem);
    return file;
  }

  private static String signWithPrivateKey(
      Vertx vertx, KeyPair pair, String algorithm, JsonObject claims) {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    JWTAuth auth =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem)));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm(algorithm));
  }

  @Test
  void acceptsRs256TokensSignedForAConfiguredPublicKey(
      Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    Path key = writePublicKey(dir, pair);
    TokenVerifier verifier = new TokenVerifier(vertx, jwt(null, null, List.of(key)));

    verifier
        .verify(signWithPrivateKey(vertx, pair, "RS256", validClaims()))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(verifier.algorithms()).contains("RS256", "HS256");
                          assertThat(p.clientId()).isEqualTo("pi-7");
                          ctx.completeNow();
                        })));
  }

  @Test
  void acceptsEs256TokensSignedForAConfiguredPublicKey(
      Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    KeyPair pair = generator.generateKeyPair();
    Path key = writePublicKey(dir, pair);

    new TokenVerifier(vertx, jwt(null, null, List.of(key)))
        .verify(signWithPrivateKey(vertx, pair, "ES256", validClaims()))
        .onComplete(ctx.succeeding(p -> ctx.completeNow()));
  }

  @Test
  void refusesHs256SignedWithThePublicKeyText(Vertx vertx, VertxTestContext ctx, @TempDir Path dir)
      throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    Path key = writePublicKey(dir, generator.generateKeyPair());
    String confused = sign(vertx, Files.readString(key).trim(), validClaims());

    expectRefusal(
        ctx,
        new TokenVerifier(vertx, jwt(null, null, List.of(key))).verify(confused),
        "invalid token");
  }
}
