package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class AccessPolicyPropertyTest {
  private static final AccessPolicy POLICY =
      new AccessPolicy(
          Map.of(
              "device",
              new ServerConfig.RoleRules(
                  List.of("config/#", "devices/${sub}/#"), List.of("devices/${sub}/#"))));

  /**
   * Whatever its id, a device reads only config keys and keys whose second segment is exactly its
   * id, and writes only the latter.
   */
  @Property(tries = 2000)
  void aDeviceNeverReachesBeyondItsOwnSubtree(
      @ForAll("clientIds") String clientId, @ForAll("keys") String key) {
    Principal device = new Principal(clientId, List.of("device"), Long.MAX_VALUE, null);
    List<String> segments = ReferenceMatcher.split(key);
    boolean ownKey =
        segments.size() >= 2
            && segments.get(0).equals("devices")
            && segments.get(1).equals(clientId);
    boolean configKey = segments.get(0).equals("config");

    if (POLICY.canReadKey(device, key)) {
      assertThat(ownKey || configKey).as("read %s as %s", key, clientId).isTrue();
    }
    if (POLICY.canWrite(device, key)) {
      assertThat(ownKey).as("write %s as %s", key, clientId).isTrue();
    }
    if (ownKey) {
      assertThat(POLICY.canWrite(device, key)).isTrue();
    }
  }

  @Provide
  Arbitrary<String> clientIds() {
    return Arbitraries.strings().withChars("ab/+#$").ofMinLength(1).ofMaxLength(5);
  }

  @Provide
  Arbitrary<String> keys() {
    Arbitrary<String> segment =
        Arbitraries.oneOf(
            Arbitraries.of("devices", "config", "$sys"),
            Arbitraries.strings().withChars("ab$").ofMinLength(1).ofMaxLength(3));
    return segment.list().ofMinSize(1).ofMaxSize(5).map(s -> String.join("/", s));
  }
}
