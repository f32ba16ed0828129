package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.KeyPattern;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  /** The default rules of state-server-defaults.json, plus a role with ${sub} up front. */
  private static final Map<String, ServerConfig.RoleRules> RULES =
      Map.of(
          "device",
          new ServerConfig.RoleRules(
              List.of("config/#", "devices/${sub}/#"), List.of("devices/${sub}/#")),
          "admin",
          new ServerConfig.RoleRules(List.of("#", "$sys/#"), List.of("#")),
          "home",
          new ServerConfig.RoleRules(List.of("${sub}/#"), List.of("${sub}/#", "tenant-${sub}/+")));

  private final AccessPolicy policy = new AccessPolicy(RULES);

  private static Principal client(String id, String... roles) {
    return new Principal(id, List.of(roles), Long.MAX_VALUE, null);
  }

  @Test
  void deviceReadsConfigAndItsOwnSubtree() {
    Principal pi = client("pi-1", "device");

    assertThat(policy.canReadKey(pi, "config")).isTrue();
    assertThat(policy.canReadKey(pi, "config/firmware")).isTrue();
    assertThat(policy.canReadKey(pi, "devices/pi-1")).isTrue();
    assertThat(policy.canReadKey(pi, "devices/pi-1/telemetry/temp")).isTrue();
    assertThat(policy.canReadKey(pi, "devices/pi-2/telemetry")).isFalse();
    assertThat(policy.canReadKey(pi, "devices/pi-10")).isFalse();
    assertThat(policy.canReadKey(pi, "other")).isFalse();
    assertThat(policy.canReadKey(pi, "$sys/clients/pi-1")).isFalse();
  }

  @Test
  void deviceWritesOnlyItsOwnSubtree() {
    Principal pi = client("pi-1", "device");

    assertThat(policy.canWrite(pi, "devices/pi-1/state")).isTrue();
    assertThat(policy.canWrite(pi, "devices/pi-2/state")).isFalse();
    assertThat(policy.canWrite(pi, "config/firmware")).isFalse();
  }

  @Test
  void adminMayDoEverythingButWriteSystemKeys() {
    Principal admin = client("ops", "admin");

    assertThat(policy.canReadKey(admin, "devices/pi-1/x")).isTrue();
    assertThat(policy.canReadKey(admin, "$sys/clients/pi-1")).isTrue();
    assertThat(policy.canWrite(admin, "anything/at/all")).isTrue();
    assertThat(policy.canWrite(admin, "$sys/clients/pi-1")).isFalse();
  }

  @Test
  void nobodyWritesSystemKeysEvenWhenARuleWouldAllowIt() {
    AccessPolicy lax =
        new AccessPolicy(Map.of("ops", new ServerConfig.RoleRules(List.of(), List.of("$sys/#"))));

    assertThat(lax.canWrite(client("o", "ops"), "$sys/clients/o")).isFalse();
  }

  @Test
  void noRolesOrUnknownRolesGrantNothing() {
    assertThat(policy.canReadKey(client("pi-1"), "config/x")).isFalse();
    assertThat(policy.canReadKey(client("pi-1", "ghost"), "config/x")).isFalse();
    assertThat(policy.canWrite(client("pi-1", "ghost"), "devices/pi-1/x")).isFalse();
  }

  @Test
  void rolesAddUp() {
    Principal both = client("pi-1", "home", "device");

    assertThat(policy.canReadKey(both, "pi-1/lamp")).isTrue();
    assertThat(policy.canReadKey(both, "config/x")).isTrue();
    assertThat(policy.canWrite(both, "tenant-pi-1/a")).isTrue();
    assertThat(policy.canWrite(both, "tenant-pi-1/a/b")).isFalse();
  }

  @Test
  void clientIdWithSlashDoesNotReachAnotherClientsKeys() {
    Principal sneaky = client("pi-1/telemetry", "device");

    assertThat(policy.canReadKey(sneaky, "devices/pi-1/telemetry/x")).isFalse();
    assertThat(policy.canWrite(sneaky, "devices/pi-1/telemetry")).isFalse();
    assertThat(policy.canReadKey(sneaky, "config/x")).as("other rules still apply").isTrue();
  }

  @Test
  void clientIdWithWildcardsDoesNotWidenAccess() {
    assertThat(policy.canReadKey(client("+", "device"), "devices/pi-2/x")).isFalse();
    assertThat(policy.canWrite(client("+", "device"), "devices/pi-2/x")).isFalse();
    assertThat(policy.canReadKey(client("#", "device"), "devices/pi-2")).isFalse();
    assertThat(policy.canWrite(client("#", "home"), "anything")).isFalse();
    assertThat(policy.canWrite(client("pi+", "device"), "devices/pi+/x")).isFalse();
  }

  @Test
  void clientIdNamingSystemKeysGetsNoSystemAccess() {
    assertThat(policy.canReadKey(client("$sys", "home"), "$sys/clients/pi-1")).isFalse();
  }

  @Test
  void substitutionKeepsTemplatesWithoutSubAsTheyAre() {
    List<String> template = List.of("config", "#");

    assertThat(AccessPolicy.substitute(template, "a/b")).isSameAs(template);
    assertThat(AccessPolicy.substitute(List.of("devices", "${sub}", "#"), "pi"))
        .containsExactly("devices", "pi", "#");
    assertThat(AccessPolicy.substitute(List.of("devices", "${sub}", "#"), "p\u0001")).isNull();
  }

  @Test
  void malformedRulePatternsAreRefusedNamingTheRole() {
    for (String bad : List.of("a/#/b", "a//b", "a/b#", "/a", "a+/b", "")) {
      assertThatThrownBy(
              () ->
                  new AccessPolicy(
                      Map.of("r", new ServerConfig.RoleRules(List.of(bad), List.of()))))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("roles.r.read");
    }
  }

  // ---- patterns (need the real KeyPattern; skipped while it is still a stub) ----

  private static KeyPattern pattern(String text) {
    try {
      return KeyPattern.parse(text);
    } catch (UnsupportedOperationException stub) {
      Assumptions.assumeTrue(false, "KeyPattern is still a stub; runs once it is implemented");
      throw stub;
    }
  }

  @Test
  void deviceMaySubscribeInsideItsReadPatternsOnly() {
    Principal pi = client("pi-1", "device");

    assertThat(policy.canRead(pi, pattern("config/#"))).isTrue();
    assertThat(policy.canRead(pi, pattern("config/+/version"))).isTrue();
    assertThat(policy.canRead(pi, pattern("devices/pi-1/#"))).isTrue();
    assertThat(policy.canRead(pi, pattern("devices/+/#"))).isFalse();
    assertThat(policy.canRead(pi, pattern("#"))).isFalse();
    assertThat(policy.canRead(pi, pattern("+/pi-1/#"))).isFalse();
  }

  @Test
  void adminMaySubscribeToAnything() {
    Principal admin = client("ops", "admin");

    assertThat(policy.canRead(admin, pattern("#"))).isTrue();
    assertThat(policy.canRead(admin, pattern("$sys/#"))).isTrue();
  }
}
