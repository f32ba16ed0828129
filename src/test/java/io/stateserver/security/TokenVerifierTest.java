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
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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

  static List<String> subsThatAreNotClientIds() {
    return List.of(
        "+", "#", "pi-7/x", "a\u0000b", "$sys", ".", "..", "L".repeat(300), "x".repeat(2000));
  }

  @ParameterizedTest
  @MethodSource("subsThatAreNotClientIds")
  void refusesASubThatIsNotAValidClientId(String sub, Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put("sub", sub));

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "sub");
  }

  @Test
  void refusesAHeaderWithCrit(Vertx vertx, VertxTestContext ctx) throws Exception {
    // validly signed over the header, which theHandMadeHmacTokenIsValidWithoutKid shows is enough
    String token = hmacToken("{\"alg\":\"HS256\",\"crit\":[\"x\"]}", validClaims(), SECRET);

    expectRefusal(ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "crit");
  }

  @Test
  void refusesCritWhateverItNames(Vertx vertx, VertxTestContext ctx) throws Exception {
    TokenVerifier verifier = new TokenVerifier(vertx, plainJwt());
    List<String> headers =
        List.of(
            "{\"alg\":\"HS256\",\"crit\":[\"x\"],\"x\":1}",
            "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
            "{\"alg\":\"HS256\",\"crit\":[]}",
            "{\"alg\":\"HS256\",\"crit\":\"x\"}",
            "{\"alg\":\"HS256\",\"crit\":null}");
    List<String> tokens = new java.util.ArrayList<>();
    for (String header : headers) {
      tokens.add(hmacToken(header, validClaims(), SECRET));
    }

    allRefused(verifier, tokens).onComplete(ctx.succeedingThenComplete());
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
  void acceptsTimeClaimsAtTheEndsOfALong(Vertx vertx, VertxTestContext ctx) {
    // exp + leeway overflowed here, and a token valid until the end of time was "expired"
    JsonObject claims =
        validClaims()
            .put("exp", Long.MAX_VALUE)
            .put("nbf", Long.MIN_VALUE)
            .put("iat", Long.MIN_VALUE);

    new TokenVerifier(vertx, plainJwt())
        .verify(sign(vertx, SECRET, claims))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(p.expiresAt()).isEqualTo(Long.MAX_VALUE);
                          ctx.completeNow();
                        })));
  }

  @ParameterizedTest
  @CsvSource({
    // read with longValue(), this one wrapped to an exp about 6 billion years ahead: accepted
    "exp, 99999999999999999999999",
    "exp, 1e300",
    "exp, -99999999999999999999999",
    "nbf, 99999999999999999999999",
    "nbf, -1e300",
    "iat, 9223372036854775808",
    "iat, 1e300"
  })
  void refusesATimeClaimBeyondALong(
      String claim, String number, Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put(claim, new BigDecimal(number)));

    expectRefusal(
        ctx, new TokenVerifier(vertx, plainJwt()).verify(token), claim + " claim out of range");
  }

  @Test
  void aFractionalTimeClaimCountsAsTheStricterWholeSecond(Vertx vertx, VertxTestContext ctx) {
    long now = now(); // one second for the whole test, so that the boundaries hold
    TokenVerifier verifier = new TokenVerifier(vertx, plainJwt(), () -> now);
    // exp rounds down, nbf and iat up: a fraction never lets a token in earlier or longer
    List<String> accepted =
        List.of(
            sign(vertx, SECRET, validClaims().put("exp", now - LEEWAY + 0.5)),
            sign(vertx, SECRET, validClaims().put("nbf", now + LEEWAY - 0.5)),
            sign(vertx, SECRET, validClaims().put("iat", now + LEEWAY - 0.5)));
    List<String> refused =
        List.of(
            sign(vertx, SECRET, validClaims().put("exp", now - LEEWAY - 0.5)),
            sign(vertx, SECRET, validClaims().put("nbf", now + LEEWAY + 0.5)),
            sign(vertx, SECRET, validClaims().put("iat", now + LEEWAY + 0.5)));

    Future.all(accepted.stream().map(verifier::verify).toList())
        .compose(all -> allRefused(verifier, refused))
        .onComplete(ctx.succeedingThenComplete());
  }

  @ParameterizedTest
  @ValueSource(strings = {"exp", "nbf", "iat"})
  void refusesASignedTokenWhoseTimeClaimIsNotANumber(
      String claim, Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, SECRET, validClaims().put(claim, "soon"));

    Future<Principal> result;
    try {
      result = new TokenVerifier(vertx, plainJwt()).verify(token);
    } catch (RuntimeException e) {
      // vertx-auth-jwt reads the time claims with getLong, outside its own error handling
      ctx.failNow(new AssertionError("verify threw instead of refusing", e));
      return;
    }
    expectRefusal(ctx, result, "token");
  }

  @Test
  void refusesMalformedAndMissingTokens(Vertx vertx, VertxTestContext ctx) {
    TokenVerifier verifier = new TokenVerifier(vertx, plainJwt());
    String hs256 = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    List<String> bad =
        List.of(
            "",
            "abc",
            "a.b.c",
            "a.b",
            b64("{}") + "." + b64("[1]") + ".x",
            // an accepted header, then a payload that is no JSON object
            hs256 + "." + b64("[1]") + ".x",
            hs256 + "." + b64("not json") + ".x");

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
    KeyPair pair = rsaKeyPair();
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
    KeyPair pair = ecKeyPair();
    Path key = writePublicKey(dir, pair);

    new TokenVerifier(vertx, jwt(null, null, List.of(key)))
        .verify(signWithPrivateKey(vertx, pair, "ES256", validClaims()))
        .onComplete(ctx.succeeding(p -> ctx.completeNow()));
  }

  @Test
  void refusesASignatureWithBase64Padding(Vertx vertx, VertxTestContext ctx) {
    // vertx-auth-jwt decodes it all the same: one token, two strings
    String token = sign(vertx, SECRET, validClaims()) + "=";

    expectRefusal(
        ctx, new TokenVerifier(vertx, plainJwt()).verify(token), "malformed token signature");
  }

  @Test
  void refusesAnEs256SignatureInDerFormThoughItsKeyMadeIt(
      Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    KeyPair pair = ecKeyPair();
    Path key = writePublicKey(dir, pair);
    String[] parts = signWithPrivateKey(vertx, pair, "ES256", validClaims()).split("\\.");
    byte[] rs = Base64.getUrlDecoder().decode(parts[2]);
    String der =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                derSignature(Arrays.copyOfRange(rs, 0, 32), Arrays.copyOfRange(rs, 32, 64)));

    expectRefusal(
        ctx,
        new TokenVerifier(vertx, jwt(null, null, List.of(key)))
            .verify(parts[0] + "." + parts[1] + "." + der),
        "malformed token signature");
  }

  /** ECDSA's R and S as the DER SEQUENCE of two INTEGERs that Java's own signatures use. */
  private static byte[] derSignature(byte[] r, byte[] s) {
    byte[] ri = new BigInteger(1, r).toByteArray();
    byte[] si = new BigInteger(1, s).toByteArray();
    byte[] out = new byte[6 + ri.length + si.length];
    out[0] = 0x30;
    out[1] = (byte) (4 + ri.length + si.length);
    out[2] = 0x02;
    out[3] = (byte) ri.length;
    System.arraycopy(ri, 0, out, 4, ri.length);
    out[4 + ri.length] = 0x02;
    out[5 + ri.length] = (byte) si.length;
    System.arraycopy(si, 0, out, 6 + ri.length, si.length);
    return out;
  }

  @Test
  void refusesHs256SignedWithThePublicKeyText(Vertx vertx, VertxTestContext ctx, @TempDir Path dir)
      throws Exception {
    Path key = writePublicKey(dir, rsaKeyPair());
    String confused = sign(vertx, Files.readString(key).trim(), validClaims());

    expectRefusal(
        ctx,
        new TokenVerifier(vertx, jwt(null, null, List.of(key))).verify(confused),
        "invalid token");
  }

  // ---- several public keys, selected by kid (the file name without extension) ----

  private static KeyPair rsaKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static KeyPair ecKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static Path writePublicKey(Path dir, String fileName, KeyPair pair) throws Exception {
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    Path file = dir.resolve(fileName);
    Files.writeString(file, pem);
    return file;
  }

  /** Signs with a private key; the token's header carries {@code kid} when it is not null. */
  private static String signWithKid(
      Vertx vertx, KeyPair pair, String algorithm, String kid, JsonObject claims) {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    PubSecKeyOptions key = new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem);
    if (kid != null) {
      key.setId(kid);
    }
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key))
        .generateToken(claims, new JWTOptions().setAlgorithm(algorithm));
  }

  private static String header(String token) {
    return new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
  }

  /** Replaces the header of a signed token, keeping payload and signature. */
  private static String withHeader(String token, String headerJson) {
    String[] parts = token.split("\\.");
    return b64(headerJson) + "." + parts[1] + "." + parts[2];
  }

  /** An HS256 token with any header, correctly signed with {@code secret} over that header. */
  private static String hmacToken(String headerJson, JsonObject claims, String secret)
      throws Exception {
    String signingInput = b64(headerJson) + "." + b64(claims.encode());
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return signingInput
        + "."
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void theHandMadeHmacTokenIsValidWithoutKid(Vertx vertx, VertxTestContext ctx) throws Exception {
    // Shows that hmacToken signs correctly, so the refusals below are about the kid alone.
    new TokenVerifier(vertx, plainJwt())
        .verify(hmacToken("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", validClaims(), SECRET))
        .onComplete(ctx.succeedingThenComplete());
  }

  /** Completes when every token is refused with UNAUTHORIZED; fails naming the first accepted. */
  private static Future<Void> allRefused(TokenVerifier verifier, List<String> tokens) {
    Future<Void> all = Future.succeededFuture();
    for (String token : tokens) {
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
                                      "accepted or wrong failure: " + header(token))));
    }
    return all;
  }

  @Test
  void keyIdIsTheFileNameWithoutExtension() {
    assertThat(JwtAuthFactory.keyIdOf(Path.of("/etc/keys/fleet-2026-05.pem")))
        .isEqualTo("fleet-2026-05");
    assertThat(JwtAuthFactory.keyIdOf(Path.of("a.b.pub"))).isEqualTo("a.b");
    assertThat(JwtAuthFactory.keyIdOf(Path.of("plain"))).isEqualTo("plain");
  }

  @Test
  void selectsThePublicKeyNamedByKidAmongSeveral(
      Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    KeyPair a = rsaKeyPair();
    KeyPair b = rsaKeyPair();
    KeyPair c = ecKeyPair();
    List<Path> keys =
        List.of(
            writePublicKey(dir, "a.pem", a),
            writePublicKey(dir, "b.pem", b),
            writePublicKey(dir, "c.pem", c));
    TokenVerifier verifier = new TokenVerifier(vertx, jwt(null, null, keys));
    String byA = signWithKid(vertx, a, "RS256", "a", validClaims().put("sub", "signed-by-a"));
    String byB = signWithKid(vertx, b, "RS256", "b", validClaims().put("sub", "signed-by-b"));
    String byC = signWithKid(vertx, c, "ES256", "c", validClaims().put("sub", "signed-by-c"));
    String byBWithoutKid =
        signWithKid(vertx, b, "RS256", null, validClaims().put("sub", "b-without-kid"));

    verifier
        .verify(byA)
        .compose(
            pa ->
                verifier
                    .verify(byB)
                    .compose(
                        pb ->
                            verifier
                                .verify(byC)
                                .compose(
                                    pc ->
                                        verifier
                                            .verify(byBWithoutKid)
                                            .map(
                                                pn ->
                                                    List.of(
                                                        pa.clientId(),
                                                        pb.clientId(),
                                                        pc.clientId(),
                                                        pn.clientId())))))
        .onComplete(
            ctx.succeeding(
                subs ->
                    ctx.verify(
                        () -> {
                          assertThat(header(byA)).contains("\"kid\":\"a\"");
                          assertThat(header(byBWithoutKid)).doesNotContain("kid");
                          assertThat(subs)
                              .containsExactly(
                                  "signed-by-a", "signed-by-b", "signed-by-c", "b-without-kid");
                          ctx.completeNow();
                        })));
  }

  @Test
  void refusesUnknownOrMismatchedKeyIds(Vertx vertx, VertxTestContext ctx, @TempDir Path dir)
      throws Exception {
    KeyPair a = rsaKeyPair();
    KeyPair b = rsaKeyPair();
    KeyPair ec = ecKeyPair();
    KeyPair stranger = rsaKeyPair();
    List<Path> keys =
        List.of(
            writePublicKey(dir, "a.pem", a),
            writePublicKey(dir, "b.pem", b),
            writePublicKey(dir, "ec.pem", ec));
    TokenVerifier verifier = new TokenVerifier(vertx, jwt(null, null, keys));

    List<String> forged =
        List.of(
            // a kid nobody configured, signed by a key nobody configured
            signWithKid(vertx, stranger, "RS256", "unknown", validClaims()),
            // a kid nobody configured, signed by a configured key
            signWithKid(vertx, a, "RS256", "unknown", validClaims()),
            // a configured kid, signed by a key that is not the one it names
            signWithKid(vertx, b, "RS256", "a", validClaims()),
            signWithKid(vertx, stranger, "RS256", "a", validClaims()),
            // the kid of an EC key on an RS256 token
            signWithKid(vertx, a, "RS256", "ec", validClaims()),
            // correctly signed HS256 tokens naming a kid: the secret has no id, so any kid is
            // unknown (vertx-auth-jwt alone would try every key without id, and accept these)
            hmacToken("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"a\"}", validClaims(), SECRET),
            hmacToken(
                "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"unknown\"}", validClaims(), SECRET),
            hmacToken("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":1}", validClaims(), SECRET));

    allRefused(verifier, forged).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void refusesHs256SignedWithAnRsPublicKeyWhateverTheKid(
      Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    Path keyA = writePublicKey(dir, "a.pem", rsaKeyPair());
    TokenVerifier verifier = new TokenVerifier(vertx, jwt(null, null, List.of(keyA)));
    String pem = Files.readString(keyA);
    // The classic confusion: the public key text (as stored, and trimmed) used as HMAC secret.
    String confusedTrimmed = sign(vertx, pem.trim(), validClaims());
    String confusedRaw = sign(vertx, pem, validClaims());

    allRefused(
            verifier,
            List.of(
                confusedTrimmed,
                confusedRaw,
                hmacToken("{\"alg\":\"HS256\",\"kid\":\"a\"}", validClaims(), pem.trim()),
                hmacToken("{\"alg\":\"HS256\",\"kid\":\"a\"}", validClaims(), pem),
                withHeader(confusedTrimmed, "{\"alg\":\"RS256\",\"kid\":\"a\"}")))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void refusesAlgNoneInEverySpelling(Vertx vertx, VertxTestContext ctx, @TempDir Path dir)
      throws Exception {
    Path keyA = writePublicKey(dir, "a.pem", rsaKeyPair());
    TokenVerifier verifier = new TokenVerifier(vertx, jwt(null, null, List.of(keyA)));
    String validSignature = sign(vertx, SECRET, validClaims()).split("\\.")[2];
    List<String> tokens = new java.util.ArrayList<>();
    for (String alg : List.of("none", "None", "NONE", "nOnE", "NoNe", " none", "none ", "")) {
      for (String signature : List.of("", validSignature)) {
        tokens.add(
            b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}")
                + "."
                + b64(validClaims().encode())
                + "."
                + signature);
      }
    }
    tokens.add(b64("{\"typ\":\"JWT\"}") + "." + b64(validClaims().encode()) + ".");
    tokens.add(b64("{\"alg\":null}") + "." + b64(validClaims().encode()) + ".");
    tokens.add(
        b64("{\"alg\":\"hs256\"}") + "." + b64(validClaims().encode()) + "." + validSignature);

    allRefused(verifier, tokens).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aServerWithoutAUsableSecretCannotBeBuilt(Vertx vertx) {
    for (String secret : new String[] {null, "", "0123456789abcdef0123456789abcde"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  new TokenVerifier(
                      vertx, new ServerConfig.Jwt(secret, List.of(), null, null, LEEWAY)))
          .as("secret %s", secret)
          .isInstanceOf(io.stateserver.config.ConfigException.class)
          .hasMessageContaining("secret");
    }
  }

  @Test
  void twoKeyFilesWithTheSameKeyIdAreAConfigurationError(Vertx vertx, @TempDir Path dir)
      throws Exception {
    Files.createDirectories(dir.resolve("x"));
    Files.createDirectories(dir.resolve("y"));
    List<Path> keys =
        List.of(
            writePublicKey(dir.resolve("x"), "fleet.pem", rsaKeyPair()),
            writePublicKey(dir.resolve("y"), "fleet.pub", ecKeyPair()));

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new TokenVerifier(vertx, jwt(null, null, keys)))
        .isInstanceOf(io.stateserver.config.ConfigException.class)
        .hasMessageContaining("fleet");
  }
}
