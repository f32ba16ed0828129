package io.stateserver.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.stateserver.config.ServerConfig;
import io.stateserver.ratelimit.HazelcastSharedBudget;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Hazelcast cluster manager from the Hazelcast XML file and the typed cluster settings.
 *
 * <p>The XML (cluster name, maps Vert.x needs, discovery) comes from {@link
 * ServerConfig.Cluster#configFile()} when that file exists, else from the identical {@value
 * #CLASSPATH_CONFIG} packaged in the jar. The typed settings then win over the file: port (with
 * auto-increment off), TCP-IP members and the advertised address (with the advertised port, when a
 * port mapping stands in front of the node).
 *
 * <p>Everything here is blocking (file and XML parsing): call it from {@code main} before Vert.x
 * starts, e.g. {@code Vertx.builder().withClusterManager(create(c)).buildClustered()}, never from
 * an event loop.
 */
public final class ClusterManagerFactory {

  /** The classpath copy of {@code cluster-config/hazelcast.xml}, used when the file is absent. */
  public static final String CLASSPATH_CONFIG = "hazelcast.xml";

  private static final Logger log = LoggerFactory.getLogger(ClusterManagerFactory.class);

  private ClusterManagerFactory() {}

  /** A cluster manager for {@code Vertx.builder().withClusterManager(...)}; blocking. */
  public static HazelcastClusterManager create(ServerConfig.Cluster cluster) {
    return new HazelcastClusterManager(loadConfig(cluster));
  }

  /**
   * The Hazelcast configuration {@link #create} uses: the XML, then the typed overrides. Blocking.
   */
  public static Config loadConfig(ServerConfig.Cluster cluster) {
    Config config = readXml(cluster.configFile());
    applyOverrides(config, cluster);
    // the cluster-wide rate budgets are Bucket4j entry processors, which every member must read
    HazelcastSharedBudget.registerSerializers(config);
    // When this node started, for its peers' catch-up after it joins (CatchUpWindow)
    config
        .getMemberAttributeConfig()
        .setAttribute(
            CatchUpWindow.STARTED_AT_ATTRIBUTE, Long.toString(System.currentTimeMillis()));
    return config;
  }

  /**
   * Event-bus options matching the cluster address, so that the event bus listens on and advertises
   * the same host as Hazelcast. With no cluster host configured, Vert.x picks the address itself.
   * The port is the configured one (a free one when 0), advertised as the public port when that is
   * set (a port mapping in front of the node).
   */
  public static EventBusOptions eventBusOptions(ServerConfig.Cluster cluster) {
    EventBusOptions options = new EventBusOptions().setPort(cluster.busPort());
    if (cluster.host() != null) {
      options.setHost(cluster.host()).setClusterPublicHost(cluster.host());
    }
    if (cluster.busPublicPort() > 0) {
      options.setClusterPublicPort(cluster.busPublicPort());
    }
    return options;
  }

  private static Config readXml(Path file) {
    if (file != null && Files.isRegularFile(file)) {
      log.info("loading hazelcast config [file: {}]", file);
      try (InputStream in = Files.newInputStream(file)) {
        return new XmlConfigBuilder(in).build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read hazelcast config " + file, e);
      }
    }
    log.info(
        "hazelcast config file absent, using the packaged copy [file: {}, resource: {}]",
        file,
        CLASSPATH_CONFIG);
    try (InputStream in = ClusterManagerFactory.class.getResourceAsStream("/" + CLASSPATH_CONFIG)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + CLASSPATH_CONFIG);
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + CLASSPATH_CONFIG, e);
    }
  }

  private static void applyOverrides(Config config, ServerConfig.Cluster cluster) {
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    if (cluster.host() != null) {
      // The public address is what peers are told to connect to; Hazelcast still binds to all
      // interfaces, which keeps containers with several interfaces working.
      network.setPublicAddress(
          cluster.publicPort() > 0
              ? hostAndPort(cluster.host(), cluster.publicPort())
              : cluster.host());
    } else if (cluster.publicPort() > 0) {
      throw new IllegalArgumentException("a public cluster port needs the cluster host");
    }
    JoinConfig join = network.getJoin();
    if (usesOtherDiscovery(join)) {
      // An operator who switched the file to multicast or Kubernetes discovery meant it: the
      // member list (which defaults to 127.0.0.1) must not switch TCP-IP back on.
      log.info("hazelcast config chooses its own discovery, ignoring the member list");
      return;
    }
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    log.info(
        "hazelcast tcp-ip join [port: {}, host: {}, members: {}]",
        cluster.port(),
        cluster.host(),
        cluster.members());
  }

  private static String hostAndPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static boolean usesOtherDiscovery(JoinConfig join) {
    return join.getMulticastConfig().isEnabled()
        || join.getKubernetesConfig().isEnabled()
        || join.getAwsConfig().isEnabled()
        || join.getGcpConfig().isEnabled()
        || join.getAzureConfig().isEnabled()
        || join.getEurekaConfig().isEnabled()
        || !join.getDiscoveryConfig().getDiscoveryStrategyConfigs().isEmpty();
  }
}
