package io.stateserver.support;

import io.stateserver.config.ServerConfig;
import io.stateserver.security.TokenIssuer;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server processes forming one Hazelcast cluster over TCP-IP on free loopback ports, all on one
 * {@link SharedDatabase} and one JWT secret, so that a token minted here works on every node.
 *
 * <p>The first node starts alone; the others start together once it is ready and join it. Starting
 * all at once could let two of them each found a cluster of their own, which Hazelcast merges only
 * a minute or more later.
 */
public final class TestCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestCluster.class);

  /** The HS256 secret every node shares (at least 32 bytes). */
  public static final String SECRET = "cluster-it-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

  private final String name;
  private final SharedDatabase database;
  // what the nodes connect to: the database, or a proxy in front of it
  private final String nodesJdbcUrl;
  private final TcpProxy databaseProxy;
  private final Map<String, String> extraEnv;
  private final TokenIssuer issuer;
  private final List<ServerProcess> nodes = new CopyOnWriteArrayList<>();
  private final List<Integer> clusterPorts = new CopyOnWriteArrayList<>();

  private TestCluster(
      String name,
      SharedDatabase database,
      SharedDatabase.Proxied proxied,
      Map<String, String> extraEnv,
      Vertx vertx) {
    this.name = name;
    this.database = database;
    this.nodesJdbcUrl = proxied == null ? database.jdbcUrl() : proxied.jdbcUrl();
    this.databaseProxy = proxied == null ? null : proxied.proxy();
    this.extraEnv = Map.copyOf(extraEnv);
    this.issuer = new TokenIssuer(vertx, new ServerConfig.Jwt(SECRET, List.of(), null, null, 30));
  }

  /**
   * Starts {@code size} nodes on a new shared database and waits until every one is ready.
   *
   * @param extraEnv more environment for every node, e.g. {@code STATE_SESSION_GRACE_MS}
   */
  public static TestCluster start(Vertx vertx, String name, int size, Map<String, String> extraEnv)
      throws Exception {
    return start(vertx, name, size, extraEnv, false);
  }

  /**
   * {@link #start} with every node's database connections through one proxy ({@link
   * #databaseProxy()}): cutting it takes the whole database away from every node at once.
   */
  public static TestCluster startBehindDatabaseProxy(
      Vertx vertx, String name, int size, Map<String, String> extraEnv) throws Exception {
    return start(vertx, name, size, extraEnv, true);
  }

  private static TestCluster start(
      Vertx vertx, String name, int size, Map<String, String> extraEnv, boolean proxied)
      throws Exception {
    SharedDatabase database = SharedDatabase.create();
    TestCluster cluster =
        new TestCluster(
            name, database, proxied ? database.throughProxy(vertx) : null, extraEnv, vertx);
    try {
      long started = System.nanoTime();
      cluster.nodes.add(cluster.startNode(0, true));
      List<ServerProcess> launched = new ArrayList<>();
      for (int i = 1; i < size; i++) {
        launched.add(cluster.startNode(i, false));
      }
      cluster.nodes.addAll(launched);
      for (ServerProcess node : launched) {
        node.awaitReady(ServerProcess.DEFAULT_READY_TIMEOUT);
      }
      log.info(
          "cluster ready [name: {}, nodes: {}, database: {}, took: {} ms]",
          name,
          size,
          database.kind(),
          (System.nanoTime() - started) / 1_000_000);
      return cluster;
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** Starts one more node that joins the running cluster, and waits until it is ready. */
  public ServerProcess addNode() {
    return addNode(Map.of());
  }

  /** {@link #addNode()} with more environment for this node only. */
  public ServerProcess addNode(Map<String, String> nodeEnv) {
    ServerProcess node = startNode(nodes.size(), true, nodeEnv);
    nodes.add(node);
    return node;
  }

  /**
   * Starts a second process under the id of node {@code index} (as a node given another's {@code
   * STATE_NODE_ID} by mistake), without waiting for it: it is not one of {@link #nodes()}.
   */
  public ServerProcess launchUnderTheIdOf(int index) {
    return startNode(index, false, Map.of());
  }

  private ServerProcess startNode(int index, boolean awaitReady) {
    return startNode(index, awaitReady, Map.of());
  }

  private ServerProcess startNode(int index, boolean awaitReady, Map<String, String> nodeEnv) {
    int clusterPort = FreePorts.find();
    clusterPorts.add(clusterPort);
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("STATE_CLUSTER", "true");
    env.put("STATE_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put(
        "STATE_CLUSTER_MEMBERS",
        clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    env.put("STATE_DB_URL", nodesJdbcUrl);
    env.put("STATE_JWT_SECRET", SECRET);
    env.put("STATE_NODE_ID", nodeName(index));
    // last, so that a node of its own (its database through a proxy, say) can differ
    env.putAll(nodeEnv);
    String processName = name + "-" + nodeName(index);
    return awaitReady
        ? ServerProcess.start(processName, env)
        : ServerProcess.launch(processName, env);
  }

  /** Node names are {@code n0}, {@code n1}, ... in start order; {@code hello} shows them. */
  public static String nodeName(int index) {
    return "n" + index;
  }

  public ServerProcess node(int index) {
    return nodes.get(index);
  }

  public List<ServerProcess> nodes() {
    return List.copyOf(nodes);
  }

  public SharedDatabase database() {
    return database;
  }

  /** The proxy in front of the database, for a cluster started behind one. */
  public TcpProxy databaseProxy() {
    if (databaseProxy == null) {
      throw new IllegalStateException("the cluster was not started behind a database proxy");
    }
    return databaseProxy;
  }

  /** A token valid on every node for an hour. */
  public String token(String sub, String... roles) {
    return issuer.issue(sub, List.of(roles), 3600);
  }

  /** Kills every node still running, then drops the shared database (and closes its proxy). */
  @Override
  public void close() throws Exception {
    nodes.forEach(ServerProcess::kill9);
    nodes.forEach(ServerProcess::close);
    if (databaseProxy != null) {
      databaseProxy.close();
    }
    database.close();
  }
}
