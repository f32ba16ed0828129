package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TestClient;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three server processes in one Hazelcast cluster on one shared database (PostgreSQL when {@code
 * STATE_TEST_POSTGRES_URL} is set, else an H2 TCP server): fan-out across nodes, compare-and-set
 * from two nodes, a node joining the running cluster. One cluster serves the whole class; each test
 * uses keys of its own.
 *
 * <p>The tests drive clients from the test thread through {@link BlockingClient} (every wait
 * bounded), because their steps are sequences across processes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Vertx vertx;
  private static TestCluster cluster;
  private final List<BlockingClient> clients = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    cluster = TestCluster.start(vertx, "cluster-it", 3, Map.of());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(BlockingClient::close);
  }

  @Test
  void changeWrittenOnOneNodeReachesSubscribersOnTheOthers() throws Exception {
    BlockingClient writer = connect(0, "writer");
    BlockingClient onB = connect(1, "reader-b");
    BlockingClient onC = connect(2, "reader-c");
    assertThat(List.of(writer.hello(), onB.hello(), onC.hello()))
        .extracting(hello -> hello.getString("node"))
        .containsExactly("n0", "n1", "n2");
    for (BlockingClient reader : List.of(onB, onC)) {
      assertThat(reader.request("sub", "pattern", "fanout/#").getBoolean("ok")).isTrue();
    }

    long lastVersion = 0;
    for (int i = 1; i <= 20; i++) {
      JsonObject reply =
          writer.request("set", "key", "fanout/k", "value", new JsonObject().put("n", i));
      assertThat(reply.getBoolean("ok")).as("set %s: %s", i, reply).isTrue();
      lastVersion = reply.getLong("version");
    }

    for (BlockingClient reader : List.of(onB, onC)) {
      JsonObject last = reader.change("fanout/k", lastVersion);
      assertThat(last.getLong("version")).isEqualTo(lastVersion);
      assertThat(last.getJsonObject("value")).isEqualTo(new JsonObject().put("n", 20));
      assertThat(last.getString("by")).isEqualTo("writer");
      assertThat(reader.changeVersions("fanout/k")).isSorted().doesNotHaveDuplicates();
      JsonObject read = reader.request("get", "key", "fanout/k");
      assertThat(read.getLong("version")).isEqualTo(lastVersion);
    }
    for (ServerProcess node : cluster.nodes()) {
      assertThat(status(node, "/health/ready")).as("ready on %s", node).isEqualTo(200);
    }
  }

  @Test
  void compareAndSetIncrementsFromTwoNodesLoseNothing() throws Exception {
    String key = "cas/counter";
    BlockingClient setup = connect(0, "setup");
    JsonObject created = setup.request("set", "key", key, "value", 0, "ifVersion", 0);
    assertThat(created.getBoolean("ok")).as("%s", created).isTrue();
    long initialVersion = created.getLong("version");
    BlockingClient watcher = connect(2, "watcher");
    assertThat(watcher.request("sub", "pattern", key).getBoolean("ok")).isTrue();

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<List<Long>> onA = pool.submit(increments(connect(0, "inc-a"), key, 100));
      Future<List<Long>> onB = pool.submit(increments(connect(1, "inc-b"), key, 100));
      List<Long> versions = new ArrayList<>(onA.get(180, TimeUnit.SECONDS));
      versions.addAll(onB.get(180, TimeUnit.SECONDS));

      // Every acknowledged increment got its own version, and together they are one gap-free
      // history: no two nodes ever acknowledged the same version.
      assertThat(versions)
          .containsExactlyInAnyOrderElementsOf(
              LongStream.rangeClosed(initialVersion + 1, initialVersion + 200).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
    long finalVersion = initialVersion + 200;
    for (int node = 0; node < 3; node++) {
      JsonObject read = connect(node, "check").request("get", "key", key);
      assertThat(read.getInteger("value")).as("value on n%s", node).isEqualTo(200);
      assertThat(read.getLong("version")).as("version on n%s", node).isEqualTo(finalVersion);
    }
    JsonObject last = watcher.change(key, finalVersion);
    assertThat(last.getInteger("value")).isEqualTo(200);
    List<JsonObject> seen = watcher.frames().stream().filter(f -> isChange(f, key)).toList();
    assertThat(seen).extracting(f -> f.getLong("version")).isSorted().doesNotHaveDuplicates();
    // The counter and its version advance together, so every change the watcher saw is consistent.
    assertThat(seen)
        .allSatisfy(
            f -> assertThat(f.getLong("version") - initialVersion).isEqualTo(f.getLong("value")));
  }

  @Test
  void nodeJoiningTheRunningClusterServesSharedStateAtOnce() throws Exception {
    BlockingClient writer = connect(0, "join-writer");
    for (int i = 0; i < 5; i++) {
      assertThat(writer.request("set", "key", "join/k" + i, "value", i).getBoolean("ok")).isTrue();
    }

    ServerProcess joined = cluster.addNode();
    int joinedIndex = cluster.nodes().indexOf(joined);

    BlockingClient onNew = connect(joinedIndex, "join-reader");
    assertThat(onNew.hello().getString("node")).isEqualTo(TestCluster.nodeName(joinedIndex));
    JsonObject read = onNew.request("get", "key", "join/k3");
    assertThat(read.getBoolean("exists")).isTrue();
    assertThat(read.getInteger("value")).isEqualTo(3);
    JsonObject sub = onNew.request("sub", "pattern", "join/#");
    assertThat(sub.getJsonArray("entries")).hasSize(5);

    BlockingClient otherWriter = connect(1, "join-writer-b");
    long version =
        otherWriter.request("set", "key", "join/k1", "value", "from n1").getLong("version");
    assertThat(onNew.change("join/k1", version).getString("value")).isEqualTo("from n1");

    BlockingClient onOld = connect(2, "join-reader-c");
    assertThat(onOld.request("sub", "pattern", "join/new").getBoolean("ok")).isTrue();
    long written = onNew.request("set", "key", "join/new", "value", true).getLong("version");
    assertThat(onOld.change("join/new", written).getBoolean("value")).isTrue();
    assertThat(status(joined, "/health/ready")).isEqualTo(200);
  }

  private Callable<List<Long>> increments(BlockingClient client, String key, int count) {
    return () -> {
      List<Long> versions = new ArrayList<>();
      while (versions.size() < count) {
        JsonObject current = client.request("get", "key", key);
        long value = current.getLong("value");
        JsonObject reply =
            client.request(
                "set", "key", key, "value", value + 1, "ifVersion", current.getLong("version"));
        if (reply.getBoolean("ok")) {
          versions.add(reply.getLong("version"));
        } else {
          assertThat(reply.getJsonObject("error").getString("code"))
              .as("%s", reply)
              .isEqualTo("version_conflict");
        }
      }
      return versions;
    };
  }

  private static boolean isChange(JsonObject frame, String key) {
    return "change".equals(frame.getString("type")) && key.equals(frame.getString("key"));
  }

  @Test
  void twoResumesOfOneSessionAtOnceOnTwoNodesLeaveOneConnectionOpen() throws Exception {
    String token = cluster.token("pi-race", "device");
    for (int round = 0; round < 10; round++) {
      BlockingClient first = BlockingClient.connect(vertx, cluster.node(0).port(), token);
      clients.add(first);
      String session = first.hello().getString("session");
      // as a device whose old connection's death went unnoticed, reconnecting twice at once
      io.vertx.core.Future<TestClient> onB =
          TestClient.connect(vertx, cluster.node(1).port(), token, "session=" + session);
      io.vertx.core.Future<TestClient> onC =
          TestClient.connect(vertx, cluster.node(2).port(), token, "session=" + session);
      List<TestClient> resumed = List.of(BlockingClient.await(onB), BlockingClient.await(onC));
      for (TestClient c : resumed) {
        assertThat(BlockingClient.await(c.hello()).getString("session")).isEqualTo(session);
      }
      assertThat(first.awaitClosed()).as("the connection taken over").isEqualTo((short) 1000);

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (open(resumed) > 1 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(open(resumed)).as("connections left open on one session, round %d", round).isOne();
      for (TestClient c : resumed) {
        BlockingClient.await(c.close());
      }
    }
  }

  private static long open(List<TestClient> connections) {
    return connections.stream().filter(c -> !c.closed().isComplete()).count();
  }

  private BlockingClient connect(int node, String sub) {
    BlockingClient client =
        BlockingClient.connect(vertx, cluster.node(node).port(), cluster.token(sub, "admin"));
    clients.add(client);
    return client;
  }

  private static int status(ServerProcess node, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(node.httpUri().resolve(path))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
