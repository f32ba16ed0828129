package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.StateException;
import io.stateserver.security.AccessPolicy;
import io.stateserver.security.Principal;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestChecksTest {
  private static final Principal DEVICE = new Principal("pi-1", List.of("device"), 0, null);
  private static final Principal ADMIN = new Principal("root", List.of("admin"), 0, null);

  @TempDir Path dataDir;
  private RequestChecks checks;

  @BeforeEach
  void setUp() {
    ServerConfig config =
        ConfigLoader.load(
            new String[] {
              "--dataDir=" + dataDir, "--limits.maxValueBytes=10", "--limits.maxSubscriptions=2"
            },
            Map.of());
    ConnectionContext ctx =
        new ConnectionContext(
            null,
            config,
            null,
            null,
            null,
            new AccessPolicy(config.roles()),
            null,
            null,
            null,
            null,
            null);
    checks = new RequestChecks(ctx);
  }

  @Test
  void aDeviceWritesOnlyUnderItsOwnPrefix() {
    assertThat(checks.writableKey(DEVICE, "devices/pi-1/temp")).isEqualTo("devices/pi-1/temp");
    assertCode(() -> checks.writableKey(DEVICE, "devices/pi-2/temp"), ErrorCode.FORBIDDEN);
    assertCode(() -> checks.writableKey(DEVICE, "config/x"), ErrorCode.FORBIDDEN);
  }

  @Test
  void nobodyWritesSystemKeysAndBadKeysAreInvalid() {
    assertCode(() -> checks.writableKey(ADMIN, "$sys/clients/pi-1"), ErrorCode.FORBIDDEN);
    assertCode(() -> checks.writableKey(ADMIN, "a//b"), ErrorCode.INVALID_KEY);
  }

  @Test
  void aDeviceReadsConfigAndItsOwnKeysButNoWiderPattern() {
    checks.readable(DEVICE, "config/x");
    checks.readable(DEVICE, KeyPattern.parse("devices/pi-1/#"));
    assertCode(() -> checks.readable(DEVICE, "devices/pi-2/temp"), ErrorCode.FORBIDDEN);
    assertCode(() -> checks.readable(DEVICE, KeyPattern.parse("devices/+/#")), ErrorCode.FORBIDDEN);
  }

  @Test
  void valuesOverTheByteLimitAreTooLargeCountingUtf8Bytes() {
    checks.validValue("\"abcdefgh\"");
    assertCode(() -> checks.validValue("\"abcdefghi\""), ErrorCode.TOO_LARGE);
    // four characters, but twelve UTF-8 bytes
    assertCode(() -> checks.validValue("\"€€€€\"".substring(1, 5)), ErrorCode.TOO_LARGE);
  }

  @Test
  void aValueWithAnUnpairedSurrogateIsABadRequestAndAPairIsNot() {
    assertCode(() -> checks.validValue("\"\ud800\""), ErrorCode.BAD_REQUEST);
    assertCode(() -> checks.validValue("\"\udc00a\""), ErrorCode.BAD_REQUEST);
    assertCode(() -> checks.validValue("\"a\ud83d\""), ErrorCode.BAD_REQUEST);
    checks.validValue("\"\ud83d\ude00\""); // 😀, six bytes
  }

  @Test
  void subscriptionsStopAtTheConfiguredMaximum() {
    checks.subscriptionRoom(1);
    assertCode(() -> checks.subscriptionRoom(2), ErrorCode.LIMIT_EXCEEDED);
  }

  @Test
  void knownVersionsKeepOnlyMatchingKeysAndRefuseNonIntegers() {
    KeyPattern pattern = KeyPattern.parse("a/#");
    assertThat(RequestChecks.knownVersions(new JsonObject().put("a/b", 3).put("x/y", 4), pattern))
        .containsExactly(Map.entry("a/b", 3L));
    assertCode(
        () -> RequestChecks.knownVersions(new JsonObject().put("a/b", 1.5), pattern),
        ErrorCode.BAD_REQUEST);
    assertCode(
        () -> RequestChecks.knownVersions(new JsonObject().put("a/b", -1), pattern),
        ErrorCode.BAD_REQUEST);
  }

  @Test
  void knownNamesThatAreNotKeysAreInvalidKeysNotEchoedAsRemoved() {
    KeyPattern pattern = KeyPattern.parse("a/#");
    // "a//b" and "a/q/" would match a/# by their first segment, but neither is a key
    for (String name : List.of("a//b", "a/q/", "a/+", "a/#", "", "a/" + "x".repeat(300))) {
      assertCode(
          () -> RequestChecks.knownVersions(new JsonObject().put(name, 1), pattern),
          ErrorCode.INVALID_KEY);
    }
    assertThat(
            RequestChecks.knownVersions(
                new JsonObject().put("$sys/clients/pi-1", 2), KeyPattern.parse("$sys/#")))
        .containsExactly(Map.entry("$sys/clients/pi-1", 2L));
  }

  @Test
  void knownVersionsAreWholeNumbersOf64BitsExactlyNeitherTruncatedNorSaturated() {
    KeyPattern pattern = KeyPattern.parse("a/#");
    assertThat(
            RequestChecks.knownVersions(
                new JsonObject().put("a/b", 1e17).put("a/c", new BigDecimal("3.0")), pattern))
        .isEqualTo(Map.of("a/b", 100_000_000_000_000_000L, "a/c", 3L));
    // 2^64 + 1 used to read as its low 64 bits (1), 1e19 and infinity as Long.MAX_VALUE
    for (Object v :
        List.of(
            new BigInteger("18446744073709551617"), 1e19, Double.POSITIVE_INFINITY, Double.NaN)) {
      assertCode(
          () -> RequestChecks.knownVersions(new JsonObject().put("a/b", v), pattern),
          ErrorCode.BAD_REQUEST);
    }
  }

  private static void assertCode(Runnable check, ErrorCode code) {
    assertThatThrownBy(check::run)
        .isInstanceOfSatisfying(StateException.class, e -> assertThat(e.code()).isEqualTo(code));
  }
}
