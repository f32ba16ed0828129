package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.stateserver.config.ServerConfig;
import io.vertx.core.eventbus.EventBusOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterManagerFactoryTest {

  private static final Path TOP_LEVEL_CONFIG = Path.of("cluster-config", "hazelcast.xml");

  @Test
  void packagedConfigIsIdenticalToTheClusterConfigFolder() throws IOException {
    byte[] packaged;
    try (var in = getClass().getResourceAsStream("/" + ClusterManagerFactory.CLASSPATH_CONFIG)) {
      assertThat(in).as("classpath hazelcast.xml").isNotNull();
      packaged = in.readAllBytes();
    }
    assertThat(packaged)
        .as("src/main/resources/hazelcast.xml must be a copy of cluster-config/hazelcast.xml")
        .isEqualTo(Files.readAllBytes(TOP_LEVEL_CONFIG));
  }

  @Test
  void shippedConfigKeepsTheMapsVertxNeedsAndExplicitDiscovery() {
    Config config = ClusterManagerFactory.loadConfig(cluster(TOP_LEVEL_CONFIG, null));

    assertThat(config.getClusterName()).isEqualTo("state-server");
    assertThat(config.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(config.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
    assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getJoin().isAutoDetectionEnabled()).isFalse();
  }

  @Test
  void eachMemberTellsItsPeersWhenItStarted() {
    long before = System.currentTimeMillis();
    Config config = ClusterManagerFactory.loadConfig(cluster(TOP_LEVEL_CONFIG, null));

    String startedAt =
        config.getMemberAttributeConfig().getAttribute(CatchUpWindow.STARTED_AT_ATTRIBUTE);
    assertThat(Long.parseLong(startedAt)).isBetween(before, System.currentTimeMillis());
  }

  @Test
  void typedSettingsOverrideTheFile() {
    Config config = ClusterManagerFactory.loadConfig(cluster(TOP_LEVEL_CONFIG, "10.1.2.3"));

    NetworkConfig network = config.getNetworkConfig();
    assertThat(network.getPort()).isEqualTo(15701);
    assertThat(network.isPortAutoIncrement()).isFalse();
    assertThat(network.getPublicAddress()).isEqualTo("10.1.2.3");
    assertThat(network.getJoin().getTcpIpConfig().isEnabled()).isTrue();
    assertThat(network.getJoin().getTcpIpConfig().getMembers())
        .containsExactly("10.1.2.3:15701", "10.1.2.4:15701");
  }

  @Test
  void behindAPortMappingTheAdvertisedAddressCarriesThePublicPort() {
    Config v4 =
        ClusterManagerFactory.loadConfig(
            new ServerConfig.Cluster(
                true, TOP_LEVEL_CONFIG, List.of("10.1.2.4"), 15701, "10.1.2.3", 0, 0, 25701));
    Config v6 =
        ClusterManagerFactory.loadConfig(
            new ServerConfig.Cluster(
                true, TOP_LEVEL_CONFIG, List.of("10.1.2.4"), 15701, "fd00::3", 0, 0, 25701));

    assertThat(v4.getNetworkConfig().getPublicAddress()).isEqualTo("10.1.2.3:25701");
    assertThat(v4.getNetworkConfig().getPort())
        .as("still listens on its own port")
        .isEqualTo(15701);
    assertThat(v6.getNetworkConfig().getPublicAddress()).isEqualTo("[fd00::3]:25701");
  }

  @Test
  void withoutHostHazelcastChoosesTheAddress() {
    Config config = ClusterManagerFactory.loadConfig(cluster(TOP_LEVEL_CONFIG, null));

    assertThat(config.getNetworkConfig().getPublicAddress()).isNull();
    assertThat(ClusterManagerFactory.eventBusOptions(cluster(TOP_LEVEL_CONFIG, null)).getHost())
        .isNull();
  }

  @Test
  void eventBusUsesTheClusterHost() {
    var options = ClusterManagerFactory.eventBusOptions(cluster(TOP_LEVEL_CONFIG, "10.1.2.3"));

    assertThat(options.getHost()).isEqualTo("10.1.2.3");
    assertThat(options.getClusterPublicHost()).isEqualTo("10.1.2.3");
    assertThat(options.getPort()).isZero();
    assertThat(options.getClusterPublicPort())
        .isEqualTo(new EventBusOptions().getClusterPublicPort());
  }

  @Test
  void eventBusListensOnTheConfiguredPortAndAdvertisesThePublicOne() {
    var options =
        ClusterManagerFactory.eventBusOptions(
            new ServerConfig.Cluster(
                true, TOP_LEVEL_CONFIG, List.of("10.1.2.3"), 15701, "10.1.2.3", 15801, 25801, 0));

    assertThat(options.getPort()).isEqualTo(15801);
    assertThat(options.getClusterPublicPort()).isEqualTo(25801);
  }

  @Test
  void configFileIsPreferredOverThePackagedCopy(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("hazelcast.xml");
    Files.writeString(
        file,
        Files.readString(TOP_LEVEL_CONFIG)
            .replace("<cluster-name>state-server<", "<cluster-name>from-file<"));

    Config config = ClusterManagerFactory.loadConfig(cluster(file, null));

    assertThat(config.getClusterName()).isEqualTo("from-file");
  }

  @Test
  void missingConfigFileFallsBackToThePackagedCopy(@TempDir Path dir) {
    Config config = ClusterManagerFactory.loadConfig(cluster(dir.resolve("absent.xml"), null));

    assertThat(config.getClusterName()).isEqualTo("state-server");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(15701);
  }

  @Test
  void fileThatChoosesMulticastKeepsItsOwnDiscovery(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("hazelcast.xml");
    Files.writeString(
        file,
        Files.readString(TOP_LEVEL_CONFIG)
            .replace("<multicast enabled=\"false\"/>", "<multicast enabled=\"true\"/>")
            .replace("<tcp-ip enabled=\"true\">", "<tcp-ip enabled=\"false\">"));

    Config config = ClusterManagerFactory.loadConfig(cluster(file, null));

    assertThat(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isTrue();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(15701);
  }

  private static ServerConfig.Cluster cluster(Path file, String host) {
    return new ServerConfig.Cluster(
        true, file, List.of("10.1.2.3:15701", "10.1.2.4:15701"), 15701, host);
  }
}
